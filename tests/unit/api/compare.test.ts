// seed.compare.* on the tiny package: decodes over the same steps line up step by step (equal seeds give identical
// rows, so the initial noise really is shared), the token comparison finds the differing positions and each swap is
// exactly the decode of A with B's code there, and bad calls say what was wrong.

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { differingPositions } from "../../../kernel/api/compare";
import type { Tokens } from "../../../kernel/api/seed";
import { MIME } from "../../../kernel/protocol/mime";
import type { DecodeComparisonPayload, TokenComparisonPayload } from "../../../kernel/protocol/payloads";
import type { Harness } from "./harness";
import { harness } from "./harness";

let h: Harness;
let a: Tokens;
let b: Tokens;
before(async () => {
  h = await harness();
  a = await h.seed.tokenize("grad.png");
  b = await h.seed.tokenize("other.png");
});

test("differingPositions", () => {
  assert.deepEqual(differingPositions([1, 2, 3, 4], [1, 5, 3, 6]), [1, 3]);
  assert.deepEqual(differingPositions([], []), []);
  assert.throws(() => differingPositions([1], [1, 2]), /1 ids vs 2; expected the same length/);
});

test("compare.seeds: rows share their steps; equal seeds share the initial noise (identical rows)", async () => {
  const same = await h.seed.compare.seeds(a, [3, 3], { steps: 4 });
  assert.deepEqual(same.labels, ["seed 3", "seed 3"]);
  assert.deepEqual(
    same.rows.map((r) => r.frames.map((f) => f.step)),
    [
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ],
  );
  assert.deepEqual(same.differences, [0, 0, 0, 0]);
  const apart = await h.seed.compare.seeds(a, [0, 1], { steps: 4 });
  assert.ok(apart.differences[3]! > 0, "different seeds, different images");
  const bundle = apart.toMimeBundle();
  const p = bundle[MIME.decodeComparison] as DecodeComparisonPayload;
  assert.equal(p.rows.length, 2);
  assert.deepEqual(
    p.rows[0]!.frames.map((f) => f.step),
    p.rows[1]!.frames.map((f) => f.step),
  );
  assert.equal(p.differences?.length, 4);
  assert.match(String(bundle[MIME.html]), /seed 0 vs seed 1 · 4 steps/);
  assert.match(String(bundle[MIME.html]), /step 4/);
});

test("compare.guidance keeps the noise and changes the scale; the final frame is the decode itself", async () => {
  const cmp = await h.seed.compare.guidance(a, [1, 5], { steps: 3, seed: 2 });
  assert.deepEqual(cmp.labels, ["guidance 1", "guidance 5"]);
  const alone = await h.seed.decode(a, { steps: 3, seed: 2, guidance: 5 });
  assert.deepEqual(cmp.rows[1]!.image.png, alone.image.png);
  assert.equal(cmp.rows[0]!.guidance, 1);
});

test("compare.prompts draws each prompt and decodes them over the same steps", async () => {
  const cmp = await h.seed.compare.prompts(["Draw a fox", "Draw a cat"], { steps: 2 });
  assert.deepEqual(cmp.labels, ["Draw a fox", "Draw a cat"]);
  assert.equal(cmp.rows.length, 2);
  for (const r of cmp.rows) assert.equal(r.tokens.length, 4);
});

test("compare.tokens: differing positions, and each swap is A with B's code there, decoded", async () => {
  const cmp = await h.seed.compare.tokens(a, b, { steps: 2, seed: 1 });
  assert.deepEqual(cmp.differ, a.diff(b));
  assert.ok(cmp.differ.length > 0, "the two test images differ somewhere");
  assert.equal(cmp.swaps.length, cmp.differ.length);
  const g = (await h.seed.info()).decodeDefaults.guidance;
  for (const s of cmp.swaps) {
    assert.equal(s.from, a.ids[s.position]);
    assert.equal(s.to, b.ids[s.position]);
    const direct = await h.seed.decode(a.with(s.position, s.to), { steps: 2, seed: 1, guidance: g });
    assert.deepEqual(s.image.png, direct.image.png, `swap at #${s.position}`);
    assert.ok(s.change >= 0 && s.change <= 255);
  }
  const p = cmp.toMimeBundle()[MIME.tokenComparison] as TokenComparisonPayload;
  assert.deepEqual(p.differ, cmp.differ);
  assert.equal(p.a.chips.length, 4);
  const none = await h.seed.compare.tokens(a, a, { swaps: false });
  assert.deepEqual(none.differ, []);
  assert.equal(none.swaps.length, 0);
  assert.equal(none.decodedA, undefined);
});

test("bad comparisons say what was wrong; the kernel keeps going", async () => {
  await assert.rejects(h.seed.compare.seeds(a, [0]), /seeds must be an array of 2 to 4 values/);
  await assert.rejects(h.seed.compare.seeds(a, [0, 1], { seed: 1 } as never), /unknown option "seed"/);
  await assert.rejects(h.seed.compare.guidance(a, [1, -2]), /scales\[1\]/);
  await assert.rejects(h.seed.compare.tokens(a.prefix(2), b), /complete token lists of 4 ids; got 2 and 4/);
  await assert.rejects(h.seed.compare.prompts(["Draw a fox", ""]), /prompts\[1\] must be a non-empty string/);
  assert.equal(h.seed.compare([await h.seed.image("grad.png")]).toMimeBundle()[MIME.comparison] !== undefined, true);
});
