// The remote language model against a fake OpenAI-compatible server (tests/helpers/fake-lm-server.ts), on the tiny
// package: the request protocol (token-id prompts, sampling fields, logprobs, the image span as its own request
// restricted to image codes, `</img>` appended and reported as forced), and every failure as a clear SeedError after
// which the same model generates again: connection refused, a server slower than the timeout, HTTP 500, a dropped
// stream, a malformed chunk, an id outside our vocabulary, another vocabulary at load. Interrupt closes the socket,
// in-process and through the worker thread (whose abort flag lives in shared memory).

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openModelWorker, SeedError, SeedModel } from "../../../model/runtime/index";
import { type FakeLmServer as Fake, FakeLmServer } from "../../helpers/fake-lm-server";
import { copyPackage, loadOptions, TINY_PACKAGE } from "../../helpers/packages";

const { cacheDir } = copyPackage();
let fake: Fake;
let model: SeedModel;
let local: SeedModel;

before(async () => {
  local = await SeedModel.load(TINY_PACKAGE, loadOptions(cacheDir));
  fake = await FakeLmServer.startFor(local);
  model = await SeedModel.load(TINY_PACKAGE, {
    ...loadOptions(cacheDir),
    languageModelEndpoint: fake.url,
    languageModelTimeoutMs: 2000,
  });
});
after(async () => {
  await model?.dispose();
  await local?.dispose();
  await fake?.close();
});

const remoteError = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SeedError, String(e));
  assert.equal(e.code, "remote", e.message);
  assert.match(e.message, re);
  return true;
};

async function generatesAgain(): Promise<void> {
  fake.fault = { kind: "none" };
  const r = await model.generate([{ role: "user", content: "Draw" }], { temperature: 0, maxNewTokens: 20 });
  assert.equal(r.images.filter((s) => s.valid).length, 1, "the same model generates after the failure");
}

test("info says where the language model runs; the ONNX graph is not loaded", () => {
  assert.deepEqual(model.info.languageModel, {
    kind: "remote",
    endpoint: fake.url,
    server: "llama.cpp server",
    model: "fake-seed.gguf",
    unreachable: undefined,
  });
  assert.equal(model.languageModel, undefined, "language_model.onnx stays unloaded when the LM is served");
  assert.equal(model.info.hasLanguageModel, true);
  assert.deepEqual(local.info.languageModel, { kind: "in-process", runtime: "onnxruntime", provider: "cpu" });
});

test("a drawing: text streams, the span is its own image-only request of N tokens, </img> is forced, then text", async () => {
  fake.requests.length = 0;
  const closedBefore = fake.clientClosed;
  const tok = model.textTokenizer!;
  const events: { id: number; forced: boolean; candidates: number }[] = [];
  const prompt = await model.buildPrompt([{ role: "user", content: "Draw" }]);
  const r = await model.generate(prompt, {
    temperature: 0.7,
    topP: 0.9,
    seed: 5,
    maxNewTokens: 30,
    topCandidates: 3,
    onToken: (e) => events.push({ id: e.id, forced: e.forced, candidates: e.candidates.length }),
  });
  const N = model.info.numTokens;
  const [a, b] = await model.encodeText("a cat", { bos: false });
  const codes = Array.from({ length: N }, (_, i) => (i * 5 + 3) % tok.codebookSize);
  assert.deepEqual(r.ids, [a, b, tok.special.boi, ...codes.map((c) => tok.imageTokenOffset + c), tok.special.eoi, b]);
  assert.equal(r.stopReason, "stop");
  assert.deepEqual(r.images, [{ start: 2, end: 3 + N + 1, codes, valid: true }]);
  assert.equal(r.forcedTokens, 1, "only the appended </img>");
  assert.deepEqual(
    events.map((e) => e.forced),
    r.ids.map((id) => id === tok.special.eoi),
  );
  assert.ok(
    events.filter((e) => !e.forced).every((e) => e.candidates === 3),
    "top-k from logprobs on every drawn token",
  );

  const reqs = fake.completions();
  assert.equal(reqs.length, 3, JSON.stringify(reqs.map((q) => q.max_tokens)));
  const [text, span, rest] = reqs as Record<string, unknown>[];
  assert.deepEqual(text?.prompt, prompt, "the prompt goes as token ids");
  assert.deepEqual(
    { ...text, prompt: undefined, logit_bias: undefined },
    {
      prompt: undefined,
      logit_bias: undefined,
      stream: true,
      max_tokens: 30,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 0,
      seed: 5,
      logprobs: 3,
      n_probs: 3,
      min_p: 0,
      repeat_penalty: 1,
      cache_prompt: true,
      timings_per_token: true,
      model: "fake-seed.gguf",
    },
  );
  const textBias = text?.logit_bias as Record<string, boolean>;
  assert.equal(textBias[String(tok.special.eoi)], false, "no </img> outside a span");
  assert.equal(Object.keys(textBias).length, tok.codebookSize + 1, "nor any image code; nothing else banned");
  assert.ok(
    Array.from({ length: tok.codebookSize }, (_, i) => tok.imageTokenOffset + i).every((id) => textBias[id] === false),
  );
  assert.deepEqual(span?.prompt, [...prompt, a, b, tok.special.boi]);
  assert.equal(span?.max_tokens, N);
  const bias = span?.logit_bias as Record<string, boolean>;
  assert.equal(Object.keys(bias).length, model.manifest.language_model!.vocab_size - tok.codebookSize);
  assert.ok(!(String(tok.imageTokenOffset) in bias) && bias[String(tok.special.eoi)] === false);
  assert.deepEqual((rest?.prompt as number[] | undefined)?.slice(-1), [tok.special.eoi]);
  assert.ok(fake.clientClosed > closedBefore, "the text stream that ran past <img> was cancelled");
});

test("greedy remote ids equal what the fake server's script says, for chat turns and forceImage", async () => {
  const r = await model.generate([{ role: "user", content: "Draw" }], {
    forceImage: true,
    temperature: 0,
    maxNewTokens: 10,
  });
  assert.equal(r.images.length, 1);
  assert.equal(r.images[0]?.start, -1);
  assert.equal(r.images[0]?.valid, true);
  assert.equal(fake.completions().at(-2)?.temperature, 0);
});

test("connection refused: names the URL and how to start a server; the rest of the model still loads", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const down = await SeedModel.load(TINY_PACKAGE, { ...loadOptions(cacheDir), languageModelEndpoint: url });
  try {
    const lm = down.info.languageModel;
    assert.ok(lm?.kind === "remote" && /connection was refused/.test(lm.unreachable ?? ""), JSON.stringify(lm));
    await assert.rejects(
      down.generate([{ role: "user", content: "hi" }], { maxNewTokens: 3 }),
      remoteError(
        new RegExp(
          `no language model server at ${url}/v1/models: the connection was refused.*llama-server -m model\\.gguf`,
        ),
      ),
    );
    const img = await down.loadImage(join(__dirname, "..", "..", "..", "notebooks", "assets", "fox.png"));
    assert.equal((await down.tokenize(img)).ids[0]?.length, down.info.numTokens, "tokenize works without the server");
  } finally {
    await down.dispose();
  }
});

test("a server slower than the timeout: a remote error naming the timeout and the setting", async () => {
  const slow = await SeedModel.load(TINY_PACKAGE, {
    ...loadOptions(cacheDir),
    languageModelEndpoint: fake.url,
    languageModelTimeoutMs: 300,
  });
  try {
    fake.fault = { kind: "delay", ms: 1500 };
    const t0 = Date.now();
    await assert.rejects(
      slow.generate([{ role: "user", content: "hi" }], { maxNewTokens: 3 }),
      remoteError(/sent nothing for 300 ms.*seed\.languageModelTimeoutMs.*SEED_LM_TIMEOUT_MS/),
    );
    assert.ok(Date.now() - t0 < 1400, "it gave up at the timeout, before the server answered");
  } finally {
    fake.fault = { kind: "none" };
    await slow.dispose();
  }
});

test("HTTP 500: status and the server's message", async () => {
  fake.fault = { kind: "http500", message: "slot unavailable" };
  await assert.rejects(
    model.generate([{ role: "user", content: "hi" }], { maxNewTokens: 3 }),
    remoteError(/answered HTTP 500 Internal Server Error: slot unavailable/),
  );
  await generatesAgain();
});

test("a stream dropped mid-way, and a malformed chunk", async () => {
  fake.fault = { kind: "drop", afterTokens: 1 };
  await assert.rejects(
    model.generate([{ role: "user", content: "hi" }], { maxNewTokens: 5 }),
    remoteError(/closed the connection while streaming \(did it crash or restart\?\)/),
  );
  await generatesAgain();
  fake.fault = { kind: "malformed", afterTokens: 1 };
  await assert.rejects(
    model.generate([{ role: "user", content: "hi" }], { maxNewTokens: 5 }),
    remoteError(/malformed stream chunk \(not JSON\)/),
  );
  await generatesAgain();
});

test("an id outside our vocabulary, and a server with another vocabulary at load, name both sizes", async () => {
  fake.fault = { kind: "id", id: 999 };
  await assert.rejects(
    model.generate([{ role: "user", content: "hi" }], { maxNewTokens: 5 }),
    remoteError(/returned token id 999, but the package's vocabulary has 350 ids/),
  );
  await generatesAgain();
  fake.fault = { kind: "vocab", nVocab: 32000 };
  await assert.rejects(
    SeedModel.load(TINY_PACKAGE, { ...loadOptions(cacheDir), languageModelEndpoint: fake.url }),
    remoteError(/serves a vocabulary of 32000 tokens, but the package's language model has 350/),
  );
  fake.fault = { kind: "none" };
});

async function interruptCloses(
  open: () => Promise<{ m: { generate: SeedModel["generate"] }; close: () => Promise<void> }>,
) {
  const { m, close } = await open();
  try {
    fake.fault = { kind: "slow", msPerToken: 400 };
    const closedBefore = fake.clientClosed;
    const ctrl = new AbortController();
    let seen = 0;
    const t0 = Date.now();
    await assert.rejects(
      m.generate([{ role: "user", content: "hi" }], {
        maxNewTokens: 5,
        signal: ctrl.signal,
        onToken: () => {
          seen++;
          ctrl.abort();
        },
      }),
      (e: unknown) => e instanceof SeedError && e.code === "aborted",
    );
    assert.equal(seen, 1);
    assert.ok(Date.now() - t0 < 2000, `aborted in ${Date.now() - t0} ms`);
    for (let i = 0; i < 50 && fake.clientClosed === closedBefore; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(fake.clientClosed, closedBefore + 1, "the server saw the socket close");
  } finally {
    fake.fault = { kind: "none" };
    await close();
  }
}

test("interrupt mid-stream cancels the HTTP request (in-process)", async () => {
  await interruptCloses(async () => ({ m: model, close: async () => undefined }));
});

test("interrupt mid-stream cancels the HTTP request through the worker thread", async () => {
  await interruptCloses(async () => {
    const w = await openModelWorker(TINY_PACKAGE, { ...loadOptions(cacheDir), languageModelEndpoint: fake.url });
    return { m: w, close: () => w.dispose() };
  });
});
