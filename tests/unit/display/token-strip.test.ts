// Token strip bundles: MIME keys, JSON round trip, chip colours stable per id, attention normalised per token,
// prefix slots, well-formed self-contained HTML, and clear errors for mismatched attention maps.

import assert from "node:assert/strict";
import { test } from "node:test";
import { tokenColor } from "../../../kernel/display/colors";
import { attentionPng, normaliseAttention, peakCell, tokenStripBundle } from "../../../kernel/display/token-strip";
import { MIME } from "../../../kernel/protocol/mime";
import type { TokensPayload } from "../../../kernel/protocol/payloads";
import { decodePng, gradientPng } from "./fixtures";
import { htmlProblems } from "./html-check";

const ids = Array.from({ length: 32 }, (_, i) => (i * 97 + 5) % 1024);
const grid = [8, 8] as const;
/** Token n attends to patch n*2 mostly. */
const maps = ids.map((_, n) => Array.from({ length: 64 }, (_, p) => (p === (n * 2) % 64 ? 0.5 : 0.5 / 63)));

test("a full strip has the tokens payload, HTML and text, and round-trips JSON", async () => {
  const source = { png: await gradientPng(), label: "grad.png" };
  const bundle = tokenStripBundle({
    ids,
    numTokens: 32,
    codebookSize: 1024,
    source,
    attention: { grid, maps },
    label: "grad",
  });
  assert.deepEqual(Object.keys(bundle).sort(), [MIME.html, MIME.plain, MIME.tokens].sort());
  const payload = bundle[MIME.tokens] as TokensPayload;
  assert.deepEqual(JSON.parse(JSON.stringify(payload)), payload);
  assert.deepEqual(
    payload.chips.map((c) => c.id),
    ids,
  );
  assert.equal(payload.chips[7]!.color, tokenColor(ids[7]!).background);
  assert.equal(payload.attention!.maps.length, 32);
  for (const [n, row] of payload.attention!.maps.entries()) {
    assert.equal(Math.max(...row), 1, `token ${n}: stretched to max 1`);
    assert.equal(Math.min(...row), 0, `token ${n}: stretched to min 0`);
    assert.equal(row.indexOf(1), (n * 2) % 64);
  }
  const img = await decodePng(payload.source!.png);
  assert.equal(img.width, 64);
  assert.match(bundle[MIME.plain] as string, new RegExp(`^<Tokens 32 "grad": ${ids.slice(0, 3).join(" ")} `));
});

test("the HTML is well-formed, self-contained and shows every id with a tooltip", async () => {
  const source = { png: await gradientPng(), label: "grad.png" };
  const html = tokenStripBundle({ ids, numTokens: 32, codebookSize: 1024, source, attention: { grid, maps } })[
    MIME.html
  ] as string;
  assert.deepEqual(htmlProblems(html), []);
  for (const id of ids) assert.ok(html.includes(`>${id}</span>`), `chip for id ${id}`);
  assert.ok(html.includes(`title="token #3 · id ${ids[3]} · looks most at ${peakCell(maps[3]!, 8)}"`));
  assert.ok(html.includes("<details"), "attention gallery");
  assert.equal((html.match(/<use href="#seed-[0-9a-f]+-src"/g) ?? []).length, 32, "source image drawn once and reused");
});

test("a prefix shows k chips and N-k empty slots", () => {
  const bundle = tokenStripBundle({ ids: ids.slice(0, 5), numTokens: 32, codebookSize: 1024 });
  const payload = bundle[MIME.tokens] as TokensPayload;
  assert.equal(payload.chips.length, 5);
  assert.equal(payload.numTokens, 32);
  const html = bundle[MIME.html] as string;
  assert.equal((html.match(/withheld \(prefix\)/g) ?? []).length, 27);
  assert.match(html, /first 5 of 32 visual tokens/);
  assert.deepEqual(htmlProblems(html), []);
  assert.match(bundle[MIME.plain] as string, /prefix 5 of 32/);
});

test("colours are stable per id and differ between neighbouring ids", () => {
  assert.deepEqual(tokenColor(417), tokenColor(417));
  const colours = new Set(Array.from({ length: 64 }, (_, i) => tokenColor(i).background));
  assert.equal(colours.size, 64);
  assert.throws(() => tokenColor(-1), /non-negative integer/);
});

test("a uniform attention map is all 1 (no division by zero)", () => {
  assert.deepEqual(normaliseAttention([1, 2], [[0.5, 0.5]]).maps, [[1, 1]]);
});

test("attention maps of the wrong size are refused, naming the grid", () => {
  assert.throws(
    () => normaliseAttention([8, 8], [[1, 2, 3]]),
    /attention map 0 has 3 values; expected 64 for a 8x8 grid/,
  );
});

test("the heat map PNG is the grid size and darkest where attention is lowest", async () => {
  const map = Array.from({ length: 64 }, (_, p) => (p === 9 ? 1 : 0));
  const png = await decodePng(Buffer.from(attentionPng([8, 8], map, true)).toString("base64"));
  assert.equal(png.width, 8);
  assert.equal(png.height, 8);
  assert.equal(png.data[9 * 4 + 3], 0, "attended patch is fully transparent");
  assert.ok(png.data[0 * 4 + 3]! > 200, "unattended patch is dark");
});
