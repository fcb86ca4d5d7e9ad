// The atlas and comparison views: the atlas search (code, #position, usage, unused), the HTML fallbacks (searchable
// text, no script), and the VS Code renderer driven in happy-dom as VS Code drives it (search box, card -> detail,
// step slider across rows, outlined differing positions).

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { searchAtlas } from "../../../extension/renderer/atlas-search";
import { codebookStats } from "../../../kernel/api/atlas-stats";
import type { AtlasInput } from "../../../kernel/display/atlas-view";
import { atlasBundle, atlasPayload } from "../../../kernel/display/atlas-view";
import { decodeComparisonBundle, tokenComparisonBundle } from "../../../kernel/display/compare-view";
import { MIME } from "../../../kernel/protocol/mime";
import type { AtlasPayload } from "../../../kernel/protocol/payloads";
import { gradientPng } from "./fixtures";
import { activateRenderer, type El, type RendererApi, renderItem, win } from "./renderer-harness";

let renderer: RendererApi;
let input: AtlasInput;
before(async () => {
  renderer = await activateRenderer();
  // 3 images of 4 tokens over 8 codes: code 1 is everywhere at #0, code 7 is never used.
  const ids = [
    [1, 2, 3, 2],
    [1, 4, 3, 5],
    [1, 2, 6, 0],
  ];
  const png = await gradientPng(32, 32);
  input = {
    model: "test",
    stats: codebookStats(ids, 8, 4),
    referenceSource: "3 test images",
    sheets: { references: { png, tile: 8, columns: 4, count: 3 }, decodes: { png, tile: 8, columns: 4, count: 8 } },
    // The HTML's own sheets hold only some items (tile i shows item indices[i]).
    htmlSheets: {
      references: { png, tile: 8, columns: 4, count: 2, indices: [2, 0] },
      decodes: { png, tile: 8, columns: 4, count: 2, indices: [1, 2] },
    },
    captions: ["a", "b", "c"],
    decodeSteps: 4,
    buildMs: 1234,
    fromCache: false,
  };
});

const render = (mime: string, payload: unknown): Promise<El> => renderItem(renderer, mime, payload);
const all = (el: El, s: string): El[] => Array.from(el.shadowRoot!.querySelectorAll(s));
const q = (el: El, s: string): El => {
  const found = el.shadowRoot!.querySelector(s);
  assert.ok(found, `expected an element matching ${s}`);
  return found;
};

test("searchAtlas: by code, by position, by usage, unused", () => {
  const entries = atlasPayload(input).entries;
  const codes = (q: string) => searchAtlas(entries, q).map((e) => e.code);
  assert.deepEqual(codes(""), [1, 2, 3, 0, 4, 5, 6], "used codes, most used first");
  assert.deepEqual(codes("6"), [6]);
  assert.deepEqual(codes("6, 1"), [6, 1]);
  assert.deepEqual(codes("#1"), [2, 4]);
  assert.deepEqual(codes("@3"), [0, 2, 5]);
  assert.deepEqual(codes(">2"), [1, 2]);
  assert.deepEqual(codes("<=1"), [0, 4, 5, 6, 7]);
  assert.deepEqual(codes("unused"), [7]);
  assert.deepEqual(codes("fox"), []);
});

test("the atlas HTML lists every used code as searchable text and runs no script", () => {
  const bundle = atlasBundle(input);
  const html = String(bundle[MIME.html]);
  for (const code of [0, 1, 2, 3, 4, 5, 6]) assert.match(html, new RegExp(`code ${code} · used`));
  assert.doesNotMatch(html, /code 7 · used/);
  assert.match(html, /#0: 1 codes · code 1 \(3x\)/);
  assert.doesNotMatch(html, /<script/i);
  // Tiles are cut from the HTML's sparse sheets: code 2's decode is tile 1 (x 8), reference 0 is tile 1 too.
  assert.match(html, /viewBox="8 0 8 8"><title>code 2 decoded alone/);
  assert.match(html, /viewBox="8 0 8 8"><title>reference 0: code 1 at #0/);
  assert.doesNotMatch(html, /<title>code 3 decoded alone/, "code 3's decode is not in the HTML sheet");
  assert.match(String(bundle[MIME.plain]), /7 of 8 codes used by 3 reference images/);
  const one = atlasBundle({ ...input, selected: 2 });
  assert.equal((one[MIME.atlas] as AtlasPayload).entries.length, 1);
  assert.match(String(one[MIME.html]), /used 3x in 2 of 3 reference images · at #1 \(2x\), #3 \(1x\)/);
});

test("the renderer's atlas: a card per used code, the search box filters, a click opens the detail", async () => {
  const el = await render(MIME.atlas, atlasPayload(input));
  assert.equal(all(el, ".atlas-card").length, 7);
  const box = q(el, "input[type=search]");
  box.value = "#1";
  box.dispatchEvent(new win.Event("input"));
  assert.deepEqual(
    all(el, ".atlas-card").map((c) => c.getAttribute("data-code")),
    ["2", "4"],
  );
  all(el, ".atlas-card")[0]!.dispatchEvent(new win.Event("click"));
  assert.match(q(el, ".atlas-detail").textContent ?? "", /code 2: used 3x in 2 of 3 reference images/);
  box.value = "nothing";
  box.dispatchEvent(new win.Event("input"));
  assert.equal(all(el, ".atlas-card").length, 0);
  assert.match(el.shadowRoot!.textContent ?? "", /no code matches/);
});

test("decode comparison: rows aligned on the steps; the slider moves every row to the same step", async () => {
  const png = await gradientPng(16, 16);
  const frames = [1, 2, 3].map((step) => ({ step, timestep: 1000 - step * 300, image: { png } }));
  const bundle = decodeComparisonBundle({
    rows: [
      { label: "seed 0", frames },
      { label: "seed 1", frames },
    ],
    totalSteps: 3,
    differences: [10, 5, 0],
  });
  assert.match(String(bundle[MIME.html]), /seed 0 vs seed 1 · 3 steps/);
  const el = await render(MIME.decodeComparison, bundle[MIME.decodeComparison]);
  const slider = q(el, "input[type=range]");
  slider.value = "0";
  slider.dispatchEvent(new win.Event("input"));
  assert.match(el.shadowRoot!.textContent ?? "", /step 1 of 3 · difference 10/);
});

test("token comparison: differing positions outlined, each swap shown with its change", async () => {
  const png = await gradientPng(16, 16);
  const strip = (ids: number[]) => ({ ids, numTokens: 4, codebookSize: 8 });
  const bundle = tokenComparisonBundle({
    a: strip([1, 2, 3, 4]),
    b: strip([1, 5, 3, 6]),
    decodedA: { png },
    decodedB: { png },
    swaps: [
      { position: 1, from: 2, to: 5, image: { png }, change: 3.25 },
      { position: 3, from: 4, to: 6, image: { png }, change: 12 },
    ],
  });
  assert.match(String(bundle[MIME.plain]), /2 of 4 positions differ: 1, 3; swap change #1=3.3 #3=12/);
  const el = await render(MIME.tokenComparison, bundle[MIME.tokenComparison]);
  assert.equal(all(el, ".cmp-col.differ").length, 2);
  assert.match(el.shadowRoot!.textContent ?? "", /A with B's code 6 at #3 \(A has 4\) · change 12/);
});
