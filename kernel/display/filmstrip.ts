// The denoising filmstrip: the predicted clean image at successive steps of the diffusion decoder, left to right,
// ending at the final image. Also used live (done: false) while a decode runs, updated in place.

import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";
import type { FilmstripFrame, FilmstripPayload } from "../protocol/payloads";
import { PAYLOAD_VERSION } from "../protocol/payloads";
import { escapeHtml, frame, imgTag, MUTED } from "./html";
import { type ImageInput, imagePayload } from "./image-payload";

/** One frame as the builder takes it. */
export interface FrameInput {
  step: number;
  timestep: number;
  image: ImageInput;
}

export interface FilmstripInput {
  frames: readonly FrameInput[];
  totalSteps: number;
  done: boolean;
  /** The run ended early (the view is final, its frames are those made before it stopped). */
  stopped?: "interrupted" | "error";
  caption?: string;
  /** Keep at most this many frames (evenly spaced, always the last one). Default 10. */
  maxFrames?: number;
}

/** Evenly spaced indices 0..count-1, at most `max` of them, always including the last. */
export function pickEvenly(count: number, max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  if (max === 1) return [count - 1];
  const picked = new Set<number>();
  for (let j = 0; j < max; j++) picked.add(Math.round((j * (count - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b);
}

export function filmstripPayload(input: FilmstripInput): FilmstripPayload {
  const keep = pickEvenly(input.frames.length, input.maxFrames ?? 10);
  const frames: FilmstripFrame[] = keep.map((i) => {
    const f = input.frames[i]!;
    return { step: f.step, timestep: f.timestep, image: imagePayload(f.image) };
  });
  const payload: FilmstripPayload = {
    version: PAYLOAD_VERSION,
    frames,
    totalSteps: input.totalSteps,
    done: input.done || input.stopped !== undefined,
  };
  if (input.stopped) payload.stopped = input.stopped;
  if (input.caption !== undefined) payload.caption = input.caption;
  return payload;
}

/** Filmstrip bundle: vnd.seed.filmstrip+json, html, png (the latest frame), plain. */
export function filmstripBundle(input: FilmstripInput): MimeBundle {
  const payload = filmstripPayload(input);
  const last = payload.frames[payload.frames.length - 1];
  const progress = payload.stopped
    ? `denoising ${payload.stopped === "error" ? "failed" : "interrupted"} after step ${last?.step ?? 0} of ${payload.totalSteps}`
    : payload.done
      ? payload.caption
        ? "denoising"
        : `denoising, ${payload.totalSteps} steps`
      : `denoising… step ${last?.step ?? 0} of ${payload.totalSteps}`;
  const title = `${progress}${payload.caption ? ` · ${payload.caption}` : ""}`;
  const cells = payload.frames
    .map((f) => {
      const isLast = f === last;
      const final = isLast && payload.done && !payload.stopped;
      const w = final ? 128 : 64;
      return (
        `<figure style="margin:0;display:inline-block;vertical-align:bottom">${imgTag(f.image.png, f.image.width, f.image.height, w, `step ${f.step}`)}` +
        `<div style="${MUTED};text-align:center">step ${f.step}${final ? " (final)" : ""}</div></figure>`
      );
    })
    .join(`<span style="${MUTED};align-self:center">→</span>`);
  const body = payload.frames.length
    ? `<div style="display:flex;flex-wrap:wrap;gap:4px;align-items:flex-end">${cells}</div>`
    : `<div style="${MUTED}">${escapeHtml(payload.stopped ? "no step finished" : "waiting for the first step…")}</div>`;
  const bundle: MimeBundle = {
    [MIME.filmstrip]: payload,
    [MIME.html]: frame(title, body),
    [MIME.plain]: `<Filmstrip ${payload.frames.length} frames, ${payload.stopped ?? (payload.done ? "done" : "running")}: steps ${payload.frames.map((f) => f.step).join(", ")} of ${payload.totalSteps}>`,
  };
  if (last) bundle[MIME.png] = last.image.png;
  return bundle;
}
