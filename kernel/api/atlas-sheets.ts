// Sprite sheets for the codebook atlas: the package's reference images are stored as one sheet of equal tiles
// (reference_images.png + .json, model/FORMAT.md), and the atlas view carries its thumbnails the same way (one PNG for
// every code's decode, one for the reference images) instead of a thousand small images.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import type { RgbImage } from "./model-port";

/** reference_images.json as the package ships it. */
export interface ReferenceIndex {
  format: "seed-reference-images";
  version: 1;
  tile: [number, number];
  columns: number;
  count: number;
  source: string;
  images: { caption?: string; held_out?: boolean }[];
}

export const REFERENCE_PNG = "reference_images.png";
export const REFERENCE_JSON = "reference_images.json";

/** Reads and checks reference_images.json; a wrong field is named with what was expected. */
export function parseReferenceIndex(text: string, where: string): ReferenceIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  const r = raw as Partial<ReferenceIndex>;
  const fail = (what: string) => new Error(`${where}: ${what}`);
  if (r.format !== "seed-reference-images") throw fail(`format must be "seed-reference-images", got ${r.format}`);
  if (r.version !== 1) throw fail(`version must be 1, got ${r.version}`);
  if (!Array.isArray(r.tile) || r.tile.length !== 2 || !r.tile.every((v) => Number.isInteger(v) && v > 0))
    throw fail("tile must be [height, width] in pixels");
  if (!Number.isInteger(r.columns) || (r.columns ?? 0) < 1) throw fail("columns must be a positive integer");
  if (!Number.isInteger(r.count) || (r.count ?? 0) < 1) throw fail("count must be a positive integer");
  if (!Array.isArray(r.images) || r.images.length !== r.count)
    throw fail(`images must list one entry per image (${r.count})`);
  return { ...(r as ReferenceIndex), source: typeof r.source === "string" ? r.source : "reference_images.png" };
}

/** The package's reference set (tiles as RGB images) or undefined when the package has none. */
export async function readPackageReferences(
  dir: string,
): Promise<{ index: ReferenceIndex; tiles: RgbImage[]; bytes: Uint8Array } | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, REFERENCE_JSON), "utf8");
  } catch {
    return undefined;
  }
  const index = parseReferenceIndex(text, join(dir, REFERENCE_JSON));
  const bytes = new Uint8Array(await readFile(join(dir, REFERENCE_PNG)));
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [th, tw] = index.tile;
  const rows = Math.ceil(index.count / index.columns);
  if (info.width < index.columns * tw || info.height < rows * th)
    throw new Error(
      `${join(dir, REFERENCE_PNG)} is ${info.width}x${info.height}; reference_images.json needs at least ${index.columns * tw}x${rows * th}`,
    );
  const tiles: RgbImage[] = [];
  for (let i = 0; i < index.count; i++) {
    const x0 = (i % index.columns) * tw;
    const y0 = Math.floor(i / index.columns) * th;
    const tile = new Uint8Array(th * tw * 3);
    for (let y = 0; y < th; y++) {
      const from = ((y0 + y) * info.width + x0) * 3;
      tile.set(data.subarray(from, from + tw * 3), y * tw * 3);
    }
    tiles.push({ width: tw, height: th, data: tile });
  }
  return { index, tiles, bytes };
}

/**
 * Tiles (all the same size) -> one PNG sheet of `tile`-pixel squares, `columns` a row. Palette PNG (256 colours, no
 * dithering): thumbnails of flat scenes and of noisy decodes are a third of the size or less, and look the same.
 */
export async function sheetPng(images: readonly RgbImage[], tile: number, columns: number): Promise<Uint8Array> {
  if (images.length === 0) throw new RangeError("sheetPng: no images");
  const cols = Math.min(columns, images.length);
  const rows = Math.ceil(images.length / cols);
  const composites = await Promise.all(
    images.map(async (img, i) => ({
      input: await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } })
        .resize(tile, tile, { fit: "fill", kernel: "lanczos3" })
        .png()
        .toBuffer(),
      left: (i % cols) * tile,
      top: Math.floor(i / cols) * tile,
    })),
  );
  const out = await sharp({
    create: { width: cols * tile, height: rows * tile, channels: 3, background: { r: 0, g: 0, b: 0 } },
  })
    .composite(composites)
    .png({ compressionLevel: 9, palette: true, colours: 256, dither: 0 })
    .toBuffer();
  return new Uint8Array(out);
}

/** Tile `index` of a sheet PNG as an RGB image. */
export async function sheetTile(png: Uint8Array, tile: number, columns: number, index: number): Promise<RgbImage> {
  const { data } = await sharp(png)
    .extract({ left: (index % columns) * tile, top: Math.floor(index / columns) * tile, width: tile, height: tile })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: tile, height: tile, data: new Uint8Array(data) };
}
