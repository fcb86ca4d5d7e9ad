// Splits a generated text (image tokens kept, as the runtime decodes it) into text pieces and image-token spans,
// so the live view can show text as it streams and fill a token strip between <img> and </img>. SEED's token
// spelling: <img>, <img_00042> (code 42), </img>.

export type AnswerPart = { kind: "text"; text: string } | { kind: "tokens"; ids: number[]; complete: boolean };

const SPAN = /<img>\s*((?:<img_\d+>\s*)*)(<\/img>)?/g;
const CODE = /<img_(\d+)>/g;

/** The parts of `text` in order; an unclosed last span is incomplete (still streaming). */
export function splitAnswer(text: string): AnswerPart[] {
  const parts: AnswerPart[] = [];
  let at = 0;
  for (const m of text.matchAll(SPAN)) {
    if (m.index! > at) parts.push({ kind: "text", text: text.slice(at, m.index) });
    const ids = [...(m[1] ?? "").matchAll(CODE)].map((c) => Number(c[1]));
    parts.push({ kind: "tokens", ids, complete: m[2] !== undefined });
    at = m.index! + m[0].length;
  }
  if (at < text.length) parts.push({ kind: "text", text: text.slice(at) });
  return parts;
}

/** The code of an image token's text ("<img_00042>" -> 42), else undefined. */
export function imageCode(token: string): number | undefined {
  const m = /^<img_(\d+)>$/.exec(token.trim());
  return m ? Number(m[1]) : undefined;
}

/** The answer's text with each image span replaced by "<image>". */
export function plainAnswer(text: string): string {
  return splitAnswer(text)
    .map((p) => (p.kind === "text" ? p.text : "<image>"))
    .join("");
}

/** SEED's spelling of image codes as text: "<img><img_00001>...</img>". */
export function imageTokensText(codes: readonly number[]): string {
  return `<img>${codes.map((c) => `<img_${String(c).padStart(5, "0")}>`).join("")}</img>`;
}
