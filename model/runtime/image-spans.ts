// Finds every image span `<img> c_1 ... c_N </img>` in generated ids (as SEED-LLaMA's Flask backend,
// handles every BOI/EOI pair and rejects spans with a count other than N or ids outside the codebook). Each span
// is returned with its codes when valid, or a reason when not; nothing is repaired silently.

import type { ImageSpan } from "./types";

/** The ids that make an image span: `<img>`, `</img>`, the codebook's token range, and N codes per image. */
export interface ImageSpanTokens {
  readonly boi: number;
  readonly eoi: number;
  readonly imageTokenOffset: number;
  readonly codebookSize: number;
  readonly numTokens: number;
}

type CodeRange = Pick<ImageSpanTokens, "imageTokenOffset" | "codebookSize">;

/** True when `id` is an image token (one of the codebook's ids). */
export function isImageToken(id: number, t: CodeRange): boolean {
  return id >= t.imageTokenOffset && id < t.imageTokenOffset + t.codebookSize;
}

/** Every image token id, in code order. */
export function imageTokenIds(t: CodeRange): number[] {
  return Array.from({ length: t.codebookSize }, (_, i) => t.imageTokenOffset + i);
}

export function extractImageSpans(ids: readonly number[], s: ImageSpanTokens): ImageSpan[] {
  const spans: ImageSpan[] = [];
  let start = -1;
  const close = (end: number, closed: boolean, reason?: string): void => {
    const inner = ids.slice(start + 1, closed ? end - 1 : end);
    const nonImage = inner.filter((id) => !isImageToken(id, s));
    let why = reason;
    if (!why && nonImage.length > 0)
      why = `${nonImage.length} id(s) inside the span are not image tokens (first: ${nonImage[0]})`;
    if (!why && inner.length !== s.numTokens)
      why = `the span holds ${inner.length} image tokens, expected exactly ${s.numTokens}`;
    spans.push(
      why === undefined
        ? { start, end, codes: inner.map((id) => id - s.imageTokenOffset), valid: true }
        : { start, end, codes: null, valid: false, reason: why },
    );
    start = -1;
  };
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === s.boi) {
      if (start >= 0) close(i, false, `a new <img> began at ${i} before this span was closed`);
      start = i;
    } else if (id === s.eoi) {
      if (start >= 0) close(i + 1, true);
      else
        spans.push({
          start: i,
          end: i + 1,
          codes: null,
          valid: false,
          reason: `</img> at ${i} without a preceding <img>`,
        });
    }
  }
  if (start >= 0) close(ids.length, false, "the span is not closed by </img> (generation stopped inside an image)");
  return spans;
}
