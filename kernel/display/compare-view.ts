// Comparison views. Decodes: two (or more) denoising runs over the same steps, one filmstrip per row, aligned column
// by column on the step, with the mean pixel difference between the rows per step. Tokens: two sequences aligned
// position by position, the positions that differ outlined, and for each of them the decode of A with B's code there
// (how much that one position changes the picture).

import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";
import type {
  DecodeComparisonPayload,
  FilmstripFrame,
  TokenComparisonPayload,
  TokenSwapPayload,
} from "../protocol/payloads";
import { PAYLOAD_VERSION } from "../protocol/payloads";
import type { FrameInput } from "./filmstrip";
import { pickEvenly } from "./filmstrip";
import { escapeHtml, frame, imgTag, MUTED } from "./html";
import type { ImageInput } from "./image-payload";
import { imagePayload } from "./image-payload";
import type { TokenStripInput } from "./token-strip";
import { tokensPayload } from "./token-strip";

export interface DecodeComparisonInput {
  rows: { label: string; frames: readonly FrameInput[] }[];
  totalSteps: number;
  caption?: string;
  /** Per frame index (all rows), the mean absolute pixel difference between the first two rows. */
  differences?: readonly number[];
  /** Columns kept (evenly spaced, always the last). Default 8. */
  maxFrames?: number;
}

export function decodeComparisonPayload(input: DecodeComparisonInput): DecodeComparisonPayload {
  const n = Math.min(...input.rows.map((r) => r.frames.length));
  const keep = pickEvenly(n, input.maxFrames ?? 8);
  const payload: DecodeComparisonPayload = {
    version: PAYLOAD_VERSION,
    rows: input.rows.map((r) => ({
      label: r.label,
      frames: keep.map((i): FilmstripFrame => {
        const f = r.frames[i]!;
        return { step: f.step, timestep: f.timestep, image: imagePayload(f.image) };
      }),
    })),
    totalSteps: input.totalSteps,
  };
  if (input.caption !== undefined) payload.caption = input.caption;
  if (input.differences) payload.differences = keep.map((i) => round1(input.differences![i] ?? 0));
  return payload;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export function decodeComparisonBundle(input: DecodeComparisonInput): MimeBundle {
  const p = decodeComparisonPayload(input);
  const steps = p.rows[0]?.frames.map((f) => f.step) ?? [];
  const cell = (content: string, extra = "") => `<td style="padding:2px;text-align:center;${extra}">${content}</td>`;
  const head = `<tr>${cell("")}${steps.map((s) => cell(`<span style="${MUTED}">step ${s}</span>`)).join("")}</tr>`;
  const rows = p.rows
    .map(
      (r) =>
        `<tr>${cell(escapeHtml(r.label), "text-align:right;white-space:nowrap")}${r.frames
          .map((f) => cell(imgTag(f.image.png, f.image.width, f.image.height, 64, `${r.label}, step ${f.step}`)))
          .join("")}</tr>`,
    )
    .join("");
  const diff = p.differences
    ? `<tr>${cell(`<span style="${MUTED}">difference</span>`, "text-align:right")}${p.differences
        .map((d) => cell(`<span style="${MUTED}" title="mean absolute pixel difference (0..255)">${d}</span>`))
        .join("")}</tr>`
    : "";
  const title = `${p.rows.map((r) => r.label).join(" vs ")} · ${p.totalSteps} steps${p.caption ? ` · ${p.caption}` : ""}`;
  const last = p.rows.map((r) => r.frames[r.frames.length - 1]).filter((f) => f !== undefined);
  const bundle: MimeBundle = {
    [MIME.decodeComparison]: p,
    [MIME.html]: frame(title, `<table style="border-collapse:collapse">${head}${rows}${diff}</table>`),
    [MIME.plain]: `<DecodeComparison ${p.rows.map((r) => `"${r.label}"`).join(" vs ")}: steps ${steps.join(", ")} of ${p.totalSteps}${p.differences ? `; difference ${p.differences.join(", ")}` : ""}>`,
  };
  if (last[0]) bundle[MIME.png] = last[0].image.png;
  return bundle;
}

export interface TokenComparisonInput {
  a: TokenStripInput;
  b: TokenStripInput;
  decodedA?: ImageInput;
  decodedB?: ImageInput;
  swaps: { position: number; from: number; to: number; image: ImageInput; change: number }[];
  caption?: string;
}

export function tokenComparisonPayload(input: TokenComparisonInput): TokenComparisonPayload {
  const a = tokensPayload(input.a);
  const b = tokensPayload(input.b);
  const differ = a.chips.flatMap((c, i) => (b.chips[i] && b.chips[i]!.id !== c.id ? [i] : []));
  const payload: TokenComparisonPayload = {
    version: PAYLOAD_VERSION,
    a,
    b,
    differ,
    swaps: input.swaps.map(
      (s): TokenSwapPayload => ({
        position: s.position,
        from: s.from,
        to: s.to,
        image: imagePayload(s.image),
        change: round1(s.change),
      }),
    ),
  };
  if (input.decodedA) payload.decodedA = imagePayload(input.decodedA);
  if (input.decodedB) payload.decodedB = imagePayload(input.decodedB);
  if (input.caption !== undefined) payload.caption = input.caption;
  return payload;
}

function alignedChipsHtml(p: TokenComparisonPayload): string {
  const differ = new Set(p.differ);
  const col = (i: number) => {
    const chip = (c: { id: number; color: string; textColor: string } | undefined, side: string) =>
      c
        ? `<div title="${side} #${i}: code ${c.id}" style="min-width:28px;height:18px;border-radius:4px;font:10px ui-monospace,monospace;display:flex;align-items:center;justify-content:center;background:${c.color};color:${c.textColor}">${c.id}</div>`
        : "";
    const outline = differ.has(i) ? "outline:2px solid currentColor;" : "opacity:.45;";
    return `<div style="display:flex;flex-direction:column;gap:2px;border-radius:4px;padding:1px;${outline}"><div style="${MUTED};font-size:9px;text-align:center">#${i}</div>${chip(p.a.chips[i], "A")}${chip(p.b.chips[i], "B")}</div>`;
  };
  return `<div style="display:flex;flex-wrap:wrap;gap:3px;max-width:900px">${p.a.chips.map((_, i) => col(i)).join("")}</div>`;
}

export function tokenComparisonBundle(input: TokenComparisonInput): MimeBundle {
  const p = tokenComparisonPayload(input);
  const fig = (img: { png: string; width: number; height: number; label?: string }, label: string, w = 96) =>
    `<figure style="margin:0;display:inline-block;vertical-align:top">${imgTag(img.png, img.width, img.height, w, label)}<div style="${MUTED};text-align:center;max-width:${w}px">${escapeHtml(label)}</div></figure>`;
  const ends = [
    p.decodedA ? fig(p.decodedA, `A: ${p.a.label ?? "a"}`) : "",
    p.decodedB ? fig(p.decodedB, `B: ${p.b.label ?? "b"}`) : "",
  ].join("");
  const maxChange = Math.max(1, ...p.swaps.map((s) => s.change));
  const swaps = p.swaps
    .map((s) => {
      const bar = `<div style="height:4px;width:${Math.round((s.change / maxChange) * 64)}px;background:currentColor;opacity:.6;margin:1px auto 0 0"></div>`;
      return `<figure style="margin:0;display:inline-block;vertical-align:top" title="A with B's code ${s.to} at #${s.position} (A has ${s.from}): mean pixel change ${s.change}">${imgTag(s.image.png, s.image.width, s.image.height, 64, `#${s.position}`)}<div style="${MUTED};font-size:10px">#${s.position}: ${s.from}→${s.to} · ${s.change}</div>${bar}</figure>`;
    })
    .join("");
  const title = `A vs B · ${p.differ.length} of ${p.a.chips.length} positions differ${p.caption ? ` · ${p.caption}` : ""}`;
  const body =
    alignedChipsHtml(p) +
    (ends ? `<div style="display:flex;gap:8px;margin-top:6px">${ends}</div>` : "") +
    (p.swaps.length
      ? `<div style="${MUTED};margin-top:6px">each differing position swapped alone: A's tokens with B's code there, decoded (number: mean pixel change from A's decode, 0..255)</div><div style="display:flex;flex-wrap:wrap;gap:6px">${swaps}</div>`
      : "");
  const bundle: MimeBundle = {
    [MIME.tokenComparison]: p,
    [MIME.html]: frame(title, body),
    [MIME.plain]: `<TokenComparison ${p.differ.length} of ${p.a.chips.length} positions differ: ${p.differ.join(", ")}${p.swaps.length ? `; swap change ${p.swaps.map((s) => `#${s.position}=${s.change}`).join(" ")}` : ""}>`,
  };
  return bundle;
}
