// The codebook atlas view: every code with its usage over the reference images, the positions it sits at, the images
// that hold it most, and what it decodes to alone. HTML for Jupyter (no script: the page's find box searches it, with
// "code 417", "#5" for a position, "used 12x"), vnd.seed.atlas+json for the VS Code renderer (a search box).
// Thumbnails travel as two sprite sheets; the HTML crops them with nested SVG viewports (one <image> each, in <defs>).

import type { CodebookStats, CodeUsage } from "../api/atlas-stats";
import { codesByUsage } from "../api/atlas-stats";
import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";
import type { AtlasEntryPayload, AtlasPayload, SpriteSheetPayload } from "../protocol/payloads";
import { PAYLOAD_VERSION } from "../protocol/payloads";
import { tokenColor } from "./colors";
import { escapeHtml, frame, MUTED, pngDataUrl, scopeId } from "./html";
import { toBase64 } from "./image-payload";

/** A sheet of equal square tiles as the builder takes it. */
export interface SheetInput {
  png: Uint8Array;
  tile: number;
  columns: number;
  count: number;
  /** Which item each tile shows, when the sheet holds only some items (else tile i = item i). */
  indices?: readonly number[];
}

/** The tile of `item` in a sheet, or -1 when the sheet does not hold it. */
export function tileOf(sheet: { count: number; indices?: readonly number[] }, item: number): number {
  if (sheet.indices) return sheet.indices.indexOf(item);
  return item >= 0 && item < sheet.count ? item : -1;
}

/** The thumbnails one view shows: reference images, and codes decoded alone. */
export interface AtlasSheets {
  references: SheetInput;
  decodes?: SheetInput;
}

export interface AtlasInput {
  model: string;
  stats: CodebookStats;
  referenceSource: string;
  /** For the renderer (every code and image for the overview; what one entry shows for an entry). */
  sheets: AtlasSheets;
  /** For the HTML (only what it draws). */
  htmlSheets: AtlasSheets;
  captions: string[];
  decodeSteps?: number;
  buildMs: number;
  fromCache: boolean;
  selected?: number;
}

/** How many codes the HTML overview draws as cards at most (the rest are listed as text). */
const CARDS = 24;

function sheetPayload(s: SheetInput): SpriteSheetPayload {
  const p: SpriteSheetPayload = { png: toBase64(s.png), tile: s.tile, columns: s.columns, count: s.count };
  if (s.indices) p.indices = [...s.indices];
  return p;
}

export function atlasEntryPayload(c: CodeUsage): AtlasEntryPayload {
  const color = tokenColor(c.code);
  return {
    code: c.code,
    color: color.background,
    textColor: color.text,
    count: c.count,
    imageCount: c.imageCount,
    positions: c.positions.map(([p, n]) => [p, n]),
    top: c.top.map((t) => ({ image: t.image, positions: [...t.positions] })),
  };
}

export function atlasPayload(input: AtlasInput): AtlasPayload {
  const { stats } = input;
  const codes = input.selected === undefined ? stats.codes : [stats.codes[input.selected]!];
  const payload: AtlasPayload = {
    version: PAYLOAD_VERSION,
    model: input.model,
    codebookSize: stats.codebookSize,
    numTokens: stats.numTokens,
    referenceCount: stats.imageCount,
    referenceSource: input.referenceSource,
    entries: codes.map(atlasEntryPayload),
    references: sheetPayload(input.sheets.references),
    captions: input.captions,
    caption: buildLine(input),
  };
  if (input.sheets.decodes) payload.decodes = sheetPayload(input.sheets.decodes);
  if (input.decodeSteps !== undefined) payload.decodeSteps = input.decodeSteps;
  if (input.selected !== undefined) payload.selected = input.selected;
  return payload;
}

function buildLine(input: AtlasInput): string {
  const s = (input.buildMs / 1000).toFixed(1);
  return input.fromCache ? `read from the cache (built in ${s} s)` : `built in ${s} s and cached`;
}

/** One tile of a sheet as an SVG viewport at (x, y), `size` pixels, referencing the sheet image `href`. */
function tileSvg(href: string, sheet: SheetInput, item: number, x: number, y: number, size: number, tip: string) {
  const index = tileOf(sheet, item);
  if (index < 0) return "";
  const sx = (index % sheet.columns) * sheet.tile;
  const sy = Math.floor(index / sheet.columns) * sheet.tile;
  return (
    `<svg x="${x}" y="${y}" width="${size}" height="${size}" viewBox="${sx} ${sy} ${sheet.tile} ${sheet.tile}">` +
    `<title>${escapeHtml(tip)}</title><use href="#${href}"/></svg>`
  );
}

function sheetDefs(id: string, sheet: SheetInput): string {
  const rows = Math.ceil(sheet.count / sheet.columns);
  return `<image id="${id}" href="${pngDataUrl(toBase64(sheet.png))}" width="${sheet.columns * sheet.tile}" height="${rows * sheet.tile}"/>`;
}

function positionsText(c: CodeUsage, max = 4): string {
  if (c.positions.length === 0) return "never used";
  const shown = c.positions.slice(0, max).map(([p, n]) => `#${p} (${n}x)`);
  return `at ${shown.join(", ")}${c.positions.length > max ? ", …" : ""}`;
}

function chip(code: number): string {
  const c = tokenColor(code);
  return `<span style="display:inline-block;min-width:30px;padding:0 3px;border-radius:4px;text-align:center;background:${c.background};color:${c.text};font-family:ui-monospace,monospace;font-size:11px">${code}</span>`;
}

/** Cards: per code its one-token decode and its top reference images, in one SVG (`columns` cards a row). */
function cardsSvg(input: AtlasInput, codes: CodeUsage[], big: boolean): string {
  const id = scopeId("atlas", input.model, String(input.stats.imageCount), codes.map((c) => c.code).join(","));
  const size = big ? 96 : 44;
  const refsShown = big ? 6 : 4;
  const gap = 4;
  const head = 28;
  const cardW = Math.max((refsShown + 1) * (size + gap) + 8, big ? 640 : 0);
  const cardH = head + size + 10;
  const columns = big ? 1 : 3;
  const defs =
    `<defs>${sheetDefs(`${id}-r`, input.htmlSheets.references)}` +
    (input.htmlSheets.decodes ? sheetDefs(`${id}-d`, input.htmlSheets.decodes) : "") +
    `</defs>`;
  const cards = codes
    .map((c, k) => {
      const x0 = (k % columns) * (cardW + 12);
      const y = Math.floor(k / columns) * cardH;
      const c0 = tokenColor(c.code);
      const heading =
        `<rect x="${x0}" y="${y + 1}" width="30" height="13" rx="3" fill="${c0.background}"/>` +
        `<text x="${x0 + 15}" y="${y + 11}" font-size="10" text-anchor="middle" fill="${c0.text}" font-family="ui-monospace,monospace">${c.code}</text>` +
        `<text x="${x0 + 36}" y="${y + 11}" font-size="11" fill="currentColor">code ${c.code} · used ${c.count}x in ${c.imageCount} images</text>` +
        `<text x="${x0}" y="${y + 24}" font-size="10" fill="currentColor" opacity=".7">${escapeHtml(positionsText(c, big ? 12 : 3))}</text>`;
      const decode = input.htmlSheets.decodes
        ? tileSvg(`${id}-d`, input.htmlSheets.decodes, c.code, x0, y + head, size, `code ${c.code} decoded alone`)
        : "";
      const refs = c.top
        .slice(0, refsShown)
        .map((t, j) =>
          tileSvg(
            `${id}-r`,
            input.htmlSheets.references,
            t.image,
            x0 + (j + 1) * (size + gap) + 8,
            y + head,
            size,
            `reference ${t.image}: code ${c.code} at ${t.positions.map((p) => `#${p}`).join(", ")}${input.captions[t.image] ? ` · ${input.captions[t.image]}` : ""}`,
          ),
        )
        .join("");
      return heading + decode + refs;
    })
    .join("");
  const width = Math.min(codes.length, columns) * (cardW + 12);
  const height = Math.ceil(codes.length / columns) * cardH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" style="color:inherit;font-family:system-ui,sans-serif;display:block;margin:4px 0">${defs}${cards}</svg>`;
}

function overviewHtml(input: AtlasInput): string {
  const { stats } = input;
  const used = codesByUsage(stats);
  const unused = stats.codebookSize - used.length;
  const summary =
    `<div>${used.length} of ${stats.codebookSize} codes are used by ${stats.imageCount} reference images (${stats.imageCount * stats.numTokens} tokens); ${unused} are never used. ` +
    `The ${CARDS} most used codes below: first the code decoded alone (a one-token prefix${input.decodeSteps ? `, ${input.decodeSteps} steps` : ""}), then the reference images that hold it most (hover for captions).</div>`;
  const cards = cardsSvg(
    input,
    used.slice(0, CARDS).map((c) => stats.codes[c]!),
    false,
  );
  const list = used
    .map((code) => {
      const c = stats.codes[code]!;
      return `<div>code ${code} · used ${c.count}x in ${c.imageCount} images · ${escapeHtml(positionsText(c, 8))} · top images ${c.top.map((t) => t.image).join(", ")}</div>`;
    })
    .join("");
  const byPosition = Array.from({ length: stats.numTokens }, (_, p) => {
    const here = stats.codes
      .flatMap((c) => c.positions.filter(([q]) => q === p).map(([, n]) => ({ code: c.code, n })))
      .sort((a, b) => b.n - a.n || a.code - b.code);
    return `<div>#${p}: ${here.length} codes · ${here
      .slice(0, 8)
      .map((h) => `code ${h.code} (${h.n}x)`)
      .join(", ")}${here.length > 8 ? ", …" : ""}</div>`;
  }).join("");
  const noDecodes = input.sheets.decodes
    ? ""
    : `<div style="${MUTED}">this model cannot decode a one-token prefix, so no code is shown decoded alone</div>`;
  return (
    summary +
    cards +
    `<details style="margin-top:4px"><summary style="cursor:pointer;${MUTED}">all ${used.length} used codes, most used first (search the page: "code 417", "#5")</summary><div style="font-size:12px">${list}</div></details>` +
    `<details style="margin-top:4px"><summary style="cursor:pointer;${MUTED}">codes by position</summary><div style="font-size:12px">${byPosition}</div></details>` +
    noDecodes
  );
}

function entryHtml(input: AtlasInput, code: number): string {
  const c = input.stats.codes[code]!;
  const head = `<div>${chip(code)} used ${c.count}x in ${c.imageCount} of ${input.stats.imageCount} reference images · ${escapeHtml(positionsText(c, 32))}</div>`;
  const captions = c.top
    .map(
      (t) =>
        `<div style="${MUTED}">reference ${t.image}: at ${t.positions.map((p) => `#${p}`).join(", ")}${input.captions[t.image] ? ` · ${escapeHtml(input.captions[t.image]!)}` : ""}</div>`,
    )
    .join("");
  const body = c.count === 0 ? `<div style="${MUTED}">no reference image uses this code</div>` : "";
  return head + cardsSvg(input, [c], true) + captions + body;
}

/** The atlas (or one entry, with `selected`): vnd.seed.atlas+json, html, plain. */
export function atlasBundle(input: AtlasInput): MimeBundle {
  const payload = atlasPayload(input);
  const used = payload.entries.filter((e) => e.count > 0).length;
  const title =
    input.selected === undefined
      ? `codebook atlas · ${input.model} · ${input.referenceSource} · ${payload.caption}`
      : `codebook atlas · ${input.model} · code ${input.selected}`;
  const html = frame(title, input.selected === undefined ? overviewHtml(input) : entryHtml(input, input.selected));
  const sel = input.selected === undefined ? undefined : input.stats.codes[input.selected]!;
  return {
    [MIME.atlas]: payload,
    [MIME.html]: html,
    [MIME.plain]: sel
      ? `<AtlasEntry code ${sel.code}: used ${sel.count}x in ${sel.imageCount} images, ${positionsText(sel)}>`
      : `<CodebookAtlas ${input.model}: ${used} of ${payload.codebookSize} codes used by ${payload.referenceCount} reference images>`,
  };
}

/** While the atlas builds: how far it is. */
export function atlasProgressBundle(p: { model: string; done: number; total: number; what: string }): MimeBundle {
  const text = `codebook atlas · ${p.model}: ${p.what} (${p.done} of ${p.total})`;
  return { [MIME.html]: frame("", `<div style="${MUTED}">${escapeHtml(text)}</div>`), [MIME.plain]: text };
}
