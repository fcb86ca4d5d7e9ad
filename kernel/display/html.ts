// Small helpers for the self-contained text/html outputs: escaping, data: URLs, a scoped id per output, and the
// shared wrapper. Styles are inline (style="...") so the HTML survives sanitizers that drop <style>; colours use
// currentColor with opacity so the same markup reads in light and dark themes (JupyterLab, VS Code, GitHub).

import { createHash } from "node:crypto";

/** Escapes text for an HTML element body or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A data: URL for base64 PNG bytes. */
export function pngDataUrl(base64: string): string {
  return `data:image/png;base64,${base64}`;
}

/** A short id derived from content, for SVG ids that must be unique on a page holding many outputs. */
export function scopeId(...parts: string[]): string {
  const hash = createHash("sha1");
  for (const part of parts) hash.update(part).update("\0");
  return `seed-${hash.digest("hex").slice(0, 10)}`;
}

/** Inline style for secondary text: the foreground colour, dimmed. */
export const MUTED = "opacity:.7;font-size:12px";

/** Wraps a view in the common outer block (font, spacing; no colours of its own so the theme shows through). */
export function frame(title: string, body: string): string {
  return (
    `<div class="seed-output" style="font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.4;margin:4px 0">` +
    (title ? `<div style="${MUTED};margin-bottom:4px">${escapeHtml(title)}</div>` : "") +
    body +
    `</div>`
  );
}

/** An <img> of a base64 PNG, scaled to `displayWidth` CSS pixels (pixelated when upscaled a lot). */
export function imgTag(base64: string, width: number, height: number, displayWidth: number, alt: string): string {
  const displayHeight = Math.round((height / width) * displayWidth);
  const rendering = displayWidth >= width * 3 ? "pixelated" : "auto";
  return (
    `<img src="${pngDataUrl(base64)}" width="${displayWidth}" height="${displayHeight}" alt="${escapeHtml(alt)}" ` +
    `title="${escapeHtml(alt)} (${width}x${height})" style="image-rendering:${rendering};border-radius:4px;display:block">`
  );
}
