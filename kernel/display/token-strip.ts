// The token strip: N chips coloured by id (a stable colour per id) with the id on each, empty slots for a prefix,
// and per token its Q-Former attention map over the source image. HTML: title tooltips on chips and a <details>
// gallery of attention maps drawn as one inline SVG (source image once in <defs>, a tiny heat-map PNG per token).

import { encodeRgbaPng } from "../../model/runtime/png";
import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";
import type { AttentionPayload, ChipAtlas, TokenChip, TokensPayload } from "../protocol/payloads";
import { PAYLOAD_VERSION } from "../protocol/payloads";
import { tokenColor } from "./colors";
import { escapeHtml, frame, MUTED, pngDataUrl, scopeId } from "./html";
import { type ImageInput, imagePayload, toBase64 } from "./image-payload";

/** What a token strip shows. */
export interface TokenStripInput {
  /** Given ids in causal order; fewer than numTokens for a prefix. */
  ids: readonly number[];
  numTokens: number;
  codebookSize: number;
  source?: ImageInput;
  /** [Gh, Gw] and per given token its attention over the Gh*Gw patches (any non-negative scale). */
  attention?: { grid: readonly [number, number]; maps: readonly (readonly number[])[] };
  label?: string;
  /** The codebook atlas's summary of each given id, when the session has built one. */
  atlas?: { referenceCount: number; chips: readonly ChipAtlas[] };
}

/** The hover text that links a chip to its atlas entry: "atlas: used 23x in 17 of 512 reference images, ...". */
export function chipAtlasText(id: number, a: ChipAtlas, referenceCount: number): string {
  if (a.count === 0) return `atlas: no reference image uses code ${id} · seed.atlas(${id})`;
  return `atlas: used ${a.count}x in ${a.imageCount} of ${referenceCount} reference images, most at ${a.at.map((p) => `#${p}`).join(", ")} · top images ${a.top.join(", ")} · seed.atlas(${id})`;
}

/** Chips with precomputed colours. */
export function tokenChips(ids: readonly number[]): TokenChip[] {
  return ids.map((id, index) => {
    const c = tokenColor(id);
    return { index, id, color: c.background, textColor: c.text };
  });
}

/**
 * Stretches each map to 0..1 (least attended patch 0, most attended 1; a uniform map is all 1) and rounds to 3
 * decimals: small payloads, and visible contrast even where attention is nearly uniform (an untrained encoder).
 */
export function normaliseAttention(
  grid: readonly [number, number],
  maps: readonly (readonly number[])[],
): AttentionPayload {
  const cells = grid[0] * grid[1];
  return {
    grid: [grid[0], grid[1]],
    maps: maps.map((row, i) => {
      if (row.length !== cells) {
        throw new RangeError(
          `attention map ${i} has ${row.length} values; expected ${cells} for a ${grid[0]}x${grid[1]} grid`,
        );
      }
      const max = Math.max(...row);
      const min = Math.min(...row);
      return row.map((v) => (max > min ? Math.round(((v - min) / (max - min)) * 1000) / 1000 : 1));
    }),
  };
}

/** The vnd.seed.tokens+json payload. */
export function tokensPayload(input: TokenStripInput): TokensPayload {
  const payload: TokensPayload = {
    version: PAYLOAD_VERSION,
    chips: tokenChips(input.ids),
    numTokens: input.numTokens,
    codebookSize: input.codebookSize,
  };
  if (input.source) payload.source = imagePayload(input.source);
  if (input.attention) payload.attention = normaliseAttention(input.attention.grid, input.attention.maps);
  if (input.label !== undefined) payload.label = input.label;
  if (input.atlas) {
    payload.atlasReferences = input.atlas.referenceCount;
    payload.chips.forEach((c, i) => {
      const a = input.atlas!.chips[i];
      if (a) c.atlas = a;
    });
  }
  return payload;
}

/** Where a map peaks, as "row r, col c" (1-based, row 1 at the top). */
export function peakCell(map: readonly number[], gridWidth: number): string {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  return `row ${Math.floor(best / gridWidth) + 1}, col ${(best % gridWidth) + 1}`;
}

/** A [Gh, Gw] heat map as a PNG: dark where attention is low (a spotlight), or orange heat without a source image. */
export function attentionPng(grid: readonly [number, number], map: readonly number[], spotlight: boolean): Uint8Array {
  const [gh, gw] = grid;
  const rgba = new Uint8Array(gh * gw * 4);
  for (let i = 0; i < gh * gw; i++) {
    const a = Math.min(1, Math.max(0, map[i] ?? 0));
    if (spotlight) rgba.set([0, 0, 0, Math.round((1 - a) * 0.85 * 255)], i * 4);
    else rgba.set([255, 120, 0, Math.round(a * 255)], i * 4);
  }
  return encodeRgbaPng(gw, gh, rgba);
}

function chipHtml(chip: TokenChip, tip: string, compact: boolean): string {
  const size = compact ? "min-width:26px;height:18px;font-size:10px" : "min-width:34px;height:22px;font-size:11px";
  return (
    `<span title="${escapeHtml(tip)}" style="display:inline-flex;${size};padding:0 3px;box-sizing:border-box;` +
    `justify-content:center;align-items:center;border-radius:4px;background:${chip.color};color:${chip.textColor};` +
    `font-family:ui-monospace,SFMono-Regular,Menlo,monospace">${chip.id}</span>`
  );
}

function emptySlotHtml(index: number, compact: boolean): string {
  const size = compact ? "min-width:26px;height:18px" : "min-width:34px;height:22px";
  return `<span title="token #${index}: withheld (prefix)" style="display:inline-block;${size};box-sizing:border-box;border:1px dashed currentColor;opacity:.3;border-radius:4px"></span>`;
}

function attentionGallery(payload: TokensPayload, id: string): string {
  const att = payload.attention!;
  const cell = 56;
  const gap = 6;
  const label = 12;
  const cols = Math.min(8, att.maps.length);
  const rows = Math.ceil(att.maps.length / cols);
  const width = cols * (cell + gap);
  const height = rows * (cell + gap + label);
  const src = payload.source;
  const defs = src
    ? `<defs><image id="${id}-src" href="${pngDataUrl(src.png)}" width="${cell}" height="${cell}" preserveAspectRatio="none"/></defs>`
    : "";
  const cells = att.maps
    .map((map, i) => {
      const x = (i % cols) * (cell + gap);
      const y = Math.floor(i / cols) * (cell + gap + label);
      const heat = pngDataUrl(toBase64(attentionPng(att.grid, map, src !== undefined)));
      const chip = payload.chips[i]!;
      const base = src
        ? `<use href="#${id}-src" x="${x}" y="${y + label}"/>`
        : `<rect x="${x}" y="${y + label}" width="${cell}" height="${cell}" fill="none" stroke="currentColor" stroke-opacity=".3"/>`;
      return (
        `<g><title>token #${i} · id ${chip.id} · looks most at ${peakCell(map, att.grid[1])}</title>` +
        `<rect x="${x}" y="${y + 2}" width="8" height="8" rx="2" fill="${chip.color}"/>` +
        `<text x="${x + 11}" y="${y + 10}" font-size="9" fill="currentColor">#${i}·${chip.id}</text>` +
        base +
        `<image href="${heat}" x="${x}" y="${y + label}" width="${cell}" height="${cell}" preserveAspectRatio="none"/></g>`
      );
    })
    .join("");
  return (
    `<details style="margin-top:4px"><summary style="cursor:pointer;${MUTED}">attention of each token over the image (Q-Former cross-attention, stretched per token: bright = most attended)</summary>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" style="margin-top:4px;color:inherit;font-family:ui-monospace,monospace">${defs}${cells}</svg></details>`
  );
}

/** The strip as HTML (also used inside comparisons and generations with `compact`). */
export function tokenStripHtml(input: TokenStripInput, opts: { compact?: boolean } = {}): string {
  const payload = tokensPayload(input);
  return tokenStripHtmlFromPayload(payload, opts.compact ?? false);
}

function tokenStripHtmlFromPayload(payload: TokensPayload, compact: boolean): string {
  const att = payload.attention;
  const chips = payload.chips.map((chip) => {
    const where = att?.maps[chip.index] ? ` · looks most at ${peakCell(att.maps[chip.index]!, att.grid[1])}` : "";
    const atlas = chip.atlas ? `\n${chipAtlasText(chip.id, chip.atlas, payload.atlasReferences ?? 0)}` : "";
    return chipHtml(chip, `token #${chip.index} · id ${chip.id}${where}${atlas}`, compact);
  });
  for (let i = payload.chips.length; i < payload.numTokens; i++) chips.push(emptySlotHtml(i, compact));
  const strip = `<div style="display:flex;flex-wrap:wrap;gap:2px;max-width:${compact ? 480 : 640}px">${chips.join("")}</div>`;
  if (compact || !att || att.maps.length === 0) return strip;
  const id = scopeId(payload.chips.map((c) => c.id).join(","), payload.source?.png.slice(0, 64) ?? "");
  return strip + attentionGallery(payload, id);
}

/** A plain-text strip: "Tokens[32] 417 3 88 ...". */
export function tokenStripText(input: TokenStripInput): string {
  const n = input.ids.length;
  const what = n < input.numTokens ? `prefix ${n} of ${input.numTokens}` : `${n}`;
  return `<Tokens ${what}${input.label ? ` "${input.label}"` : ""}: ${input.ids.join(" ")}>`;
}

/** The token strip bundle: vnd.seed.tokens+json, html, plain. */
export function tokenStripBundle(input: TokenStripInput): MimeBundle {
  const payload = tokensPayload(input);
  const given = payload.chips.length;
  const title =
    `${input.label ? `${input.label} · ` : ""}${given < payload.numTokens ? `first ${given} of ${payload.numTokens}` : `${given}`} visual tokens` +
    ` · codebook ${payload.codebookSize}` +
    (payload.attention ? " · hover a chip for its id" : "");
  const source = payload.source
    ? `<img src="${pngDataUrl(payload.source.png)}" width="44" height="44" alt="source" title="source image" style="border-radius:4px;flex:none">`
    : "";
  const body = `<div style="display:flex;gap:8px;align-items:flex-start">${source}<div>${tokenStripHtmlFromPayload(payload, false)}</div></div>`;
  return {
    [MIME.tokens]: payload,
    [MIME.html]: frame(title, body),
    [MIME.plain]: tokenStripText(input),
  };
}
