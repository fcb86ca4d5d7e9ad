// seed.chat's default for drawImage: which messages ask for a drawing (the answer must then hold an image).
import assert from "node:assert/strict";
import { test } from "node:test";
import { asksForDrawing } from "../../../kernel/api/generation";

test("a drawing verb first, optionally after please or can/could/would/will you, asks for a drawing", () => {
  for (const text of [
    "Draw a large fox in the center, on a white background.",
    "  draw me a small cat face",
    "Could you sketch a small pig face at the bottom left?",
    "can you please draw a red circle",
    "Please paint a navy background with a moon.",
    "Would you illustrate a dog face?",
    "Sketch a star, please.",
  ])
    assert.equal(asksForDrawing(text), true, text);
});

test("questions, descriptions and other words are left to the model", () => {
  for (const text of [
    "Describe the image.",
    "Where is the drawn fox?",
    "Drawing: what is at the top left?",
    "What could you draw?",
    "Could you describe the picture?",
    "An image of a fox, please.",
    "Can you tell me what is in this image?",
    "",
  ])
    assert.equal(asksForDrawing(text), false, text);
});
