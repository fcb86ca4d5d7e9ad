// Runs every implementation's operations interleaved: for each row, one warm-up per implementation (which is also
// where that stage's peak RSS is read), then repetition r runs each implementation once, in an order rotated by r,
// until the row's repetitions or its time budget (counted from the warm-ups) run out.
// The machine is shared and its load drifts over minutes; side-by-side repetitions keep that drift out of the ratios.

import type { Op, Ops } from "./lm-protocol";
import { nowMs } from "./stats";
import { IMPL_LABEL, type Impl, type MemoryCells, type ModelCells, type ModelRow } from "./types";

export interface PeakMeter {
  /** Starts a new peak-RSS window for the implementation's process. */
  reset(): Promise<void>;
  /** Peak RSS in bytes since the last reset. */
  read(): Promise<number>;
}

export interface ImplDriver {
  readonly impl: Impl;
  readonly ops: Ops;
  /** Why a row without an op was not measured (default: `missing`). */
  readonly skipped: Partial<Record<ModelRow, string>>;
  readonly missing: string;
  readonly peak: PeakMeter;
}

/** An implementation that could not start: every row says why. */
export function skippedDriver(impl: Impl, reason: string): ImplDriver {
  return { impl, ops: {}, skipped: {}, missing: reason, peak: { reset: async () => undefined, read: async () => 0 } };
}

/** Rows whose warm-up peak RSS goes into the memory table (one per stage). */
const MEMORY_ROWS: Partial<Record<ModelRow, string>> = {
  "tokenize.b1": "tokenize 1",
  "tokenize.b16": "tokenize 16",
  "decode.25": "decode 25 steps",
  "lm.nocache256": "LM, 256-token forward",
};

/** Rejects when p has not settled within ms (a hung implementation must not hang the benchmark). */
export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

const OP_DEADLINE_MS = 120_000;

/** Repetitions of a row: up to `max`, but stop adding them once `budgetMs` is spent (never fewer than `min`). */
export interface RepPlan {
  readonly max: number;
  readonly min: number;
  readonly budgetMs: number;
}

export async function runInterleaved(
  drivers: readonly ImplDriver[],
  rows: readonly ModelRow[],
  plan: (row: ModelRow) => RepPlan,
  mem: MemoryCells,
  log: (m: string) => void,
): Promise<Record<Impl, ModelCells>> {
  const out: Record<Impl, ModelCells> = { inproc: {}, worker: {}, raw: {}, torch: {} };
  for (const row of rows) {
    const active: { d: ImplDriver; op: Op; ms: number[] }[] = [];
    for (const d of drivers) {
      const op = d.ops[row];
      if (op) active.push({ d, op, ms: [] });
      else out[d.impl][row] = { skipped: d.skipped[row] ?? d.missing };
    }
    const failed = new Set<Impl>();
    const { max, min, budgetMs } = plan(row);
    log(`${row}: ${active.map((a) => a.d.impl).join(", ")}, up to ${max} repetitions or ${budgetMs / 1000} s`);
    const t0 = nowMs();
    for (const a of active) {
      try {
        await a.d.peak.reset();
        await withDeadline(a.op(), OP_DEADLINE_MS, `${a.d.impl} ${row}`); // warm-up
        const stage = MEMORY_ROWS[row];
        if (stage) mem[`${IMPL_LABEL[a.d.impl]}: ${stage}`] = await a.d.peak.read();
      } catch (e) {
        failed.add(a.d.impl);
        out[a.d.impl][row] = { skipped: `not measured: ${(e as Error).message.split("\n")[0]}` };
      }
    }
    const live = active.filter((a) => !failed.has(a.d.impl));
    for (let r = 0; r < max && (r < min || nowMs() - t0 < budgetMs); r++) {
      for (let k = 0; k < live.length; k++) {
        const a = live[(r + k) % live.length];
        if (a && !failed.has(a.d.impl)) {
          try {
            a.ms.push(...(await withDeadline(a.op(), OP_DEADLINE_MS, `${a.d.impl} ${row}`)));
          } catch (e) {
            failed.add(a.d.impl);
            out[a.d.impl][row] = {
              skipped: `not measured: failed at repetition ${r + 1}: ${(e as Error).message.split("\n")[0]}`,
            };
          }
        }
      }
    }
    for (const a of live) if (!failed.has(a.d.impl)) out[a.d.impl][row] = { samples: { ms: a.ms, warmup: 1 } };
  }
  return out;
}
