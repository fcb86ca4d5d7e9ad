// Turns any value a cell produces into a MIME bundle (used by the kernel for execute results and by seed.display).
// Order: objects with a toMimeBundle() method are asked first; PNG bytes become image/png; everything else, strings
// included, is text/plain through util.inspect (the same text Node's REPL would print: 'hi' with quotes).

import { inspect } from "node:util";
import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";

/** Something that knows its own rich representation. */
export interface MimeRenderable {
  toMimeBundle(): MimeBundle;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` starts with the 8-byte PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 24) return false;
  return PNG_MAGIC.every((b, i) => bytes[i] === b);
}

/** Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (!isPng(bytes)) throw new Error("pngSize: expected PNG bytes (starting with the PNG signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function hasToMimeBundle(value: unknown): value is MimeRenderable {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { toMimeBundle?: unknown }).toMimeBundle === "function"
  );
}

/** Checks that a bundle is a non-empty record of string or object values, with text/plain present. */
function checkBundle(bundle: unknown, from: string): MimeBundle {
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle)) {
    throw new TypeError(`${from}.toMimeBundle() returned ${typeof bundle}; expected an object of MIME type -> data`);
  }
  const out: MimeBundle = {};
  for (const [key, data] of Object.entries(bundle)) {
    if (typeof data !== "string" && (typeof data !== "object" || data === null)) {
      throw new TypeError(`${from}.toMimeBundle(): "${key}" is ${typeof data}; expected a string or a JSON object`);
    }
    out[key] = data;
  }
  if (Object.keys(out).length === 0) throw new TypeError(`${from}.toMimeBundle() returned an empty bundle`);
  if (!(MIME.plain in out)) out[MIME.plain] = inspect(bundle, { depth: 1 });
  return out;
}

/** The MIME bundle for `value` (see the file header for the order of the rules). */
export function toMimeBundle(value: unknown): MimeBundle {
  if (hasToMimeBundle(value)) {
    const name = (value as object).constructor?.name ?? "value";
    return checkBundle(value.toMimeBundle(), name);
  }
  if (value instanceof Uint8Array && isPng(value)) {
    const { width, height } = pngSize(value);
    return {
      [MIME.png]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
      [MIME.plain]: `<PNG image ${width}x${height}>`,
    };
  }
  return { [MIME.plain]: inspect(value, { depth: 4, maxArrayLength: 64, maxStringLength: 2000 }) };
}
