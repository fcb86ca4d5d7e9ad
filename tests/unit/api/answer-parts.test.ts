// Parsing generated text into text and image-token spans (SEED spelling), and which codes of a span get decoded:
// exactly N as is; with repair, extra codes cut and short or unclosed spans decoded as a causal prefix.

import assert from "node:assert/strict";
import { test } from "node:test";
import { imageCode, imageTokensText, plainAnswer, splitAnswer } from "../../../kernel/api/answer-parts";
import { spanIds } from "../../../kernel/api/generation";

test("splitAnswer separates text, closed spans and a still-open span", () => {
  const text = `Here ${imageTokensText([1, 22, 333])} and <img><img_00004><img_00005>`;
  assert.deepEqual(splitAnswer(text), [
    { kind: "text", text: "Here " },
    { kind: "tokens", ids: [1, 22, 333], complete: true },
    { kind: "text", text: " and " },
    { kind: "tokens", ids: [4, 5], complete: false },
  ]);
  assert.equal(plainAnswer(text), "Here <image> and <image>");
  assert.equal(imageCode("<img_00042>"), 42);
  assert.equal(imageCode("<img>"), undefined);
  assert.equal(imageTokensText([7]), "<img><img_00007></img>");
});

test("spanIds: exactly N codes are used as is; repair cuts extras and keeps a short span as a prefix", () => {
  assert.deepEqual(spanIds([1, 2, 3, 4], true, 4, 16, false, true), [1, 2, 3, 4]);
  assert.deepEqual(spanIds([1, 2, 3, 4, 5], true, 4, 16, true, true), [1, 2, 3, 4]);
  assert.deepEqual(spanIds([1, 2, 3], true, 4, 16, true, true), [1, 2, 3]);
  assert.deepEqual(spanIds([1, 2], false, 4, 16, true, true), [1, 2]);
});

test("spanIds: without repair, without prefix support or with bad codes, the reason is given", () => {
  assert.equal(spanIds([1, 2, 3], true, 4, 16, false, true), "3 codes; expected exactly 4");
  assert.equal(spanIds([1, 2, 3, 4], false, 4, 16, false, true), "4 codes, not closed by </img>; expected exactly 4");
  assert.match(spanIds([1, 2, 3], true, 4, 16, true, false) as string, /cannot decode a prefix/);
  assert.equal(spanIds([1, 99, 3, 4], true, 4, 16, true, true), "code 99 is outside the codebook (0..15)");
  assert.equal(spanIds([], true, 4, 16, true, true), "no image tokens");
});
