// A real serving engine serves SEED-mini's language model: llama.cpp's llama-server (scripts/install-llama-server.sh)
// loads the GGUF written by model.train.lm.export_serving, and the streamed /v1/completions answer to a prompt sent as
// token ids (temperature 0, logprobs 5) holds the same greedy ids as the in-process runtime (model/runtime) on the six
// golden chat prompts (text -> image, captioning, VQA, a two-turn edit), with the same top-5 candidates. Also pins down
// what the answer carries, which the kernel's remote backend relies on (docs/serving.md): the id of every generated
// token and of every top candidate, image tokens as `<img_NNNNN>` text, the stop token streamed with empty text; that
// ids outside the vocabulary get a 400; and that the
// server's tokenizer gives our prompt ids (the kernel sends ids, so this only guards the GGUF's vocabulary).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { SeedModel, type TokenEvent } from "../../model/runtime/index";
import {
  type CompletionChunk,
  type LlamaServer,
  SEED_MINI_DIR,
  startLlamaServer,
  streamCompletion,
  streamedTokens,
} from "../helpers/llama-server";
import { copyPackage, loadOptions } from "../helpers/packages";

interface GreedyCase {
  name: string;
  prompt: string;
  prompt_ids: number[];
  greedy_ids: number[];
  stopped: boolean;
}
const fixture = JSON.parse(readFileSync(join(SEED_MINI_DIR, "fixtures", "lm_greedy.json"), "utf8")) as {
  max_new_tokens: number;
  stop_ids: number[];
  image_token_offset: number;
  cases: GreedyCase[];
};
// Candidate probabilities: both engines compute a float32 softmax of the same float32 logits in different orders.
const PROB_TOL = 1e-3;

let server: LlamaServer;
let model: SeedModel;
const { cacheDir } = copyPackage();

before(async () => {
  // Attention in float32 as in the runtime: llama-server's defaults (a float16 KV cache, and flash attention, whose CPU
  // kernel rounds queries to float16) move candidate probabilities by ~1e-3, past PROB_TOL, on a long multi-turn case.
  server = await startLlamaServer({ args: ["--cache-type-k", "f32", "--cache-type-v", "f32", "--flash-attn", "off"] });
  model = await SeedModel.load(SEED_MINI_DIR, loadOptions(cacheDir));
});
after(async () => {
  await server?.stop();
  model?.dispose();
});

async function serverGreedy(promptIds: number[]): Promise<CompletionChunk[]> {
  const { chunks } = await streamCompletion(server.url, {
    prompt: promptIds,
    max_tokens: fixture.max_new_tokens,
    temperature: 0,
    logprobs: 5,
  });
  return chunks;
}

test("greedy ids and top-5 candidates from llama-server equal the in-process runtime's", async () => {
  for (const c of fixture.cases) {
    const events: TokenEvent[] = [];
    const local = await model.generate(c.prompt_ids, {
      temperature: 0,
      maxNewTokens: fixture.max_new_tokens,
      stopIds: fixture.stop_ids,
      constrainImages: false, // raw argmax on both sides
      topCandidates: 5,
      onToken: (e) => events.push(e),
    });
    const chunks = await serverGreedy(c.prompt_ids);
    const tokens = streamedTokens(chunks);
    // The server streams the stop token too (see the next test); the runtime's ids leave it out.
    const served = tokens.map((t) => t.id);
    assert.deepEqual(c.stopped ? served.slice(0, -1) : served, local.ids, `${c.name}: server ids vs in-process ids`);
    assert.deepEqual(served, c.greedy_ids, `${c.name}: server ids vs the fixture`);
    const finish = chunks.map((ch) => ch.choices[0]?.finish_reason).filter((f) => f);
    assert.deepEqual(finish, [c.stopped ? "stop" : "length"], `${c.name}: finish_reason`);
    for (const [i, t] of tokens.slice(0, local.ids.length).entries()) {
      const mine = new Map((events[i]?.candidates ?? []).map((x) => [x.id, x.prob]));
      const fifth = Math.min(...mine.values());
      assert.equal(t.top_logprobs.length, 5, `${c.name} token ${i}: 5 candidates`);
      assert.equal(t.top_logprobs[0]?.id, t.id, `${c.name} token ${i}: the greedy token is the best candidate`);
      for (const cand of t.top_logprobs) {
        const p = Math.exp(cand.logprob);
        const q = mine.get(cand.id);
        if (q === undefined) {
          // only a near-tie at the 5th place may differ
          assert.ok(
            p <= fifth + PROB_TOL,
            `${c.name} token ${i}: candidate ${cand.id} (p ${p}) not in the runtime's top 5`,
          );
        } else {
          assert.ok(Math.abs(p - q) <= PROB_TOL, `${c.name} token ${i}: candidate ${cand.id}: ${p} vs ${q}`);
        }
      }
    }
  }
});

test("what a streamed answer carries: ids per token and per candidate, image tokens as text, the stop token", async () => {
  const draw = fixture.cases.find((c) => c.greedy_ids.some((id) => id >= fixture.image_token_offset));
  assert.ok(draw, "a golden case that draws");
  const chunks = await serverGreedy(draw.prompt_ids);
  const tokens = streamedTokens(chunks);
  const offset = fixture.image_token_offset;
  const img = tokens.find((t) => t.id >= offset && t.id < offset + 1024);
  assert.ok(img, "an image token was generated");
  const code = img.id - offset;
  assert.equal(img.token, `<img_${String(code).padStart(5, "0")}>`);
  assert.deepEqual(img.bytes, [...Buffer.from(img.token)]);
  assert.ok(img.top_logprobs.every((x) => Number.isInteger(x.id) && typeof x.token === "string"));
  assert.ok(tokens.some((t) => t.id === 2024 && t.token === "<img>"));
  assert.ok(tokens.some((t) => t.id === 2025 && t.token === "</img>"));
  // One token per chunk, and the text of each chunk is its token's text.
  const withTokens = chunks.filter((ch) => (ch.choices[0]?.logprobs?.content.length ?? 0) > 0);
  assert.ok(withTokens.every((ch) => ch.choices[0]?.logprobs?.content.length === 1));
  assert.ok(withTokens.every((ch) => ch.choices[0]?.text === ch.choices[0]?.logprobs?.content[0]?.token));
  // The stop id (</s>) is streamed as the last token, with empty text; then a chunk without logprobs ends the answer
  // with finish_reason "stop", the token counts and the server's timings.
  const last = tokens.at(-1);
  assert.ok(last && fixture.stop_ids.includes(last.id) && last.token === "", JSON.stringify(last));
  assert.ok(!tokens.slice(0, -1).some((t) => fixture.stop_ids.includes(t.id)));
  const end = chunks.at(-1) as CompletionChunk & { usage: { completion_tokens: number }; timings: object };
  assert.deepEqual([end.choices[0]?.finish_reason, end.choices[0]?.logprobs, end.choices[0]?.text], ["stop", null, ""]);
  assert.equal(end.usage.completion_tokens, tokens.length);
  assert.ok("predicted_per_token_ms" in end.timings);
});

test("the GGUF's tokenizer in llama-server gives our prompt ids and text", async () => {
  for (const c of fixture.cases) {
    const res = await fetch(`${server.url}/tokenize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: c.prompt, add_special: false, parse_special: true }),
    });
    assert.equal(res.status, 200);
    const { tokens } = (await res.json()) as { tokens: number[] };
    assert.deepEqual(tokens, c.prompt_ids, `${c.name}: /tokenize`);
  }
});

test("a prompt with an id outside the vocabulary gets HTTP 400 with a message, and the server keeps serving", async () => {
  const res = await fetch(`${server.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: [1, 5000], max_tokens: 2, temperature: 0, stream: true }),
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: number; message: string; type: string } };
  assert.deepEqual(body.error, { code: 400, message: "Prompt contains invalid tokens", type: "invalid_request_error" });
  const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { meta: { n_vocab: number } }[] };
  assert.equal(models.data[0]?.meta.n_vocab, 2026);
});
