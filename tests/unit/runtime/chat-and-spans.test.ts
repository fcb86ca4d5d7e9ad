// Prompt building in the Vicuna template and image-span extraction: the exact strings SEED-LLaMA uses, and every
// kind of invalid span flagged with a reason.

import assert from "node:assert/strict";
import { test } from "node:test";
import { buildPromptText, imageBlock } from "../../../model/runtime/chat-template";
import { extractImageSpans } from "../../../model/runtime/image-spans";
import { formatImageToken } from "../../../model/runtime/text-tokenizer";

const TPL = { system: "", user_prefix: "USER: ", assistant_prefix: "\nASSISTANT:", turn_separator: "\n" };
const FMT = {
  imageTokenFormat: "<img_{:05d}>",
  boiToken: "<img>",
  eoiToken: "</img>",
  numTokens: 3,
  codebookSize: 100,
};

test("image tokens are formatted like Python's '<img_{:05d}>'.format(c)", () => {
  assert.equal(formatImageToken("<img_{:05d}>", 7), "<img_00007>");
  assert.equal(formatImageToken("<img_{:05d}>", 12345), "<img_12345>");
  assert.equal(formatImageToken("[{:3d}]", 5), "[  5]");
  assert.equal(imageBlock([1, 22, 99], FMT), "<img><img_00001><img_00022><img_00099></img>");
});

test("single turn with an image: <s>USER: {IMG}{question}\\nASSISTANT:", () => {
  const text = buildPromptText([{ role: "user", content: [{ codes: [1, 2, 3] }, "What is this?"] }], TPL, FMT);
  assert.equal(text, "USER: <img><img_00001><img_00002><img_00003></img>What is this?\nASSISTANT:");
});

test("multi-turn follows the SFT layout and forceImage appends <img>", () => {
  const text = buildPromptText(
    [
      { role: "user", content: ["Draw a fox."] },
      { role: "assistant", content: ["Here it is.", { codes: [4, 5, 6] }] },
      { role: "user", content: ["Now in snow."] },
    ],
    { ...TPL, system: "SYS " },
    FMT,
    { forceImage: true },
  );
  assert.equal(
    text,
    "SYS USER: Draw a fox.\nASSISTANT:Here it is.<img><img_00004><img_00005><img_00006></img>\nUSER: Now in snow.\nASSISTANT:<img>",
  );
});

test("prompt errors: no turns, wrong order, wrong code count or range", () => {
  assert.throws(() => buildPromptText([], TPL, FMT), /at least one user turn/);
  assert.throws(
    () => buildPromptText([{ role: "assistant", content: ["hi"] }], TPL, FMT),
    /turn 0 has role "assistant", expected "user"/,
  );
  assert.throws(
    () => buildPromptText([{ role: "user", content: [{ codes: [1, 2] }] }], TPL, FMT),
    /exactly 3 codes, got 2/,
  );
  assert.throws(
    () => buildPromptText([{ role: "user", content: [{ codes: [1, 2, 100] }] }], TPL, FMT),
    /code 100 .* outside \[0, 100\)/,
  );
});

test("a leading system turn takes the template's system slot; anywhere else it is refused", () => {
  const sys = (content: string) => ({ role: "system" as const, content: [content] });
  const user = { role: "user" as const, content: ["Hi"] };
  assert.equal(
    buildPromptText([sys("Be brief."), user], { ...TPL, system: "SYS " }, FMT),
    "Be brief.\nUSER: Hi\nASSISTANT:",
  );
  assert.equal(buildPromptText([sys("Be brief. "), user], TPL, FMT), "Be brief. USER: Hi\nASSISTANT:");
  assert.throws(() => buildPromptText([sys("Be brief.")], TPL, FMT), /at least one user turn/);
  assert.throws(() => buildPromptText([user, sys("late")], TPL, FMT), /turn 1 has role "system"/);
});

const IDS = { boi: 1, eoi: 2, imageTokenOffset: 10, codebookSize: 100, numTokens: 3 };

test("every valid span is found with its codes", () => {
  const spans = extractImageSpans([5, 1, 10, 11, 109, 2, 6, 1, 12, 13, 14, 2], IDS);
  assert.deepEqual(spans, [
    { start: 1, end: 6, codes: [0, 1, 99], valid: true },
    { start: 7, end: 12, codes: [2, 3, 4], valid: true },
  ]);
});

test("invalid spans are flagged with the reason", () => {
  const [short] = extractImageSpans([1, 10, 11, 2], IDS);
  assert.equal(short?.valid, false);
  assert.match(short?.reason ?? "", /holds 2 image tokens, expected exactly 3/);
  const [text] = extractImageSpans([1, 10, 5, 11, 2], IDS);
  assert.match(text?.reason ?? "", /not image tokens \(first: 5\)/);
  const [outOfRange] = extractImageSpans([1, 10, 11, 110, 2], IDS);
  assert.match(outOfRange?.reason ?? "", /not image tokens \(first: 110\)/);
  const [unclosed] = extractImageSpans([1, 10, 11, 12], IDS);
  assert.deepEqual([unclosed?.start, unclosed?.end, unclosed?.valid], [0, 4, false]);
  assert.match(unclosed?.reason ?? "", /not closed/);
  const spans = extractImageSpans([1, 10, 1, 10, 11, 12, 2, 2], IDS);
  assert.match(spans[0]?.reason ?? "", /new <img> began at 2/);
  assert.equal(spans[1]?.valid, true);
  assert.match(spans[2]?.reason ?? "", /<\/img> at 7 without a preceding <img>/);
  assert.deepEqual(extractImageSpans([3, 4, 5], IDS), []);
});
