// The image-span rule (model/runtime/image-constraint.ts) on its own, and inside the token loop with scripted
// language models that misbehave on purpose: one that never closes an image, one that ends without drawing, one
// that writes </img> out of place, one that opens an image the budget cannot hold. Every span that comes out is
// <img> + exactly N image tokens + </img>; the tokens the rule chose are reported as forced.

import assert from "node:assert/strict";
import { test } from "node:test";
import { constrainLogits, ImageSpanGuard } from "../../../model/runtime/image-constraint";
import { isImageToken } from "../../../model/runtime/image-spans";
import type { LanguageModel } from "../../../model/runtime/language-model";
import { InProcessLanguageModel } from "../../../model/runtime/lm-backend";
import { generateTokens } from "../../../model/runtime/pipeline-generate";
import type { TextTokenizer } from "../../../model/runtime/text-tokenizer";
import type { GenerateOptions, TokenEvent } from "../../../model/runtime/types";

// Vocabulary: 0 pad, 1 bos, 2 eos (stop), 3 <img>, 4 </img>, 5..9 words, 10..19 image tokens (codes 0..9).
const T = { boi: 3, eoi: 4, imageTokenOffset: 10, codebookSize: 10, numTokens: 4 };
const V = 20;
const SPAN = T.numTokens + 2;

test("inside a span only image tokens; after N the span is closed with a forced </img>", () => {
  const g = new ImageSpanGuard(T, { openAtStart: false, requireImage: false });
  assert.deepEqual(g.rule(50), { kind: "text", exclude: [T.eoi] });
  g.accept(T.boi);
  for (let i = 0; i < T.numTokens; i++) {
    assert.deepEqual(g.rule(50), { kind: "image" });
    g.accept(T.imageTokenOffset + i);
  }
  assert.deepEqual(g.rule(50), { kind: "force", id: T.eoi });
  g.accept(T.eoi);
  assert.equal(g.inSpan, false);
  assert.deepEqual(g.rule(50), { kind: "text", exclude: [T.eoi] });
});

test("<img> is not drawn when the budget cannot hold a whole span; a required image is forced when it just fits", () => {
  const free = new ImageSpanGuard(T, { openAtStart: false, requireImage: false });
  assert.deepEqual(free.rule(SPAN - 1), { kind: "text", exclude: [T.eoi, T.boi] });
  assert.deepEqual(free.rule(SPAN), { kind: "text", exclude: [T.eoi] });
  const required = new ImageSpanGuard(T, { openAtStart: false, requireImage: true });
  assert.deepEqual(required.rule(SPAN + 1), { kind: "text", exclude: [T.eoi] });
  assert.deepEqual(required.rule(SPAN), { kind: "force", id: T.boi });
  assert.deepEqual(
    required.settle(2, true, SPAN + 5),
    { id: T.boi, forced: true },
    "a stop before drawing becomes <img>",
  );
  assert.deepEqual(required.settle(2, true, SPAN - 1), { id: 2, forced: false }, "unless a span no longer fits");
  assert.deepEqual(free.settle(2, true, 50), { id: 2, forced: false });
  required.accept(T.boi);
  assert.deepEqual(required.rule(50), { kind: "image" });
});

test("constrainLogits masks what the rule forbids and leaves the input untouched", () => {
  const logits = Float32Array.from({ length: V }, (_, i) => i / 10);
  const image = constrainLogits(logits, { kind: "image" }, T);
  assert.deepEqual(
    [...image].map((v, i) => (v === -Infinity ? "x" : i)).filter((v) => v !== "x"),
    [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
  );
  const text = constrainLogits(logits, { kind: "text", exclude: [T.eoi, T.boi] }, T);
  assert.deepEqual(
    [...text].map((v, i) => (v === -Infinity ? "x" : i)).filter((v) => v !== "x"),
    [0, 1, 2, 5, 6, 7, 8, 9],
    "text: no image token, nor </img> or <img>",
  );
  assert.equal(text[5], 0.5);
  assert.equal(logits[T.eoi], Math.fround(0.4), "input unchanged");
});

/** A language model that always prefers `next(generatedSoFar)` (logit 10; every other id 0). */
function scriptedLm(next: (generated: readonly number[]) => number): InProcessLanguageModel {
  const graph = {
    vocabSize: V,
    contextLength: 512,
    newCache: () => ({ generated: [] as number[], dispose: () => undefined }),
    forward: async (ids: readonly number[], cache: { generated: number[] }) => {
      if (ids.length === 1) cache.generated.push(ids[0]!);
      const logits = new Float32Array(V);
      logits[next(cache.generated)] = 10;
      return logits;
    },
  } as unknown as LanguageModel;
  return new InProcessLanguageModel(graph, "cpu");
}

const tok = {
  special: { bos: 1, eos: 2, boi: T.boi, eoi: T.eoi, stop: [2] },
  imageTokenOffset: T.imageTokenOffset,
  codebookSize: T.codebookSize,
  tokenOf: (id: number) => (id >= 10 ? `<img_${id - 10}>` : id === 3 ? "<img>" : id === 4 ? "</img>" : `w${id}`),
  decode: (ids: readonly number[]) =>
    ids.map((id) => (id >= 10 ? `<img_${id - 10}>` : id === 3 ? "<img>" : id === 4 ? "</img>" : `w${id} `)).join(""),
} as unknown as TextTokenizer;

const DEFAULTS = { maxNewTokens: 40, temperature: 0, topK: 0, topP: 1 };

async function run(next: (g: readonly number[]) => number, options: GenerateOptions, prompt = [1, 5]) {
  const events: TokenEvent[] = [];
  const r = await generateTokens(
    scriptedLm(next),
    tok,
    prompt,
    T.numTokens,
    { ...options, onToken: (e) => events.push(e) },
    DEFAULTS,
  );
  return { r, events, forced: events.filter((e) => e.forced).map((e) => `${e.index}:${e.id}`) };
}

test("a model that never closes its image gets </img> after exactly N codes (forceImage prompt and its own <img>)", async () => {
  const endless = (g: readonly number[]) => (g.length === 0 ? 5 : g.length === 1 ? T.boi : 12);
  const own = await run(endless, { maxNewTokens: 12 });
  assert.deepEqual(own.r.ids.slice(0, 7), [5, T.boi, 12, 12, 12, 12, T.eoi]);
  assert.deepEqual(
    own.r.images.map((s) => s.valid),
    [true],
  );
  assert.deepEqual(own.forced, ["6:4"]);
  const raw = await run(endless, { maxNewTokens: 12, constrainImages: false });
  assert.equal(raw.r.images[0]?.valid, false, "without the rule the span stays open");
  assert.equal(raw.r.forcedTokens, 0);

  const forcedStart = await run(() => 12, { maxNewTokens: 8, forceImage: true }, [1, 5, T.boi]);
  assert.deepEqual(forcedStart.r.ids.slice(0, 5), [12, 12, 12, 12, T.eoi]);
  assert.deepEqual(
    forcedStart.r.images.map((s) => [s.start, s.valid, s.codes]),
    [[-1, true, [2, 2, 2, 2]]],
  );
  assert.equal(forcedStart.r.forcedTokens, 1);
});

test("inside a span a stop id or a word is never drawn: the best image token is taken instead", async () => {
  const r = await run((g) => (g.length === 0 ? T.boi : g.length === 2 ? 2 : g.length === 3 ? 7 : 15), {
    maxNewTokens: 10,
  });
  assert.deepEqual(
    r.r.ids.slice(0, 6),
    [T.boi, 15, 10, 10, 15, T.eoi],
    "ids 2 and 7 were masked; the rest of the logits are flat, so id 10 wins",
  );
  assert.equal(r.r.images[0]?.valid, true);
});

test("a required image: the model's stop before drawing becomes <img>, then the span is completed", async () => {
  const shy = (g: readonly number[]) =>
    g.length < 2 ? 5 : g.includes(T.boi) ? (g.length < 7 ? 11 : g.length === 7 ? T.eoi : 2) : 2;
  const r = await run(shy, { maxNewTokens: 30, requireImage: true });
  assert.deepEqual(r.r.ids, [5, 5, T.boi, 11, 11, 11, 11, T.eoi], "then the model's own stop ends the answer");
  assert.equal(r.r.stopReason, "stop");
  assert.deepEqual(r.forced, ["2:3"]);
  const free = await run(shy, { maxNewTokens: 30 });
  assert.deepEqual(free.r.ids, [5, 5], "without requireImage the model may end without drawing");
  // A chatty model that would spend the whole budget on words gets its <img> where a span just fits.
  const chatty = await run(() => 5, { maxNewTokens: 10, requireImage: true });
  assert.deepEqual(chatty.r.ids.slice(0, 5), [5, 5, 5, 5, T.boi]);
  assert.deepEqual(
    chatty.r.images.map((s) => s.valid),
    [true],
  );
});

test("no </img> outside a span, and no <img> the budget cannot close", async () => {
  const stray = await run((g) => (g.length < 3 ? T.eoi : 2), { maxNewTokens: 10 });
  assert.ok(!stray.r.ids.includes(T.eoi), `ids ${stray.r.ids}`);
  assert.deepEqual(stray.r.images, []);
  const late = await run((g) => (g.length < 6 ? 5 : T.boi), { maxNewTokens: 8 });
  assert.ok(!late.r.ids.includes(T.boi), `a span opened at token 7 of 8 could not close: ${late.r.ids}`);
});

test("no image token outside a span: a code is text's worst choice, never drawn", async () => {
  const codes = await run((g) => (g.length < 3 ? 12 : 2), { maxNewTokens: 10 });
  assert.deepEqual(
    codes.r.ids.filter((id) => isImageToken(id, T)),
    [],
    `ids ${codes.r.ids}`,
  );
  assert.deepEqual(codes.r.images, []);
  assert.equal(codes.r.stopReason, "stop", "the model's own stop still ends the answer");
  const raw = await run((g) => (g.length < 3 ? 12 : 2), { maxNewTokens: 10, constrainImages: false });
  assert.deepEqual(raw.r.ids.slice(0, 3), [12, 12, 12], "without the rule the model's codes come through");
});

test("sampled (not greedy) runs keep the structure too, whatever the seed", async () => {
  for (let seed = 0; seed < 20; seed++) {
    const r = await generateTokens(
      scriptedLm((g) => (g.length === 3 ? T.boi : 6)),
      tok,
      [1],
      T.numTokens,
      { maxNewTokens: 20, temperature: 1.5, seed },
      DEFAULTS,
    );
    for (const span of r.images) assert.equal(span.valid, true, `seed ${seed}: ${span.reason}`);
  }
});
