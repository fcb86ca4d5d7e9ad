// The remote language model's wire parsing, pure: the SSE parser (pieces split anywhere, CRLF, comments, multi-line
// data, a stream that ends without its blank line) and completion chunks -> our ids and candidates, in llama.cpp's
// and vLLM's logprobs layouts, with the errors for malformed chunks and ids outside our vocabulary.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type SeedError, SseParser } from "../../../model/runtime/index";
import { parseCompletionChunk, resolveId, type TokenLookup } from "../../../model/runtime/remote-completions";
import { normaliseEndpoint } from "../../../model/runtime/remote-lm";

test("SSE: events survive any split of the bytes, CRLF and CR line ends, comments and multi-line data", () => {
  const text =
    ': keep-alive\r\ndata: {"a":1}\r\n\r\nevent: note\ndata: line1\ndata: line2\n\ndata:nospace\r\rdata: [DONE]\n\n';
  const bytes = new TextEncoder().encode(text);
  const want = [
    { event: "message", data: '{"a":1}' },
    { event: "note", data: "line1\nline2" },
    { event: "message", data: "nospace" },
    { event: "message", data: "[DONE]" },
  ];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const p = new SseParser();
    const got = [...p.feed(bytes.slice(0, cut)), ...p.feed(bytes.slice(cut)), ...p.end()];
    assert.deepEqual(got, want, `split at byte ${cut}`);
  }
  // One byte at a time, with a multi-byte UTF-8 character split across pieces.
  const p = new SseParser();
  const got = [...new TextEncoder().encode("data: 🦊\n\n")].flatMap((b) => p.feed(new Uint8Array([b])));
  assert.deepEqual(got, [{ event: "message", data: "🦊" }]);
  // A stream that ends without the blank line still yields its last event.
  const q = new SseParser();
  assert.deepEqual(q.feed("data: last"), []);
  assert.deepEqual(q.end(), [{ event: "message", data: "last" }]);
});

const vocab: TokenLookup = {
  vocabSize: 100,
  idOfPiece: (p) => ({ "<img>": 90, " the": 7, "<img_00003>": 53 })[p],
};

test("llama.cpp chunks: ids as given, candidates best first with probabilities", () => {
  const chunk = {
    choices: [
      {
        text: " the",
        index: 0,
        finish_reason: null,
        logprobs: {
          content: [
            {
              id: 7,
              token: " the",
              logprob: Math.log(0.5),
              top_logprobs: [
                { id: 8, token: " a", logprob: Math.log(0.2) },
                { id: 7, token: " the", logprob: Math.log(0.5) },
              ],
            },
          ],
        },
      },
    ],
  };
  const c = parseCompletionChunk(JSON.stringify(chunk), vocab, "http://x");
  assert.equal(c.tokens.length, 1);
  assert.equal(c.tokens[0]?.id, 7);
  assert.deepEqual(
    c.tokens[0]?.candidates.map((x) => [x.id, Number(x.prob.toFixed(6))]),
    [
      [7, 0.5],
      [8, 0.2],
    ],
  );
  assert.equal(c.finishReason, undefined);
  const last = parseCompletionChunk(
    JSON.stringify({
      choices: [{ text: "", finish_reason: "stop", logprobs: null }],
      timings: { prompt_n: 5, prompt_ms: 2.5, predicted_n: 9, predicted_ms: 18 },
    }),
    vocab,
    "http://x",
  );
  assert.deepEqual(last.tokens, []);
  assert.equal(last.finishReason, "stop");
  assert.deepEqual(last.timings, { promptN: 5, promptMs: 2.5, predictedN: 9, predictedMs: 18 });
});

test("vLLM chunks: token_id:N strings, several tokens per chunk; plain strings go through our vocabulary", () => {
  const chunk = {
    choices: [
      {
        text: "<img><img_00003>",
        finish_reason: "length",
        logprobs: {
          tokens: ["token_id:90", "<img_00003>"],
          token_logprobs: [-0.1, -0.2],
          top_logprobs: [{ "token_id:90": -0.1, "token_id:12": -2.5 }, { "<img_00003>": -0.2 }],
        },
      },
    ],
  };
  const c = parseCompletionChunk(JSON.stringify(chunk), vocab, "http://x");
  assert.deepEqual(
    c.tokens.map((t) => t.id),
    [90, 53],
  );
  assert.deepEqual(
    c.tokens[0]?.candidates.map((x) => x.id),
    [90, 12],
  );
  assert.equal(c.finishReason, "length");
  assert.equal(resolveId(" the", vocab, "http://x"), 7);
});

test("bad chunks and foreign vocabularies are clear remote errors", () => {
  const err = (data: string, re: RegExp): void => {
    assert.throws(
      () => parseCompletionChunk(data, vocab, "http://h:1"),
      (e: SeedError) => e.code === "remote" && re.test(e.message),
    );
  };
  err(
    '{"choices": [{"text": "x", "logprobs": {"content": [{"id":',
    /http:\/\/h:1 sent a malformed stream chunk \(not JSON\)/,
  );
  err('{"object": "text_completion"}', /no "choices" array/);
  err('{"choices": [{"text": "hi", "finish_reason": null}]}', /text without logprobs/);
  err('{"error": {"message": "out of memory"}}', /reported an error mid-stream: out of memory/);
  err(
    JSON.stringify({ choices: [{ text: "?", logprobs: { content: [{ id: 150, token: "?", logprob: 0 }] } }] }),
    /returned token id 150, but the package's vocabulary has 100 ids/,
  );
  err(
    JSON.stringify({ choices: [{ text: "zz", logprobs: { tokens: ["zz"], top_logprobs: [{}] } }] }),
    /the token "zz", which is not in the package's vocabulary/,
  );
});

test("endpoints are normalised and checked", () => {
  assert.equal(normaliseEndpoint("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  assert.equal(normaliseEndpoint("http://gpu:8000/v1"), "http://gpu:8000");
  assert.throws(() => normaliseEndpoint("gpu:8000"), /must be http:\/\/ or https:\/\/|not a URL/);
  assert.throws(() => normaliseEndpoint("not a url"), /not a URL; expected e\.g\. http:\/\/127\.0\.0\.1:8080/);
});
