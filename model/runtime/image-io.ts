// Image input (sharp) and output. In: PNG, JPEG, WebP, GIF (first frame) and anything else libvips reads, from a
// path or encoded bytes; EXIF orientation applied; alpha flattened onto the manifest's background or dropped (as
// PIL's convert("RGB")); resized to the manifest size without keeping the aspect ratio and without cropping, with
// Pillow's own resampling (resample.ts), as SEED's Resize((224,224)) on a PIL image; normalised with mean/std into
// float32 [1, 3, H, W]. Out: a [1, 3, H, W] tensor in [-1, 1] or [0, 1] back to RGB bytes, and PNG
// through png.ts.
// A pixel cap guards against decompression bombs.

import sharp from "sharp";
import { SeedError } from "./errors";
import type { ImageSpec } from "./manifest-types";
import { encodeRgbPng } from "./png";
import { resizeRgb } from "./resample";
import type { FloatTensor, LoadedImage, RgbImage } from "./types";

export const DEFAULT_MAX_IMAGE_PIXELS = 40_000_000;

/** Reads an image and prepares it for the encoder. Throws SeedError("image") with the reason. */
export async function loadImage(
  input: string | Uint8Array,
  spec: ImageSpec,
  maxPixels: number = DEFAULT_MAX_IMAGE_PIXELS,
): Promise<LoadedImage> {
  const what = typeof input === "string" ? `image "${input}"` : `image bytes (${input.byteLength} bytes)`;
  if (typeof input !== "string" && input.byteLength === 0) {
    throw new SeedError("image", `${what}: the input is empty; expected the bytes of a PNG, JPEG, WebP or GIF file`);
  }
  const source = typeof input === "string" ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(source, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new SeedError(
      "image",
      `${what} could not be read: ${(e as Error).message}; expected a PNG, JPEG, WebP or GIF file`,
      { cause: e },
    );
  }
  const w = meta.width ?? 0;
  const h = meta.pageHeight ?? meta.height ?? 0;
  if (w === 0 || h === 0) throw new SeedError("image", `${what} is empty (${w}x${h} pixels)`);
  if (w * h > maxPixels) {
    throw new SeedError(
      "image",
      `${what} is ${w}x${h} = ${w * h} pixels, over the limit of ${maxPixels} (a decompression bomb guard); resize it first or raise maxImagePixels`,
    );
  }
  const swap = (meta.orientation ?? 1) >= 5; // EXIF orientations 5-8 swap width and height
  const [H, W] = spec.size;
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    let img = sharp(source, { limitInputPixels: maxPixels, pages: 1, page: 0 }).rotate(); // applies EXIF orientation
    if (spec.alpha === "flatten")
      img = img.flatten({ background: { r: spec.background[0], g: spec.background[1], b: spec.background[2] } });
    raw = await img.toColourspace("srgb").removeAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new SeedError("image", `${what} could not be decoded: ${(e as Error).message}`, { cause: e });
  }
  if (raw.info.channels !== 3) {
    throw new SeedError(
      "image",
      `${what}: decoding gave ${raw.info.width}x${raw.info.height}x${raw.info.channels}, expected 3 channels`,
    );
  }
  const bytes = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  const resized = resizeRgb(bytes, raw.info.width, raw.info.height, W, H, spec.resample);
  const preview: RgbImage = { width: W, height: H, data: resized };
  return {
    pixels: normalise(preview, spec),
    preview,
    sourceWidth: swap ? h : w,
    sourceHeight: swap ? w : h,
    format: meta.format ?? "unknown",
  };
}

/** RGB bytes [H, W, 3] -> float32 [1, 3, H, W], (x/255 - mean) / std per channel. */
export function normalise(img: RgbImage, spec: Pick<ImageSpec, "mean" | "std">): FloatTensor {
  const { width: W, height: H, data } = img;
  const out = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) {
    const mean = spec.mean[c] ?? 0;
    const std = spec.std[c] ?? 1;
    const plane = c * H * W;
    for (let i = 0; i < H * W; i++) out[plane + i] = ((data[i * 3 + c] ?? 0) / 255 - mean) / std;
  }
  return { dims: [1, 3, H, W], data: out };
}

/**
 * A [1, 3, H, W] (or [3, H, W]) float tensor -> RGB bytes. `range` says how the values map to 0..255: "minus1to1"
 * for decoder output (SEED's VAE), "0to1" otherwise. Values outside the range are clamped.
 */
export function tensorToRgb(t: FloatTensor, range: "minus1to1" | "0to1", batchIndex = 0): RgbImage {
  const dims = t.dims.length === 3 ? [1, ...t.dims] : [...t.dims];
  if (dims.length !== 4 || dims[1] !== 3) {
    throw new SeedError("input", `tensorToRgb: expected a [B, 3, H, W] tensor, got [${t.dims.join(", ")}]`);
  }
  const [B, , H, W] = dims as [number, number, number, number];
  if (batchIndex < 0 || batchIndex >= B)
    throw new SeedError("input", `tensorToRgb: batch index ${batchIndex} is outside [0, ${B})`);
  const out = new Uint8Array(H * W * 3);
  const base = batchIndex * 3 * H * W;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < H * W; i++) {
      const v = t.data[base + c * H * W + i] ?? 0;
      const unit = range === "minus1to1" ? (v + 1) / 2 : v;
      out[i * 3 + c] = Math.round(Math.min(1, Math.max(0, unit)) * 255);
    }
  }
  return { width: W, height: H, data: out };
}

/** RGB bytes -> PNG bytes (png.ts; a promise, so that a bad size arrives as a rejection like the other calls). */
export async function encodePng(img: RgbImage): Promise<Uint8Array> {
  if (img.data.length !== img.width * img.height * 3) {
    throw new SeedError(
      "input",
      `encodePng: ${img.data.length} bytes do not make a ${img.width}x${img.height} RGB image (expected ${img.width * img.height * 3})`,
    );
  }
  return encodeRgbPng(img.width, img.height, img.data);
}
