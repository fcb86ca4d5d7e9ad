// SeedModel's language side on the tiny package: text tokenizer (round trip, image tokens, no space after added
// tokens), prompts, the KV cache (incremental logits equal a full recompute), generation (greedy determinism,
// seeded sampling, stop ids, callbacks, forceImage, abort) and the context/id checks that run before any session call.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { SeedError, SeedModel } from "../../../model/runtime/index";
import { copyPackage, loadOptions, TINY_PACKAGE } from "../../helpers/packages";
import { assertTensorClose, tensorOf } from "../../helpers/tensor-compare";

let model: SeedModel;
const { cacheDir } = copyPackage();
before(async () => {
  model = await SeedModel.load(TINY_PACKAGE, loadOptions(cacheDir));
});
after(() => model.dispose());

test("decode(encode(s)) == s on tricky strings, image tokens included", async () => {
  for (const s of [
    "",
    "a",
    " leading space",
    "two  spaces",
    "the cat.",
    "tab\there",
    "new\nline",
    "émoji 🦊 ok",
    "Draw<img><img_00003><img_00015></img>done",
    "a <img> b",
    "x</img>",
    "<img_00016> is not a code",
    "\ufeffBOM first",
    "mid\ufeffdle",
    "\ufeff\ufeff two",
    " \ufeff spaced",
  ]) {
    const ids = await model.encodeText(s, { bos: false });
    assert.equal(await model.decodeText(ids), s, JSON.stringify(s));
  }
});

test("BOS on request, image tokens map to offset + code, glued or spaced", async () => {
  const lm = model.manifest.language_model!;
  const tok = model.textTokenizer!;
  const ids = await model.encodeText("hi<img><img_00002></img>");
  assert.equal(ids[0], tok.special.bos);
  assert.deepEqual(ids.slice(-3), [tok.special.boi, lm.image_token_offset + 2, tok.special.eoi]);
  assert.deepEqual((await model.encodeText("hi", { bos: false }))[0] !== tok.special.bos, true);
  assert.equal(tok.codeOf(lm.image_token_offset + 15), 15);
  assert.equal(tok.codeOf(lm.image_token_offset + 16), undefined);
  assert.throws(() => tok.imageTokenId(16), /image code 16 is outside \[0, 16\)/);
});

test("prompts: images become <img> + N codes + </img> in the Vicuna template", async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#00ff00" } })
    .png()
    .toBuffer();
  const img = await model.loadImage(new Uint8Array(png));
  const codes = (await model.tokenize(img)).ids[0] ?? [];
  const ids = await model.buildPrompt([{ role: "user", content: [img, "What is it?"] }]);
  const text = await model.decodeText(ids);
  const block = `<img>${codes.map((c) => `<img_${String(c).padStart(5, "0")}>`).join("")}</img>`;
  assert.equal(text, `<s>USER: ${block}What is it?\nASSISTANT:`);
  const spans = await model.imageSpans(ids);
  assert.equal(spans.length, 1);
  assert.deepEqual(spans[0]?.codes, codes);
  const forced = await model.buildPrompt([{ role: "user", content: "Draw." }], { forceImage: true });
  assert.equal(forced[forced.length - 1], model.textTokenizer?.special.boi);
});

test("KV cache: logits step by step equal the logits of a full recompute", async () => {
  const lm = model.languageModel!;
  const ids = await model.encodeText("the cat sat");
  const cache = lm.newCache();
  let last = await lm.forward(ids.slice(0, 3), cache);
  for (let i = 3; i < ids.length; i++) last = await lm.forward([ids[i] ?? 0], cache);
  assert.equal(cache.length, ids.length);
  cache.dispose();
  const fresh = lm.newCache();
  const full = await lm.forward(ids, fresh);
  fresh.dispose();
  assertTensorClose(
    tensorOf(last, [lm.vocabSize]),
    tensorOf(full, [lm.vocabSize]),
    { atol: 1e-5, rtol: 1e-5 },
    "last logits",
  );
  assert.throws(() => fresh.feeds(), /KvCache used after dispose/);
});

test("generate: greedy is deterministic, sampling follows the seed, callbacks see every token with candidates", async () => {
  const prompt = [{ role: "user" as const, content: "hello" }];
  const g1 = await model.generate(prompt, { temperature: 0, maxNewTokens: 6, stopIds: [] });
  const g2 = await model.generate(prompt, { temperature: 0, maxNewTokens: 6 });
  assert.deepEqual(g1.ids, g2.ids);
  const events: { index: number; id: number; n: number }[] = [];
  const s1 = await model.generate(prompt, {
    temperature: 1.5,
    seed: 1,
    maxNewTokens: 8,
    topCandidates: 3,
    onToken: (e) => events.push({ index: e.index, id: e.id, n: e.candidates.length }),
  });
  const s2 = await model.generate(prompt, { temperature: 1.5, seed: 1, maxNewTokens: 8 });
  const s3 = await model.generate(prompt, { temperature: 1.5, seed: 2, maxNewTokens: 8 });
  assert.deepEqual(s1.ids, s2.ids);
  assert.notDeepEqual(s1.ids, s3.ids);
  assert.deepEqual(
    events.map((e) => e.index),
    s1.ids.map((_, i) => i),
  );
  assert.deepEqual(
    events.map((e) => e.id),
    s1.ids,
  );
  assert.ok(events.every((e) => e.n === 3));
  assert.equal(s1.text, await model.decodeText(s1.ids));
  assert.equal(s1.promptIds.length, (await model.buildPrompt(prompt)).length);
});

test("generate: a stop id ends generation before it is emitted", async () => {
  const prompt = [{ role: "user" as const, content: "hello" }];
  const greedy = await model.generate(prompt, { temperature: 0, maxNewTokens: 4 });
  const first = greedy.ids[0];
  assert.ok(first !== undefined);
  const stopped = await model.generate(prompt, { temperature: 0, maxNewTokens: 4, stopIds: [first] });
  assert.deepEqual([stopped.ids, stopped.stopReason], [[], "stop"]);
  assert.equal(greedy.stopReason, "max_tokens");
});

test("generate: context, ids and options are checked before running; the model stays usable", async () => {
  const ctx = model.languageModel!.contextLength;
  const V = model.languageModel!.vocabSize;
  const long = "a".repeat(ctx * 2);
  await assert.rejects(
    model.generate([{ role: "user", content: long }]),
    (e: unknown) =>
      e instanceof SeedError && e.code === "context" && new RegExp(`context holds ${ctx}`).test(e.message),
  );
  const prompt = await model.buildPrompt([{ role: "user", content: "hi" }]);
  await assert.rejects(
    model.generate(prompt, { maxNewTokens: ctx }),
    new RegExp(`exceeds the context of ${ctx}; use maxNewTokens <= ${ctx - prompt.length}`),
  );
  await assert.rejects(
    model.generate([1, V]),
    new RegExp(`prompt id ${V} at position 1 is outside the vocabulary \\[0, ${V}\\)`),
  );
  await assert.rejects(model.generate([1, 2.5]), /prompt id 2.5/);
  await assert.rejects(model.generate(prompt, { topP: 0 }), /topP must be in/);
  await assert.rejects(model.generate([]), /at least one user turn/);
  await assert.rejects(model.generate([{ role: "user", content: [{ codes: [1, 2] }] }]), /exactly 4 codes, got 2/);
  const ok = await model.generate(prompt, { maxNewTokens: 2, temperature: 0 });
  assert.equal(ok.ids.length, 2);
});

test("generate: abort stops between tokens; forceImage starts the span in the prompt", async () => {
  const ctrl = new AbortController();
  let seen = 0;
  await assert.rejects(
    model.generate([{ role: "user", content: "x" }], {
      maxNewTokens: 30,
      stopIds: [],
      signal: ctrl.signal,
      onToken: (e) => ((seen = e.index + 1), e.index === 1 && ctrl.abort()),
    }),
    (e: unknown) => e instanceof SeedError && e.code === "aborted",
  );
  assert.equal(seen, 2);
  const forced = await model.generate([{ role: "user", content: "Draw." }], {
    forceImage: true,
    maxNewTokens: 5,
    temperature: 0,
  });
  assert.equal(forced.promptIds[forced.promptIds.length - 1], model.textTokenizer?.special.boi);
  const first = forced.images[0];
  assert.ok(first, "a span opened by the forced <img>");
  assert.equal(first.start, -1);
});
