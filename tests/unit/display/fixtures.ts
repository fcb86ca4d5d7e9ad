// Test inputs for the display tests: small real PNGs made with sharp (a gradient and a flat colour).

import sharp from "sharp";

/** A w x h RGB gradient as PNG bytes. */
export async function gradientPng(w = 64, h = 64): Promise<Uint8Array> {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++)
      data.set([Math.round((x / (w - 1)) * 255), Math.round((y / (h - 1)) * 255), 128], (y * w + x) * 3);
  }
  return new Uint8Array(
    await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** Decodes base64 PNG with sharp: its size and raw RGBA pixels. */
export async function decodePng(base64: string): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(Buffer.from(base64, "base64"))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}
