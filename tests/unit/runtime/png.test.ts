// The minimal PNG encoder: sharp decodes what it writes, pixel for pixel, and bad sizes are refused.

import assert from "node:assert/strict";
import { test } from "node:test";
import { isPng, pngSize } from "../../../kernel/display/to-mime-bundle";
import { encodeRgbaPng, encodeRgbPng } from "../../../model/runtime/png";
import { decodePng } from "../display/fixtures";

test("RGBA PNG decodes to the same pixels", async () => {
  const w = 5,
    h = 3;
  const rgba = new Uint8Array(w * h * 4).map((_, i) => (i * 37) % 256);
  const png = encodeRgbaPng(w, h, rgba);
  assert.ok(isPng(png));
  assert.deepEqual(pngSize(png), { width: w, height: h });
  const out = await decodePng(Buffer.from(png).toString("base64"));
  assert.equal(out.width, w);
  assert.equal(out.height, h);
  assert.deepEqual([...out.data], [...rgba]);
});

test("RGB PNG decodes to the same pixels with opaque alpha", async () => {
  const w = 4,
    h = 2;
  const rgb = new Uint8Array(w * h * 3).map((_, i) => (i * 53 + 7) % 256);
  const out = await decodePng(Buffer.from(encodeRgbPng(w, h, rgb)).toString("base64"));
  for (let p = 0; p < w * h; p++) {
    assert.deepEqual([...out.data.subarray(p * 4, p * 4 + 3)], [...rgb.subarray(p * 3, p * 3 + 3)]);
    assert.equal(out.data[p * 4 + 3], 255);
  }
});

test("wrong byte counts and sizes are refused with the expected count", () => {
  assert.throws(() => encodeRgbaPng(2, 2, new Uint8Array(15)), /expected 16 bytes for 2x2 RGBA, got 15/);
  assert.throws(() => encodeRgbPng(0, 2, new Uint8Array(0)), /positive integers/);
});
