// An image as the display builders take it (PNG bytes + label) and its payload form (base64 PNG + size + label).
// Shared by every view that shows images (image-view, token-strip, filmstrip, generation-view); it imports no view,
// so that the views can import each other in one direction only (image-view draws a token strip under a comparison).

import type { ImagePayload } from "../protocol/payloads";
import { pngSize } from "./to-mime-bundle";

/** An image as the display builders take it. */
export interface ImageInput {
  /** PNG bytes. */
  png: Uint8Array;
  label?: string;
}

/** The payload form of an image (base64 PNG + size + label). */
export function imagePayload(image: ImageInput): ImagePayload {
  const { width, height } = pngSize(image.png);
  const payload: ImagePayload = { png: toBase64(image.png), width, height };
  if (image.label !== undefined) payload.label = image.label;
  return payload;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
