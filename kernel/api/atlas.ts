// seed.atlas: the codebook atlas. For every code: how often the reference images use it, at which positions, which
// images hold it most, and what the decoder draws from it alone (a one-token prefix). Built once per model package
// and reference set, then cached on disk (a JSON file per key under the cache folder), so a later kernel reads it.
//
// Cache key: sha256 over the package's seed.json (which lists every file's sha256), the reference images' bytes and
// the build settings. Cache folder: $SEED_ATLAS_CACHE, else $XDG_CACHE_HOME/seed-notebook/atlas (~/.cache/...). A
// package may ship the cache file of its own default atlas as atlas.json; it is read only when its key matches.

import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { encodeRgbPng } from "../../model/runtime/png";
import type { AtlasInput, AtlasSheets, SheetInput } from "../display/atlas-view";
import { atlasBundle, atlasProgressBundle } from "../display/atlas-view";
import { toBase64 } from "../display/image-payload";
import { throttle } from "../display/throttle";
import type { MimeBundle } from "../protocol/mime";
import type { ChipAtlas } from "../protocol/payloads";
import { readPackageReferences, sheetPng, sheetTile } from "./atlas-sheets";
import type { CodebookStats } from "./atlas-stats";
import { codebookStats, codesAtPosition, codesByUsage } from "./atlas-stats";
import type { SeedApiContext } from "./context";
import { openLive } from "./context";
import { SeedImageImpl } from "./image";
import { resolveImage } from "./image-source";
import type { LoadedImage, ModelProxy, RgbImage } from "./model-port";
import type { AtlasEntry, AtlasOptions, CodebookAtlas } from "./seed";
import { checkBool, checkInt, checkOptions, checkSignal, describe, interrupted, SeedApiError } from "./validate";

export const ATLAS_OPTION_KEYS = ["references", "steps", "rebuild"] as const;

/** Bump when the cache file's shape or what it is computed from changes. */
export const ATLAS_CACHE_VERSION = 1;
/** Denoising steps of each one-token decode (a one-token prefix draws little more than a background and a blob). */
export const ATLAS_DECODE_STEPS = 4;
/** Edge of a decode thumbnail in the atlas view, and of a reference thumbnail. */
const THUMB = 32;
const SHEET_COLUMNS = 32;
/** Edge of a reference image in one entry's view. */
const ENTRY_TILE = 64;
/** Cards the HTML overview draws (the renderer's search reaches every code). */
const ATLAS_HTML_CARDS = 24;

/** The atlas a package may ship beside seed.json: a cache file built from that package (same key). */
export const SHIPPED_ATLAS = "atlas.json";

/** The folder atlas caches go to. */
export function atlasCacheDir(): string {
  if (process.env.SEED_ATLAS_CACHE) return process.env.SEED_ATLAS_CACHE;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "seed-notebook", "atlas");
}

/** One reference image: its pixels and, when the set has one, its caption. */
export interface ReferenceImage {
  image: RgbImage;
  /** Encoded form (PNG), for keys and for showing it. */
  png: Uint8Array;
  caption?: string;
}

/** Where the reference images come from. */
export interface ReferenceSet {
  images: ReferenceImage[];
  /** One line for the view. */
  source: string;
}

/** What the cache file holds. */
interface AtlasCacheFile {
  format: "seed-atlas";
  version: number;
  key: string;
  model: string;
  buildMs: number;
  decodeSteps: number;
  /** [images][numTokens] */
  ids: number[][];
  /** One-token decodes, base64 PNG sheet of THUMB-pixel tiles (tile = code); absent without prefix decoding. */
  decodes?: string;
}

/** The package's reference set, from reference_images.png/.json. */
export async function packageReferences(call: string, model: ModelProxy): Promise<ReferenceSet> {
  const found = await readPackageReferences(model.info.dir);
  if (!found)
    throw new SeedApiError(
      `${call}: the model package ${model.info.name} has no reference images (reference_images.png and .json beside seed.json); pass your own: seed.atlas({ references: [img1, img2, ...] })`,
    );
  return {
    source: `${found.index.count} reference images: ${found.index.source}`,
    images: found.tiles.map((image, i) => {
      const caption = found.index.images[i]?.caption;
      const ref: ReferenceImage = { image, png: encodeRgbPng(image.width, image.height, image.data) };
      if (caption !== undefined) ref.caption = caption;
      return ref;
    }),
  };
}

/** The cache key of an atlas: the package's manifest, the reference images, the settings. */
export async function atlasKey(model: ModelProxy, refs: ReferenceSet, decodeSteps: number): Promise<string> {
  const hash = createHash("sha256");
  hash.update(`seed-atlas ${ATLAS_CACHE_VERSION} steps ${decodeSteps}\0`);
  hash.update(await readFile(join(model.info.dir, "seed.json")));
  for (const r of refs.images) hash.update(r.png).update("\0");
  return hash.digest("hex");
}

async function readCache(path: string, key: string): Promise<AtlasCacheFile | undefined> {
  try {
    const file = JSON.parse(await readFile(path, "utf8")) as AtlasCacheFile;
    if (file.format === "seed-atlas" && file.version === ATLAS_CACHE_VERSION && file.key === key) return file;
  } catch {
    // Missing or unreadable: the atlas is built again and the file rewritten.
  }
  return undefined;
}

async function writeCache(dir: string, path: string, file: AtlasCacheFile): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(file));
    await rename(tmp, path); // atomic: two kernels never read half a file
  } catch (e) {
    process.emitWarning(`seed-notebook: could not write the atlas cache ${path}: ${(e as Error).message}`);
  }
}

/** Options of one build. */
export interface BuildAtlasOptions {
  decodeSteps: number;
  rebuild: boolean;
  signal: AbortSignal;
  /** Called as the build goes (done of total steps: images tokenized, then codes decoded). */
  progress?: (done: number, total: number, what: string) => void;
}

/** Builds (or reads from the cache) the atlas of `refs` on `model`. */
export async function buildAtlas(
  call: string,
  model: ModelProxy,
  refs: ReferenceSet,
  o: BuildAtlasOptions,
): Promise<AtlasImpl> {
  const { numTokens, codebookSize, name } = model.info;
  const key = await atlasKey(model, refs, o.decodeSteps);
  const dir = atlasCacheDir();
  const path = join(dir, `${key.slice(0, 32)}.json`);
  // A package may ship its atlas (atlas.json, model/FORMAT.md): used when it was built from exactly this package.
  const cached = o.rebuild
    ? undefined
    : ((await readCache(join(model.info.dir, SHIPPED_ATLAS), key)) ?? (await readCache(path, key)));
  if (cached) return AtlasImpl.create(model, refs, cached, true);

  const started = performance.now();
  const total = refs.images.length + (model.info.supportsTokenMask ? codebookSize : 0);
  let done = 0;
  try {
    const ids: number[][] = [];
    for (let i = 0; i < refs.images.length; i += 16) {
      const batch: LoadedImage[] = [];
      for (const r of refs.images.slice(i, i + 16)) batch.push(await model.loadImage(r.png));
      const vt = await model.tokenize(batch, { signal: o.signal });
      ids.push(...vt.ids);
      done += batch.length;
      o.progress?.(done, total, "tokenizing the reference images");
    }
    let decodes: string | undefined;
    if (model.info.supportsTokenMask) {
      const tiles: RgbImage[] = [];
      const rest = new Array<number>(numTokens - 1).fill(0);
      for (let code = 0; code < codebookSize; code++) {
        const r = await model.decode([code, ...rest], { steps: o.decodeSteps, prefix: 1, seed: 0, signal: o.signal });
        tiles.push(r.image);
        done++;
        o.progress?.(done, total, "decoding every code alone (a one-token prefix)");
      }
      decodes = toBase64(await sheetPng(tiles, THUMB, SHEET_COLUMNS));
    }
    const file: AtlasCacheFile = {
      format: "seed-atlas",
      version: ATLAS_CACHE_VERSION,
      key,
      model: name,
      buildMs: Math.round(performance.now() - started),
      decodeSteps: o.decodeSteps,
      ids,
      ...(decodes ? { decodes } : {}),
    };
    await writeCache(dir, path, file);
    return await AtlasImpl.create(model, refs, file, false);
  } catch (e) {
    if (o.signal.aborted) throw interrupted(call);
    throw e;
  }
}

/** One entry of the atlas as a value (seed.atlas(code)). */
class AtlasEntryImpl implements AtlasEntry {
  readonly code: number;
  readonly count: number;
  readonly imageCount: number;
  readonly positions: readonly { position: number; count: number }[];
  readonly topImages: readonly {
    index: number;
    image: SeedImageImpl;
    caption: string | undefined;
    positions: readonly number[];
  }[];
  readonly decoded: SeedImageImpl | undefined;
  readonly #atlas: AtlasImpl;
  readonly #sheets: AtlasSheets;

  constructor(atlas: AtlasImpl, code: number, decoded: SeedImageImpl | undefined, sheets: AtlasSheets) {
    const usage = atlas.stats.codes[code]!;
    this.#atlas = atlas;
    this.#sheets = sheets;
    this.code = code;
    this.count = usage.count;
    this.imageCount = usage.imageCount;
    this.positions = Object.freeze(usage.positions.map(([position, count]) => ({ position, count })));
    this.topImages = Object.freeze(
      usage.top.map((t) => {
        const ref = atlas.refs.images[t.image]!;
        return {
          index: t.image,
          image: SeedImageImpl.fromRgb(ref.image, `reference ${t.image}`),
          caption: ref.caption,
          positions: Object.freeze([...t.positions]),
        };
      }),
    );
    this.decoded = decoded;
    Object.freeze(this);
  }

  toMimeBundle(): MimeBundle {
    return atlasBundle(this.#atlas.viewInput(this.#sheets, this.#sheets, this.code));
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `AtlasEntry { code ${this.code}, used ${this.count}x in ${this.imageCount} images }`;
  }
}

/** The atlas of one model and reference set. */
export class AtlasImpl implements CodebookAtlas {
  readonly model: string;
  readonly codebookSize: number;
  readonly numTokens: number;
  readonly referenceCount: number;
  readonly referenceSource: string;
  readonly decodeSteps: number | undefined;
  readonly buildMs: number;
  readonly fromCache: boolean;
  readonly counts: readonly number[];
  readonly referenceIds: readonly (readonly number[])[];
  readonly stats: CodebookStats;
  readonly refs: ReferenceSet;
  /** Every code decoded alone, THUMB-pixel tiles (tile = code). */
  readonly #decodes: Uint8Array | undefined;
  /** The overview's thumbnails: every image and code for the renderer, only those the HTML draws for the HTML. */
  #sheets: AtlasSheets | undefined;
  #htmlSheets: AtlasSheets | undefined;

  private constructor(model: ModelProxy, refs: ReferenceSet, file: AtlasCacheFile, fromCache: boolean) {
    this.model = model.info.name;
    this.codebookSize = model.info.codebookSize;
    this.numTokens = model.info.numTokens;
    this.refs = refs;
    this.referenceCount = refs.images.length;
    this.referenceSource = refs.source;
    this.referenceIds = Object.freeze(file.ids.map((ids) => Object.freeze([...ids])));
    this.stats = codebookStats(file.ids, this.codebookSize, this.numTokens);
    this.counts = Object.freeze(this.stats.codes.map((c) => c.count));
    this.decodeSteps = file.decodes ? file.decodeSteps : undefined;
    this.buildMs = file.buildMs;
    this.fromCache = fromCache;
    this.#decodes = file.decodes ? new Uint8Array(Buffer.from(file.decodes, "base64")) : undefined;
  }

  /** A sheet of some codes' decodes (tiles cut from the full sheet) or some reference images, at `tile` pixels. */
  async #subset(kind: "decodes" | "references", items: readonly number[], tile: number): Promise<SheetInput> {
    const images =
      kind === "references"
        ? items.map((i) => this.refs.images[i]!.image)
        : await Promise.all(items.map((c) => sheetTile(this.#decodes!, THUMB, SHEET_COLUMNS, c)));
    const columns = Math.min(16, Math.max(1, items.length));
    return { png: await sheetPng(images, tile, columns), tile, columns, count: items.length, indices: [...items] };
  }

  /** The thumbnails of one entry's view: its decode and its top images. */
  async #entrySheets(code: number): Promise<AtlasSheets> {
    const top = this.stats.codes[code]!.top.map((t) => t.image);
    const sheets: AtlasSheets = {
      references: await this.#subset("references", top.length ? top : [0], ENTRY_TILE),
    };
    if (this.#decodes) sheets.decodes = await this.#subset("decodes", [code], THUMB);
    return sheets;
  }

  static async create(
    model: ModelProxy,
    refs: ReferenceSet,
    file: AtlasCacheFile,
    fromCache: boolean,
  ): Promise<AtlasImpl> {
    if (file.ids.length !== refs.images.length)
      throw new Error(`atlas cache holds ${file.ids.length} token lists for ${refs.images.length} reference images`);
    const atlas = new AtlasImpl(model, refs, file, fromCache);
    // Renderer: every reference image (THUMB px) and every code's decode (half size: a one-token decode is mostly a
    // colour). HTML: only the cards it draws.
    const all = (n: number) => Array.from({ length: n }, (_, i) => i);
    const sheets: AtlasSheets = { references: await atlas.#subset("references", all(refs.images.length), THUMB) };
    delete sheets.references.indices;
    const cards = atlas.byUsage().slice(0, ATLAS_HTML_CARDS);
    const html: AtlasSheets = {
      references: await atlas.#subset(
        "references",
        [...new Set(cards.flatMap((c) => atlas.stats.codes[c]!.top.slice(0, 4).map((t) => t.image)))],
        THUMB,
      ),
    };
    if (atlas.#decodes) {
      const half = THUMB / 2;
      const png = await sharp(atlas.#decodes)
        .resize(SHEET_COLUMNS * half, Math.ceil(atlas.codebookSize / SHEET_COLUMNS) * half, { kernel: "lanczos3" })
        .png({ compressionLevel: 9, palette: true, colours: 256, dither: 0 })
        .toBuffer();
      sheets.decodes = { png: new Uint8Array(png), tile: half, columns: SHEET_COLUMNS, count: atlas.codebookSize };
      html.decodes = await atlas.#subset("decodes", cards, THUMB);
    }
    atlas.#sheets = sheets;
    atlas.#htmlSheets = html;
    Object.freeze(atlas);
    return atlas;
  }

  /** A chip's short form of the entry for `code` (token strips' hover text). */
  chip(code: number): ChipAtlas {
    const c = this.stats.codes[code];
    if (!c) return { count: 0, imageCount: 0, at: [], top: [] };
    return {
      count: c.count,
      imageCount: c.imageCount,
      at: c.positions.slice(0, 3).map(([p]) => p),
      top: c.top.slice(0, 3).map((t) => t.image),
    };
  }

  /** Codes in use, most used first. */
  byUsage(): number[] {
    return codesByUsage(this.stats);
  }

  /** Codes used at `position`, most used there first. */
  atPosition(position: number): { code: number; count: number }[] {
    checkInt("atlas.atPosition", "position", position, 0, this.numTokens - 1);
    return codesAtPosition(this.stats, position);
  }

  async entry(code: number): Promise<AtlasEntry> {
    checkInt("atlas.entry", "code", code, 0, this.codebookSize - 1);
    const decoded = this.#decodes
      ? SeedImageImpl.fromRgb(await sheetTile(this.#decodes, THUMB, SHEET_COLUMNS, code), `code ${code} alone`)
      : undefined;
    return new AtlasEntryImpl(this, code, decoded, await this.#entrySheets(code));
  }

  /** What the view builder needs; `selected` narrows it to one entry. */
  viewInput(sheets: AtlasSheets, htmlSheets: AtlasSheets, selected?: number): AtlasInput {
    const input: AtlasInput = {
      model: this.model,
      stats: this.stats,
      referenceSource: this.referenceSource,
      sheets,
      htmlSheets,
      captions: this.refs.images.map((r) => r.caption ?? ""),
      buildMs: this.buildMs,
      fromCache: this.fromCache,
    };
    if (this.decodeSteps !== undefined) input.decodeSteps = this.decodeSteps;
    if (selected !== undefined) input.selected = selected;
    return input;
  }

  toMimeBundle(): MimeBundle {
    return atlasBundle(this.viewInput(this.#sheets!, this.#htmlSheets!));
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const used = this.stats.codes.filter((c) => c.count > 0).length;
    return `CodebookAtlas { ${this.model}: ${used} of ${this.codebookSize} codes used by ${this.referenceCount} reference images }`;
  }
}

/** seed.atlas(), seed.atlas(code), seed.atlas({ references, steps, rebuild }), seed.atlas(code, options). */
export function createAtlasCall(
  ctx: SeedApiContext,
  modelOf: () => Promise<ModelProxy>,
  /** Told about every atlas built or read (the session's token strips link their chips to the latest). */
  onReady: (atlas: AtlasImpl) => void,
): (codeOrOptions?: number | AtlasOptions, options?: AtlasOptions) => Promise<CodebookAtlas | AtlasEntry> {
  const call = "seed.atlas";
  /** Built or read this session, by cache key: a second seed.atlas() costs nothing. */
  const built = new Map<string, AtlasImpl>();
  let packageRefs: Promise<ReferenceSet> | undefined;
  return async (codeOrOptions, maybeOptions) => {
    const signal = ctx.signal();
    checkSignal(call, signal);
    const code = typeof codeOrOptions === "number" ? codeOrOptions : undefined;
    const rawOptions = typeof codeOrOptions === "number" ? maybeOptions : codeOrOptions;
    if (codeOrOptions !== undefined && typeof codeOrOptions !== "number" && maybeOptions !== undefined)
      throw new SeedApiError(`${call}: expected (code?, options?); got options twice`);
    const o = checkOptions<AtlasOptions>(call, rawOptions, ATLAS_OPTION_KEYS);
    const model = await modelOf();
    if (code !== undefined) checkInt(call, "code", code, 0, model.info.codebookSize - 1);
    const steps = o.steps === undefined ? ATLAS_DECODE_STEPS : checkInt(call, "steps", o.steps, 1, 1000);
    const rebuild = o.rebuild === undefined ? false : checkBool(call, "rebuild", o.rebuild);
    let refs: ReferenceSet;
    if (o.references !== undefined) {
      if (!Array.isArray(o.references) || o.references.length === 0)
        throw new SeedApiError(
          `${call}: references must be a non-empty array of images, got ${describe(o.references)}`,
        );
      const images: ReferenceImage[] = [];
      for (const source of o.references) {
        const img = await resolveImage(call, source, model, ctx.cwd);
        const loaded = await img.loadedFor(model);
        images.push({ image: loaded.preview, png: img.png, caption: img.label });
      }
      refs = { images, source: `${images.length} reference images given to seed.atlas` };
    } else {
      packageRefs ??= packageReferences(call, model);
      try {
        refs = await packageRefs;
      } catch (e) {
        packageRefs = undefined;
        throw e;
      }
    }
    const key = await atlasKey(model, refs, steps);
    let atlas = rebuild ? undefined : built.get(key);
    const progress = (done: number, total: number, what: string) =>
      atlasProgressBundle({ model: model.info.name, done, total, what });
    // One display whatever happens (built now, read from the cache): the build's progress, then the result itself.
    const handle = openLive(ctx.display, progress(0, 1, "reading the cache"), (reason) =>
      progress(0, 1, `stopped (${reason})`),
    );
    const live = throttle<[number, number, string]>(([d, t, w]) => handle.update(progress(d, t, w)));
    try {
      atlas ??= await buildAtlas(call, model, refs, {
        decodeSteps: steps,
        rebuild,
        signal,
        progress: (d, t, w) => live.push([d, t, w]),
      });
      live.cancel();
      built.set(key, atlas);
      onReady(atlas);
      const result = code === undefined ? atlas : await atlas.entry(code);
      handle.finish(result.toMimeBundle());
      ctx.display.shownAs?.(result, handle.displayId);
      return result;
    } catch (e) {
      live.cancel();
      handle.finish(progress(0, 1, signal.aborted ? "interrupted" : `failed: ${(e as Error).message}`));
      throw e;
    }
  };
}
