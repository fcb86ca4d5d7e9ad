// Image input/output with sharp on real encoded files: PNG, JPEG, WebP, animated GIF (first frame), EXIF rotation,
// alpha flattening, resizing without crop, normalisation, and the errors for empty, unreadable and oversized input.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { encodePng, loadImage, normalise, tensorToRgb } from "../../../model/runtime/image-io";
import type { ImageSpec } from "../../../model/runtime/manifest-types";

const SPEC: ImageSpec = {
  size: [8, 8],
  resample: "nearest",
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.5, 1],
  background: [255, 255, 255],
  alpha: "flatten",
};

function solid(w: number, h: number, rgb: [number, number, number]): ReturnType<typeof sharp> {
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
}

/** Pixel (x, y) of an RGB preview. */
function px(img: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i] ?? -1, img.data[i + 1] ?? -1, img.data[i + 2] ?? -1];
}

function near(a: number[], b: number[], tol: number): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tol);
}

test("PNG, JPEG and WebP decode, resize to the manifest size and normalise with mean/std", async () => {
  for (const [fmt, tol] of [
    ["png", 0],
    ["jpeg", 4],
    ["webp", 4],
  ] as const) {
    const bytes = await solid(20, 10, [255, 128, 0])
      .toFormat(fmt, fmt === "webp" ? { lossless: true } : {})
      .toBuffer();
    const img = await loadImage(new Uint8Array(bytes), SPEC);
    assert.equal(img.format, fmt);
    assert.deepEqual([img.sourceWidth, img.sourceHeight], [20, 10]);
    assert.deepEqual(img.pixels.dims, [1, 3, 8, 8]); // no crop, aspect ratio not kept
    assert.ok(near(px(img.preview, 5, 5), [255, 128, 0], tol), `${fmt}: ${px(img.preview, 5, 5)}`);
    const [r, g, b] = px(img.preview, 0, 0) as [number, number, number];
    const plane = 64;
    assert.ok(Math.abs((img.pixels.data[0] ?? 0) - (r / 255 - 0.5) / 0.25) < 1e-6);
    assert.ok(Math.abs((img.pixels.data[plane] ?? 0) - (g / 255 - 0.5) / 0.5) < 1e-6);
    assert.ok(Math.abs((img.pixels.data[2 * plane] ?? 0) - (b / 255 - 0.5) / 1) < 1e-6);
  }
});

test("an animated GIF gives its first frame", async () => {
  const red = await solid(8, 8, [255, 0, 0]).png().toBuffer();
  const blue = await solid(8, 8, [0, 0, 255]).png().toBuffer();
  const gif = await sharp([red, blue], { join: { animated: true } })
    .gif()
    .toBuffer();
  const img = await loadImage(new Uint8Array(gif), SPEC);
  assert.equal(img.format, "gif");
  assert.deepEqual([img.sourceWidth, img.sourceHeight], [8, 8]);
  assert.ok(near(px(img.preview, 3, 3), [255, 0, 0], 8), `${px(img.preview, 3, 3)}`);
});

test("EXIF orientation is applied before resizing", async () => {
  // Stored 4x2: left half red, right half blue. Orientation 6 = rotate 90° clockwise to display: 2x4, red on top.
  const raw = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) raw.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
  const jpeg = await sharp(raw, { raw: { width: 4, height: 2, channels: 3 } })
    .jpeg({ quality: 100 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const img = await loadImage(new Uint8Array(jpeg), { ...SPEC, size: [4, 2] });
  assert.deepEqual([img.sourceWidth, img.sourceHeight], [2, 4]);
  assert.deepEqual([img.preview.width, img.preview.height], [2, 4]);
  assert.ok(near(px(img.preview, 0, 0), [255, 0, 0], 60), `top ${px(img.preview, 0, 0)}`);
  assert.ok(near(px(img.preview, 1, 3), [0, 0, 255], 60), `bottom ${px(img.preview, 1, 3)}`);
});

test("transparent pixels are flattened onto the manifest background", async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();
  const onWhite = await loadImage(new Uint8Array(png), SPEC);
  assert.deepEqual(px(onWhite.preview, 2, 2), [255, 255, 255]);
  const onGreen = await loadImage(new Uint8Array(png), { ...SPEC, background: [0, 200, 0] });
  assert.deepEqual(px(onGreen.preview, 2, 2), [0, 200, 0]);
});

test('alpha "drop" keeps the colours under transparent pixels, as PIL\'s convert("RGB") (real SEED)', async () => {
  const png = await sharp({
    create: { width: 8, height: 8, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0 } },
  })
    .png()
    .toBuffer();
  const img = await loadImage(new Uint8Array(png), { ...SPEC, alpha: "drop" });
  assert.deepEqual(px(img.preview, 2, 2), [10, 20, 30]);
});

test("files load by path; empty, unreadable, missing and oversized inputs get clear errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "seed-img-"));
  const path = join(dir, "a.png");
  writeFileSync(path, await solid(16, 16, [1, 2, 3]).png().toBuffer());
  assert.deepEqual((await loadImage(path, SPEC)).pixels.dims, [1, 3, 8, 8]);
  await assert.rejects(
    loadImage(new Uint8Array(0), SPEC),
    /input is empty; expected the bytes of a PNG, JPEG, WebP or GIF/,
  );
  await assert.rejects(
    loadImage(new TextEncoder().encode("not an image"), SPEC),
    /could not be read: .*expected a PNG/,
  );
  await assert.rejects(loadImage(join(dir, "missing.png"), SPEC), /missing\.png" could not be read/);
  await assert.rejects(
    loadImage(path, SPEC, 100),
    /16x16 = 256 pixels, over the limit of 100 \(a decompression bomb guard\)/,
  );
});

test("tensors go back to RGB ([-1,1] and [0,1]) and PNG round-trips", async () => {
  // [1, 3, 1, 2]: pixel 0 = (-1, 0, 1) -> (0, 128, 255); pixel 1 clamps (2 -> 255, -3 -> 0).
  const t = { dims: [1, 3, 1, 2], data: Float32Array.from([-1, 2, 0, -3, 1, 0.5]) };
  const rgb = tensorToRgb(t, "minus1to1");
  assert.deepEqual([...rgb.data], [0, 128, 255, 255, 0, 191]);
  assert.deepEqual(
    [...tensorToRgb({ dims: [3, 1, 1], data: Float32Array.from([0, 0.5, 1]) }, "0to1").data],
    [0, 128, 255],
  );
  assert.throws(
    () => tensorToRgb({ dims: [1, 4, 1, 1], data: new Float32Array(4) }, "0to1"),
    /expected a \[B, 3, H, W\] tensor, got \[1, 4, 1, 1\]/,
  );
  const png = await encodePng(rgb);
  const back = await sharp(Buffer.from(png)).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([back.info.width, back.info.height, back.info.channels], [2, 1, 3]);
  assert.deepEqual([...back.data], [...rgb.data]);
  await assert.rejects(
    encodePng({ width: 2, height: 2, data: new Uint8Array(3) }),
    /3 bytes do not make a 2x2 RGB image/,
  );
  // normalise inverts: (x/255 - mean)/std * std + mean = x/255.
  const n = normalise(rgb, SPEC);
  assert.ok(Math.abs((n.data[1] ?? 0) * 0.25 + 0.5 - 255 / 255) < 1e-6);
});

test("resizing equals PIL's bilinear and bicubic exactly (torchvision's Resize on PIL images)", async () => {
  // tests/helpers/resize-fixture.json is written by make_resize_fixture.py with PIL; 53x41 -> 24x16, no crop.
  const fx = JSON.parse(readFileSync(join(__dirname, "..", "..", "helpers", "resize-fixture.json"), "utf8")) as {
    source_png_base64: string;
    size_hw: [number, number];
    bilinear: number[];
    bicubic: number[];
  };
  for (const r of ["bilinear", "bicubic"] as const) {
    const img = await loadImage(new Uint8Array(Buffer.from(fx.source_png_base64, "base64")), {
      ...SPEC,
      size: fx.size_hw,
      resample: r,
    });
    assert.equal(img.preview.data.length, fx[r].length);
    let max = 0;
    let sum = 0;
    fx[r].forEach((v, i) => {
      const d = Math.abs(v - (img.preview.data[i] ?? -999));
      max = Math.max(max, d);
      sum += d;
    });
    assert.equal(max, 0, `${r}: max diff ${max}, mean ${sum / fx[r].length} levels vs PIL`);
  }
});
