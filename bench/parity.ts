// Same-weights check between our runtime and the PyTorch baseline: a speed ratio only means something when both
// sides ran the same model. Compares the 16 images' codes and the 64-token prefill logits, and says how well they
// agree (or that torch did not run).

export interface OurReference {
  readonly ids16: readonly (readonly number[])[]; // [16][N]
  readonly logits?: Float32Array; // [V], last position of the 64-token prefill
}

export interface TorchParity {
  readonly ids16?: readonly (readonly number[])[];
  readonly prefill64_logits?: readonly number[];
}

/** Codes equal / total, comparing image by image and token by token. */
export function codeAgreement(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
): { equal: number; total: number } {
  if (a.length !== b.length) throw new Error(`code lists differ in batch size: ${a.length} vs ${b.length}`);
  let equal = 0;
  let total = 0;
  a.forEach((row, i) => {
    const other = b[i] ?? [];
    if (row.length !== other.length) throw new Error(`image ${i}: ${row.length} codes vs ${other.length}`);
    row.forEach((c, j) => {
      total++;
      if (c === other[j]) equal++;
    });
  });
  return { equal, total };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`vectors differ in length: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

/** Below this share of equal codes, or above this logit difference, the two sides ran different weights. */
export const MIN_CODE_AGREEMENT = 0.9;
export const MAX_LOGIT_DIFF = 1e-3;

export function parityNotes(ours: OurReference, torch: TorchParity): string[] {
  const notes: string[] = [];
  if (torch.ids16) {
    const { equal, total } = codeAgreement(ours.ids16, torch.ids16);
    const verdict =
      equal / total < MIN_CODE_AGREEMENT
        ? " **The weights differ: the torch checkpoints are not the ones the package was exported from, so the torch image ratios compare different models** (same architecture, so the cost is still comparable)."
        : equal === total
          ? ""
          : " (codes near a Voronoi boundary can flip with float rounding).";
    notes.push(
      `Same weights check, visual tokenizer: ${equal}/${total} codes of the 16 images equal between our runtime and PyTorch.${verdict}`,
    );
  } else {
    notes.push("Same weights check, visual tokenizer: not done (the torch image rows did not run).");
  }
  if (torch.prefill64_logits && ours.logits) {
    const d = maxAbsDiff(ours.logits, torch.prefill64_logits);
    const verdict =
      d > MAX_LOGIT_DIFF
        ? ". **The weights differ: the torch LM checkpoint is not the exported one.**"
        : " (both sides run the fp16-rounded weights the package stores).";
    notes.push(
      `Same weights check, LM: max |logit difference| after the 64-token prefill = ${d.toExponential(2)}${verdict}`,
    );
  } else {
    notes.push("Same weights check, LM: not done (the torch LM rows or our LM did not run).");
  }
  return notes;
}
