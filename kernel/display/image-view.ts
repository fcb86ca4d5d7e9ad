// Image outputs: a single image, and several side by side (original vs reconstruction, variants). Pure functions
// from PNG bytes to MIME bundles: application/vnd.seed.image+json / comparison+json, text/html, image/png, text/plain.

import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";
import type { ComparisonPayload, ImagePayload, ImageViewPayload } from "../protocol/payloads";
import { PAYLOAD_VERSION } from "../protocol/payloads";
import { escapeHtml, frame, imgTag, MUTED } from "./html";
import { type ImageInput, imagePayload } from "./image-payload";
import type { TokenStripInput } from "./token-strip";
import { tokenStripHtml, tokensPayload } from "./token-strip";

/** Display width in CSS pixels: small model images are upscaled so they can be seen, large ones capped. */
export function displayWidth(width: number, target = 160): number {
  return width >= target ? Math.min(width, 320) : target;
}

/** A labelled image figure in HTML. */
export function figureHtml(image: ImagePayload, width = displayWidth(image.width)): string {
  const caption = image.label
    ? `<div style="${MUTED};text-align:center;margin-top:2px;max-width:${width}px;overflow-wrap:anywhere">${escapeHtml(image.label)}</div>`
    : "";
  return `<figure style="margin:0;display:inline-block;vertical-align:top">${imgTag(image.png, image.width, image.height, width, image.label ?? "image")}${caption}</figure>`;
}

/** One image: vnd.seed.image+json, html, png, plain. */
export function imageBundle(image: ImageInput): MimeBundle {
  const payload: ImageViewPayload = { version: PAYLOAD_VERSION, image: imagePayload(image) };
  const p = payload.image;
  return {
    [MIME.image]: payload,
    [MIME.html]: frame("", figureHtml(p)),
    [MIME.png]: p.png,
    [MIME.plain]: `<SeedImage ${p.label ? `"${p.label}" ` : ""}${p.width}x${p.height}>`,
  };
}

/** Options of a comparison view. */
export interface ComparisonInput {
  images: ImageInput[];
  caption?: string;
  /** The tokens behind the last image (a reconstruction), drawn as a strip under the images. */
  tokens?: TokenStripInput;
}

/** Images side by side: vnd.seed.comparison+json, html, png (the last image, the result), plain. */
export function comparisonBundle(input: ComparisonInput): MimeBundle {
  if (input.images.length === 0) throw new RangeError("comparisonBundle: expected at least one image");
  const images = input.images.map(imagePayload);
  const payload: ComparisonPayload = { version: PAYLOAD_VERSION, images };
  if (input.caption !== undefined) payload.caption = input.caption;
  if (input.tokens !== undefined) payload.tokens = tokensPayload(input.tokens);
  const width = Math.max(...images.map((i) => displayWidth(i.width, images.length > 4 ? 96 : 160)));
  const row = `<div style="display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start">${images.map((i) => figureHtml(i, width)).join("")}</div>`;
  const strip = input.tokens
    ? `<div style="margin-top:6px">${tokenStripHtml(input.tokens, { compact: true })}</div>`
    : "";
  const last = images[images.length - 1]!;
  return {
    [MIME.comparison]: payload,
    [MIME.html]: frame(input.caption ?? "", row + strip),
    [MIME.png]: last.png,
    [MIME.plain]: `<Comparison ${images.map((i) => `"${i.label ?? "image"}" ${i.width}x${i.height}`).join(" | ")}${input.caption ? ` (${input.caption})` : ""}>`,
  };
}
