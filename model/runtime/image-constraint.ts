// The structure of SEED's image spans, enforced while sampling: `<img>` then exactly N image tokens then `</img>`.
// Inside an open span only image tokens may be drawn; after the N-th the span is closed with a forced `</img>`;
// outside a span neither an image token nor `</img>` is ever drawn (a code means nothing outside its span), and
// `<img>` only while the token budget still holds a whole span. When a drawing is required and the model is about
// to end (a stop id, or the budget just fits one more span) without having drawn, `<img>` is forced instead.
// Pure: the pipeline asks before each token and reports each chosen one.

import type { ImageSpanTokens } from "./image-spans";

/** What the next token may be: forced to one id, one of the image tokens, or text (no image token, nor `exclude`). */
export type TokenRule =
  | { readonly kind: "force"; readonly id: number }
  | { readonly kind: "image" }
  | { readonly kind: "text"; readonly exclude: readonly number[] };

export interface GuardOptions {
  /** The prompt ends with `<img>` (forceImage): the first generated token is inside a span. */
  readonly openAtStart: boolean;
  /** The answer must hold an image: `<img>` is forced where the model would end without one. */
  readonly requireImage: boolean;
}

export class ImageSpanGuard {
  #open: boolean;
  #codes = 0;
  #drawn: boolean;

  constructor(
    private readonly t: ImageSpanTokens,
    private readonly options: GuardOptions,
  ) {
    this.#open = options.openAtStart;
    this.#drawn = options.openAtStart;
  }

  /** True while an image span is open (between `<img>` and its `</img>`). */
  get inSpan(): boolean {
    return this.#open;
  }

  /** The rule for the next token; `remaining` counts the tokens left in the budget, this one included. */
  rule(remaining: number): TokenRule {
    const span = this.t.numTokens + 2;
    if (this.#open) return this.#codes >= this.t.numTokens ? { kind: "force", id: this.t.eoi } : { kind: "image" };
    if (this.mustDraw() && remaining === span) return { kind: "force", id: this.t.boi };
    return { kind: "text", exclude: remaining < span ? [this.t.eoi, this.t.boi] : [this.t.eoi] };
  }

  /**
   * The token to emit when the sampler chose `id` (`isStop`: a stop id): a stop before any drawing, when one is
   * required and a span still fits, becomes `<img>`. Returns the id and whether it was forced.
   */
  settle(id: number, isStop: boolean, remaining: number): { id: number; forced: boolean } {
    if (isStop && !this.#open && this.mustDraw() && remaining >= this.t.numTokens + 2)
      return { id: this.t.boi, forced: true };
    return { id, forced: false };
  }

  /** Records the token that was emitted. */
  accept(id: number): void {
    if (this.#open) {
      if (id === this.t.eoi) this.#open = false;
      else this.#codes++;
    } else if (id === this.t.boi) {
      this.#open = true;
      this.#drawn = true;
      this.#codes = 0;
    }
  }

  private mustDraw(): boolean {
    return this.options.requireImage && !this.#drawn;
  }
}

/**
 * `logits` with every id the rule forbids set to -Infinity (a copy; the input is untouched). A "force" rule is not
 * applied here: the caller emits the forced id.
 */
export function constrainLogits(logits: Float32Array, rule: TokenRule, t: ImageSpanTokens): Float32Array {
  if (rule.kind === "force") return logits;
  const out = Float32Array.from(logits);
  if (rule.kind === "image") {
    const lo = t.imageTokenOffset;
    const hi = Math.min(out.length, t.imageTokenOffset + t.codebookSize);
    out.fill(-Infinity, 0, lo);
    out.fill(-Infinity, hi);
    return out;
  }
  out.fill(-Infinity, t.imageTokenOffset, Math.min(out.length, t.imageTokenOffset + t.codebookSize));
  for (const id of rule.exclude) if (id >= 0 && id < out.length) out[id] = -Infinity;
  return out;
}
