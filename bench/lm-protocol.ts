// The language-model timing protocol as operations, one repetition each, shared by our runtime and raw onnxruntime
// (bench/python/torch_baseline.py implements the same operations). Ids are teacher-forced from the prompt (no
// sampling), so every implementation runs the same positions:
//   lm.prefill64   fresh cache, one forward of ids[0:64]                                   -> 1 sample
//   lm.decodeC     fresh cache, prefill ids[0:C-4] (untimed), then one forward per id: the 4 steps whose total
//                  context is in (C-4, C]                                                   -> 4 samples
//   lm.nocacheC    fresh (empty) cache, one forward of ids[0:C]: the cost of the next token at context C without
//                  a cache                                                                  -> 1 sample

import { nowMs } from "./stats";
import type { ModelRow } from "./types";

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

/** One repetition of an operation; returns its timed samples in ms. */
export type Op = () => Promise<number[]>;
export type Ops = Partial<Record<ModelRow, Op>>;

async function timed(f: () => Promise<void>): Promise<number> {
  const t0 = nowMs();
  await f();
  return nowMs() - t0;
}

/** The LM operations for a model whose context holds promptIds.length positions; longer contexts get no op. */
export function lmOps(lm: LmDriver, promptIds: readonly number[]): Ops {
  if (promptIds.length < PREFILL_LEN)
    throw new Error(`LM benchmark needs at least ${PREFILL_LEN} prompt ids, got ${promptIds.length}`);
  const ops: Ops = {
    "lm.prefill64": async () => {
      lm.reset();
      return [await timed(() => lm.forward(promptIds.slice(0, PREFILL_LEN)))];
    },
  };
  for (const c of DECODE_CONTEXTS.filter((x) => x <= promptIds.length)) {
    ops[`lm.decode${c}` as ModelRow] = async () => {
      lm.reset();
      await lm.forward(promptIds.slice(0, c - DECODE_WINDOW));
      const ms: number[] = [];
      for (let pos = c - DECODE_WINDOW; pos < c; pos++) ms.push(await timed(() => lm.forward([promptIds[pos] ?? 0])));
      return ms;
    };
    ops[`lm.nocache${c}` as ModelRow] = async () => {
      lm.reset();
      return [await timed(() => lm.forward(promptIds.slice(0, c)))];
    };
  }
  return ops;
}

/** Why an LM row has no op for a model with this context (or undefined when it has one). */
export function lmSkipReason(row: ModelRow, contextLength: number): string | undefined {
  const m = /^lm\.(?:decode|nocache)(\d+)$/.exec(row);
  if (m && Number(m[1]) > contextLength) return `not measured: the model's context is ${contextLength} positions`;
  return undefined;
}
