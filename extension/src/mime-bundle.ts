// Turns a Jupyter-style MIME bundle from the kernel (kernel/protocol/mime.ts: text types as strings, JSON types as
// objects, binary types base64-encoded) into the raw (mime, bytes) items a NotebookCellOutput holds, and an error
// into the shape of NotebookCellOutputItem.error. No vscode import: unit-tested under plain Node.
import type { MimeBundle } from "../../kernel/protocol/mime";
import type { ErrorInfo } from "../../kernel/protocol/rpc";

export interface RawOutputItem {
  mime: string;
  data: Uint8Array;
}

/** Types that Jupyter bundles carry base64-encoded (images other than SVG, PDFs, other binary types). */
export function isBase64Mime(mime: string): boolean {
  if (mime === "image/svg+xml") return false;
  return (
    mime.startsWith("image/") ||
    mime.startsWith("audio/") ||
    mime.startsWith("video/") ||
    mime === "application/pdf" ||
    mime === "application/octet-stream"
  );
}

export function isJsonMime(mime: string): boolean {
  return mime === "application/json" || mime.endsWith("+json");
}

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

/**
 * Converts one bundle to output items, in the bundle's key order. Throws, naming the MIME type, when a binary
 * type is not valid base64 or a value has a type the bundle format does not allow.
 */
export function bundleToItems(bundle: MimeBundle): RawOutputItem[] {
  const encoder = new TextEncoder();
  const items: RawOutputItem[] = [];
  for (const [mime, value] of Object.entries(bundle)) {
    if (isBase64Mime(mime)) {
      if (typeof value !== "string" || !BASE64.test(value)) {
        throw new Error(
          `Output of type ${mime} must be a base64 string, got ${typeof value === "string" ? "non-base64 text" : typeof value}.`,
        );
      }
      items.push({ mime, data: new Uint8Array(Buffer.from(value, "base64")) });
    } else if (typeof value === "string") {
      items.push({ mime, data: encoder.encode(value) });
    } else if (typeof value === "object" && value !== null && isJsonMime(mime)) {
      items.push({ mime, data: encoder.encode(JSON.stringify(value)) });
    } else {
      throw new Error(
        `Output of type ${mime} must be a string${isJsonMime(mime) ? " or a JSON object" : ""}, got ${value === null ? "null" : typeof value}.`,
      );
    }
  }
  if (items.length === 0)
    throw new Error("The kernel sent an output with an empty MIME bundle; expected at least text/plain.");
  return items;
}

/** The Error-like value NotebookCellOutputItem.error() takes, with the kernel's traceback as the stack. */
export function errorInfoToError(info: ErrorInfo): { name: string; message: string; stack: string } {
  const stack = info.traceback.length > 0 ? info.traceback.join("\n") : `${info.ename}: ${info.evalue}`;
  return { name: info.ename, message: info.evalue, stack };
}
