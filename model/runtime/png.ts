// The project's one PNG encoder (8-bit RGB or RGBA, no filtering): the model's RGB images (RgbImage, [H, W, 3]),
// the attention heat maps over the patch grid ([Gh, Gw, 4]) and the kernelspec logos. It is synchronous on purpose:
// the kernel builds MIME bundles synchronously (toMimeBundle(), the token strip's per-token heat maps), which sharp's
// promise-only API cannot serve. sharp stays the image reader and resampler (image-io.ts).

import { deflateSync } from "node:zlib";

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes `rgba` ([height][width][4] bytes, row-major) as a PNG. */
export function encodeRgbaPng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  return encodePng(width, height, 4, rgba);
}

/** Encodes `rgb` ([height][width][3] bytes, row-major) as a PNG. */
export function encodeRgbPng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  return encodePng(width, height, 3, rgb);
}

function encodePng(width: number, height: number, channels: 3 | 4, rgba: Uint8Array): Uint8Array {
  const kind = channels === 4 ? "RGBA" : "RGB";
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  if (rgba.length !== width * height * channels) {
    throw new RangeError(
      `encodePng: expected ${width * height * channels} bytes for ${width}x${height} ${kind}, got ${rgba.length}`,
    );
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 2; // colour type RGBA or RGB
  const stride = width * channels;
  const raw = Buffer.alloc(height * (1 + stride)); // each row: filter byte 0 + pixels
  for (let y = 0; y < height; y++) {
    Buffer.from(rgba.buffer, rgba.byteOffset + y * stride, stride).copy(raw, y * (1 + stride) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(
    Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))]),
  );
}
