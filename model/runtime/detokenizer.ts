// The detokenizer component (detokenizer.onnx): N code ids (+ optional token mask) -> one generation embedding.
// Real SEED: get_codebook_entry -> the 1024-d unCLIP image embedding.

import { SeedError } from "./errors";
import { type ComponentSession, feedFloat, int64Tensor, outputFloat, runSession } from "./sessions";
import type { FloatTensor } from "./types";

export class Detokenizer {
  /** Prefix decoding is allowed: the manifest says so and the graph takes token_mask. */
  readonly hasTokenMask: boolean;
  /** The graph takes token_mask (fed all ones when no prefix is asked for). */
  private readonly graphTakesMask: boolean;

  constructor(
    private readonly c: ComponentSession,
    private readonly numTokens: number,
    private readonly codebookSize: number,
    supportsTokenMask: boolean,
  ) {
    this.graphTakesMask = c.session.inputNames.includes("token_mask");
    if (supportsTokenMask && !this.graphTakesMask) {
      throw new SeedError(
        "manifest",
        `seed.json: detokenizer.supports_token_mask is true, but ${c.spec.file} has no "token_mask" input`,
      );
    }
    this.hasTokenMask = supportsTokenMask;
  }

  /**
   * codes: N ids in [0, K). prefix k: only the first k tokens are given (token_mask 1 for n < k, 0 after);
   * needs a package whose detokenizer takes token_mask. Returns [1, E].
   */
  async embed(codes: readonly number[], prefix?: number): Promise<FloatTensor> {
    checkCodes(codes, this.numTokens, this.codebookSize);
    const N = this.numTokens;
    const feeds: Record<string, ReturnType<typeof int64Tensor>> = { ids: int64Tensor(codes, [1, N]) };
    if (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 1 || prefix > N)) {
      throw new SeedError("input", `prefix must be an integer in [1, ${N}], got ${prefix}`);
    }
    if (prefix !== undefined && prefix !== N && !this.hasTokenMask) {
      throw new SeedError(
        "input",
        `prefix decoding (first ${prefix} of ${N} tokens) needs detokenizer.supports_token_mask; this package does not support it`,
      );
    }
    if (this.graphTakesMask) {
      const mask = new Float32Array(N); // [1, N]
      mask.fill(1, 0, prefix ?? N);
      feeds.token_mask = feedFloat(this.c, "token_mask", mask, [1, N]);
    }
    return outputFloat(this.c, await runSession(this.c, feeds), "generation_embedding");
  }
}

/** Validates an image's code list: exactly N integers in [0, K). */
export function checkCodes(codes: readonly number[], numTokens: number, codebookSize: number): void {
  if (!Array.isArray(codes) || codes.length !== numTokens) {
    throw new SeedError(
      "input",
      `an image needs exactly ${numTokens} codes, got ${Array.isArray(codes) ? codes.length : typeof codes}`,
    );
  }
  const bad = codes.map((c, i) => ({ c, i })).filter(({ c }) => !Number.isInteger(c) || c < 0 || c >= codebookSize);
  if (bad.length > 0) {
    const shown = bad
      .slice(0, 5)
      .map(({ c, i }) => `[${i}]=${c}`)
      .join(", ");
    throw new SeedError(
      "input",
      `image codes must be integers in [0, ${codebookSize}); ${bad.length} are not: ${shown}${bad.length > 5 ? ", ..." : ""}`,
    );
  }
}
