// The token sampler: pure, llama2.c style. Takes one row of logits and an injected seeded RNG; applies temperature,
// top-k and top-p (nucleus) filtering; returns the chosen id plus the top candidates of the temperature-scaled
// distribution (before filtering) with their probabilities, for plots. temperature 0 means greedy (argmax).

import { SeedError } from "./errors";
import type { Rng } from "./rng";

export interface SamplerOptions {
  /** 0 = greedy. */
  readonly temperature: number;
  /** Keep only the k most likely tokens; 0 = off. */
  readonly topK: number;
  /** Keep the smallest set whose probability reaches p; 1 = off. */
  readonly topP: number;
  /** How many candidates to return. */
  readonly candidates: number;
}

export interface SampledToken {
  readonly id: number;
  /** Best first; probabilities of the temperature-scaled softmax (T = 1 when greedy). */
  readonly candidates: readonly { readonly id: number; readonly prob: number }[];
}

export function checkSamplerOptions(o: SamplerOptions): void {
  if (!(o.temperature >= 0) || !Number.isFinite(o.temperature))
    throw new SeedError("input", `temperature must be a number >= 0 (0 = greedy), got ${o.temperature}`);
  if (!Number.isInteger(o.topK) || o.topK < 0)
    throw new SeedError("input", `topK must be an integer >= 0 (0 = off), got ${o.topK}`);
  if (!(o.topP > 0 && o.topP <= 1)) throw new SeedError("input", `topP must be in (0, 1] (1 = off), got ${o.topP}`);
  if (!Number.isInteger(o.candidates) || o.candidates < 0)
    throw new SeedError("input", `topCandidates must be an integer >= 0, got ${o.candidates}`);
}

/** Softmax of logits / temperature, in float64. */
export function softmax(logits: Float32Array, temperature = 1): Float64Array {
  const p = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, (logits[i] ?? 0) / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] ?? 0) / temperature - max);
    p[i] = e;
    sum += e;
  }
  for (let i = 0; i < p.length; i++) p[i] = (p[i] ?? 0) / sum;
  return p;
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topIndices(values: Float64Array, k: number): number[] {
  const n = Math.min(k, values.length);
  const top: number[] = [];
  if (n <= 0) return top;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (top.length === n && v <= (values[top[n - 1] ?? 0] ?? 0)) continue;
    let j = top.length < n ? top.length : n - 1;
    if (top.length < n) top.push(i);
    while (j > 0 && (values[top[j - 1] ?? 0] ?? 0) < v) {
      top[j] = top[j - 1] ?? 0;
      j--;
    }
    top[j] = i;
  }
  return top;
}

export function sampleToken(logits: Float32Array, opts: SamplerOptions, rng: Rng): SampledToken {
  if (logits.length === 0) throw new SeedError("input", "sampleToken: logits are empty");
  const greedy = opts.temperature === 0;
  const probs = softmax(logits, greedy ? 1 : opts.temperature);
  const candidates = topIndices(probs, opts.candidates).map((id) => ({ id, prob: probs[id] ?? 0 }));
  if (greedy) return { id: topIndices(probs, 1)[0] ?? 0, candidates };

  // Filtering: order by probability once, cut by top-k then top-p, and draw from what is left.
  const k = opts.topK > 0 ? Math.min(opts.topK, probs.length) : probs.length;
  const order = candidateOrder(probs, k, opts.topP);
  let keep = order.length;
  if (opts.topP < 1) {
    let cum = 0;
    for (let i = 0; i < order.length; i++) {
      cum += probs[order[i] ?? 0] ?? 0;
      if (cum >= opts.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  let mass = 0;
  for (let i = 0; i < keep; i++) mass += probs[order[i] ?? 0] ?? 0;
  let r = rng.uniform() * mass;
  let lastPossible = order[0] ?? 0;
  for (let i = 0; i < keep; i++) {
    const id = order[i] ?? 0;
    const p = probs[id] ?? 0;
    if (p > 0) lastPossible = id;
    r -= p;
    if (r < 0) return { id, candidates };
  }
  // Rounding left r >= 0: take the last kept token that can be drawn (a masked id, -Infinity logit, never).
  return { id: lastPossible, candidates };
}

/**
 * The k most likely ids, best first, or fewer when top-p needs fewer: the nucleus usually sits in the first few
 * dozen ids, so a partial selection of 64 is tried before sorting the whole vocabulary (exact either way).
 */
function candidateOrder(probs: Float64Array, k: number, topP: number): number[] {
  const PARTIAL = 64;
  if (k <= PARTIAL) return topIndices(probs, k);
  if (topP < 1) {
    const head = topIndices(probs, PARTIAL);
    let cum = 0;
    for (const id of head) cum += probs[id] ?? 0;
    if (cum >= topP) return head;
  }
  return sortedIndices(probs).slice(0, k);
}

function sortedIndices(p: Float64Array): number[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  idx.sort((a, b) => (p[b] ?? 0) - (p[a] ?? 0) || a - b);
  return idx;
}
