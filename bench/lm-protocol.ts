// The language-model timing protocol, shared by our runtime and raw onnxruntime (bench/python/torch_baseline.py
// follows the same steps). Ids are teacher-forced from the prompt (no sampling), so every implementation runs the
// same positions:
//   prefill64      fresh cache, one forward of ids[0:64]
//   decodeC        fresh cache, prefill ids[0:C-4], then one forward per id: the 4 steps whose total context is in
//                  (C-4, C] are the samples for context C (4 per round)
//   nocacheC       fresh (empty) cache, one forward of ids[0:C]: the cost of the next token at context C without a cache

import type { Samples } from "./stats";
import { measure, nowMs } from "./stats";
import type { Cell, ModelRow } from "./types";

export const DECODE_CONTEXTS = [32, 128, 256] as const;
export const DECODE_WINDOW = 4;
export const PREFILL_LEN = 64;

/** What the protocol needs from an implementation: a fresh cache and forward(ids appended to it). */
export interface LmDriver {
  /** Starts a new empty cache (disposing the previous one). */
  reset(): void;
  /** Appends ids to the cache and returns when the logits are ready. */
  forward(ids: readonly number[]): Promise<void>;
}

export async function runLmProtocol(lm: LmDriver, promptIds: readonly number[], reps: number): Promise<Partial<Record<ModelRow, Cell>>> {
  // A model with a shorter context than 256 (the tiny test package) runs the contexts it has; the rest say why not.
  const contexts = DECODE_CONTEXTS.filter((c) => c <= promptIds.length);
  const out: Partial<Record<ModelRow, Cell>> = {};
  for (const c of DECODE_CONTEXTS) {
    if (c > promptIds.length) {
      const why = `not measured: the model's context is ${promptIds.length} positions`;
      out[`lm.decode${c}` as ModelRow] = { skipped: why };
      out[`lm.nocache${c}` as ModelRow] = { skipped: why };
    }
  }
  if (contexts.length === 0 || promptIds.length < PREFILL_LEN) throw new Error(`LM benchmark needs at least ${PREFILL_LEN} prompt ids, got ${promptIds.length}`);

  out["lm.prefill64"] = {
    samples: await measure(async () => {
      lm.reset();
      await lm.forward(promptIds.slice(0, PREFILL_LEN));
    }, reps),
  };

  const byCtx = new Map<number, number[]>(contexts.map((c) => [c, []]));
  for (let r = 0; r < reps + 1; r++) {
    for (const c of contexts) {
      lm.reset();
      await lm.forward(promptIds.slice(0, c - DECODE_WINDOW));
      for (let pos = c - DECODE_WINDOW; pos < c; pos++) {
        const t0 = nowMs();
        await lm.forward([promptIds[pos] ?? 0]);
        if (r > 0) byCtx.get(c)?.push(nowMs() - t0); // the first round is the warm-up
      }
    }
  }
  for (const c of contexts) out[`lm.decode${c}` as ModelRow] = { samples: { ms: byCtx.get(c) ?? [], warmup: 1 } };

  for (const c of contexts) {
    const s: Samples = await measure(async () => {
      lm.reset();
      await lm.forward(promptIds.slice(0, c));
    }, reps);
    out[`lm.nocache${c}` as ModelRow] = { samples: s };
  }
  lm.reset();
  return out;
}
