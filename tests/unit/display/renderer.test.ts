// The VS Code renderer (extension/renderer) driven as VS Code drives it - activate(ctx).renderOutputItem(item, el) -
// in a happy-dom window, on payloads built by the kernel's display builders: chips, hover and pin, the filmstrip
// slider, the probability picker, the generation view, and clear messages for bad payloads.
// The renderer is browser code (DOM lib), so it is imported by path at runtime to keep this file's types Node-only.

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { filmstripBundle } from "../../../kernel/display/filmstrip";
import { generationBundle } from "../../../kernel/display/generation-view";
import { comparisonBundle } from "../../../kernel/display/image-view";
import { probabilitiesBundle } from "../../../kernel/display/probabilities";
import { tokenStripBundle } from "../../../kernel/display/token-strip";
import { MIME } from "../../../kernel/protocol/mime";
import { gradientPng } from "./fixtures";
import { activateRenderer, type El, type RendererApi, renderItem, win } from "./renderer-harness";

let renderer: RendererApi;
before(async () => {
  renderer = await activateRenderer();
});

const render = (mime: string, payload: unknown): Promise<El> => renderItem(renderer, mime, payload);
const q = (el: El, s: string): El => {
  const found = el.shadowRoot!.querySelector(s);
  assert.ok(found, `expected an element matching ${s}`);
  return found;
};
const all = (el: El, s: string): El[] => Array.from(el.shadowRoot!.querySelectorAll(s));
const fire = (el: El, type: string): void => void el.dispatchEvent(new win.Event(type));

const ids = Array.from({ length: 32 }, (_, i) => (i * 131 + 7) % 1024);
const maps = ids.map((_, n) => Array.from({ length: 64 }, (_, p) => (p === n ? 1 : 0.01)));

test("the token strip draws 32 chips; hover shows the token, click pins it, click again unpins", async () => {
  const source = { png: await gradientPng(), label: "g" };
  const payload = tokenStripBundle({
    ids,
    numTokens: 32,
    codebookSize: 1024,
    source,
    attention: { grid: [8, 8], maps },
  })[MIME.tokens];
  const el = await render(MIME.tokens, payload);
  const chips = all(el, ".chip");
  assert.equal(chips.length, 32);
  assert.equal(chips[4]!.textContent, String(ids[4]));
  const info = q(el, ".detail .muted");
  fire(chips[4]!, "mouseenter");
  assert.equal(info.textContent, `token #4 · id ${ids[4]} · looks most at row 1, col 5`);
  fire(chips[4]!, "click");
  fire(chips[4]!, "mouseleave");
  assert.match(info.textContent ?? "", /token #4 .*pinned/);
  assert.ok(chips[4]!.classList.contains("pinned"));
  fire(chips[9]!, "mouseenter");
  assert.match(info.textContent ?? "", /token #9 /);
  fire(chips[9]!, "mouseleave");
  assert.match(info.textContent ?? "", /token #4 /, "back to the pinned token");
  fire(chips[4]!, "click");
  fire(chips[4]!, "mouseleave");
  assert.match(info.textContent ?? "", /hover a chip/);
});

test("a prefix draws k chips and N-k slots", async () => {
  const el = await render(
    MIME.tokens,
    tokenStripBundle({ ids: ids.slice(0, 3), numTokens: 32, codebookSize: 1024 })[MIME.tokens],
  );
  assert.equal(all(el, ".chip").length, 3);
  assert.equal(all(el, ".slot").length, 29);
});

test("the filmstrip slider selects frames", async () => {
  const pngs = [await gradientPng(8, 8), await gradientPng(9, 9), await gradientPng(10, 10)];
  const frames = pngs.map((png, i) => ({ step: (i + 1) * 5, timestep: 900 - i * 300, image: { png } }));
  const el = await render(MIME.filmstrip, filmstripBundle({ frames, totalSteps: 15, done: true })[MIME.filmstrip]);
  const big = q(el, ".row img.pic");
  const slider = q(el, "input[type=range]");
  assert.equal(slider.getAttribute("max"), "2");
  assert.match(q(el, ".row .muted").textContent ?? "", /step 15 of 15 · timestep 300 · final/);
  const last = big.getAttribute("src");
  slider.value = "0";
  fire(slider, "input");
  assert.match(q(el, ".row .muted").textContent ?? "", /step 5 of 15/);
  assert.notEqual(big.getAttribute("src"), last);
});

test("the probability chart shows the selected step's candidates and follows the pointer", async () => {
  const steps = [
    {
      id: 1,
      text: "a",
      candidates: [
        { id: 1, text: "a", prob: 0.6 },
        { id: 2, text: "b", prob: 0.4 },
      ],
    },
    {
      id: 3,
      text: "c",
      candidates: [
        { id: 3, text: "c", prob: 0.9 },
        { id: 4, text: "d", prob: 0.05 },
        { id: 5, text: "e", prob: 0.05 },
      ],
    },
  ];
  const el = await render(MIME.probabilities, probabilitiesBundle({ steps, selected: 1 })[MIME.probabilities]);
  assert.equal(all(el, ".bar-row").length, 3);
  assert.equal(q(el, ".bar-row.chosen .bar-label").textContent, "c");
  fire(all(el, ".tok")[0]!, "mouseenter");
  assert.equal(all(el, ".bar-row").length, 2);
  assert.equal(q(el, ".bar-row.chosen .bar-label").textContent, "a");
  fire(q(el, 'span[title^="#1 c: 90.0%"]'), "click");
  assert.equal(q(el, ".bar-row.chosen .bar-label").textContent, "c", "overview column selects its step");
});

test("a generation shows text, a partial token strip and the status", async () => {
  const payload = generationBundle({
    prompt: "Draw",
    parts: [
      { kind: "text", text: "ok " },
      { kind: "tokens", ids: [1, 2], complete: false },
    ],
    tokenCount: 3,
    status: "running",
    numTokens: 32,
    codebookSize: 1024,
  })[MIME.generation];
  const el = await render(MIME.generation, payload);
  assert.match(q(el, ".answer").textContent ?? "", /^ok <img> image tokens 2\/32…/);
  assert.equal(all(el, ".chip.compact").length, 2);
  assert.match(
    el.shadowRoot!.querySelectorAll(".muted")[el.shadowRoot!.querySelectorAll(".muted").length - 1]!.textContent ?? "",
    /generating… · 3 tokens/,
  );
});

test("a comparison draws every image with its label", async () => {
  const png = await gradientPng(16, 16);
  const el = await render(
    MIME.comparison,
    comparisonBundle({
      images: [
        { png, label: "original" },
        { png, label: "reconstruction" },
      ],
    })[MIME.comparison],
  );
  assert.deepEqual(
    all(el, "figcaption").map((f) => f.textContent),
    ["original", "reconstruction"],
  );
});

test("bad payloads show what is wrong instead of a blank output", async () => {
  const newer = await render(MIME.tokens, { version: 99, chips: [], numTokens: 32, codebookSize: 1 });
  assert.match(q(newer, ".seed-problem").textContent ?? "", /payload version 99 is not supported/);
  const broken = await render(MIME.filmstrip, { version: 1, frames: "no" });
  assert.match(q(broken, ".seed-problem").textContent ?? "", /"frames" should be an array, got string/);
  const other = await render("application/x-unknown", {});
  assert.match(q(other, ".seed-problem").textContent ?? "", /does not draw application\/x-unknown/);
});
