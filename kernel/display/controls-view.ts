// A view with live controls (application/vnd.seed.controls+json): the inner view's bundle (a filmstrip, a generation)
// wrapped with the controls, the values that produced it and the call that reproduces it ("copy as code").
// The VS Code renderer draws the sliders from the payload; text/html (Jupyter, saved notebooks, GitHub) shows the
// values, the call and the inner view, and says that the controls need a running kernel; image/png is the inner one.

import type { ControlsPayload } from "../protocol/controls";
import type { MimeBundle } from "../protocol/mime";
import { MIME, SEED_RENDERER_MIME_TYPES } from "../protocol/mime";
import { PAYLOAD_VERSION } from "../protocol/payloads";
import { escapeHtml, frame, MUTED } from "./html";

export interface ControlsInput extends Omit<ControlsPayload, "view" | "version"> {
  /** The inner view's bundle (its SEED payload, HTML, PNG and text). */
  inner: MimeBundle | undefined;
}

/** The SEED renderer type in `bundle` (the first one), if any. */
function seedMime(bundle: MimeBundle): string | undefined {
  return Object.keys(bundle).find((k) => SEED_RENDERER_MIME_TYPES.includes(k) && k !== MIME.controls);
}

/** One line: "steps 25 · guidance 3 · seed 0". */
export function valuesLine(input: Pick<ControlsPayload, "controls" | "values">): string {
  return input.controls.map((c) => `${c.label} ${input.values[c.name]}`).join(" · ");
}

function stateLine(input: ControlsInput): string {
  switch (input.state) {
    case "running":
      return "running…";
    case "preview":
      return `preview${input.previewNote ? ` (${input.previewNote})` : ""}, the full run follows`;
    case "error":
      return `failed: ${input.error ?? "unknown error"}`;
    case "done":
      return "";
  }
}

export function controlsPayload(input: ControlsInput): ControlsPayload {
  const { inner, ...rest } = input;
  const mime = inner && seedMime(inner);
  return { version: PAYLOAD_VERSION, ...rest, view: inner && mime ? { mime, data: inner[mime] } : null };
}

export function controlsHtml(input: ControlsInput): string {
  const state = stateLine(input);
  const innerHtml = input.inner?.[MIME.html];
  const body =
    `<div style="${MUTED}">${escapeHtml(valuesLine(input))}${state ? ` · ${escapeHtml(state)}` : ""}</div>` +
    `<pre class="seed-code" style="margin:4px 0;padding:4px 6px;border-radius:4px;background:rgba(127,127,127,.12);` +
    `white-space:pre-wrap;font-size:12px">${escapeHtml(input.code)}</pre>` +
    `<div style="${MUTED}">controls need a running kernel (VS Code: the sliders in this view; Jupyter: the widgets` +
    ` under it)</div>` +
    (typeof innerHtml === "string" ? innerHtml : "");
  return frame(input.title, body);
}

export function controlsText(input: ControlsInput): string {
  const state = stateLine(input);
  const inner = input.inner?.[MIME.plain];
  return [
    `${input.title}: ${valuesLine(input)}${state ? ` (${state})` : ""}`,
    input.code,
    ...(typeof inner === "string" ? [inner] : []),
  ].join("\n");
}

export function controlsBundle(input: ControlsInput): MimeBundle {
  const bundle: MimeBundle = {
    [MIME.controls]: controlsPayload(input),
    [MIME.html]: controlsHtml(input),
    [MIME.plain]: controlsText(input),
  };
  const png = input.inner?.[MIME.png];
  if (typeof png === "string") bundle[MIME.png] = png;
  return bundle;
}
