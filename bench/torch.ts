// Runs the PyTorch eager baseline (bench/python/torch_baseline.py, Debian's /usr/bin/python3) after the TypeScript
// side has written the shared inputs, and turns its JSON into cells. A failure of the script skips every torch row
// with the script's own error, never silently.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BenchSettings, Cell, MemoryCells, ModelCells, ModelRow } from "./types";
import { MODEL_ROWS, skipAll } from "./types";

export const PYTHON = "/usr/bin/python3";

export interface TorchRun {
  readonly cells: ModelCells;
  readonly versions: Record<string, string | number>;
  readonly parity: { ids16?: number[][]; prefill64_logits?: number[]; lm_checkpoint?: string };
}

interface TorchJson {
  versions: Record<string, string | number>;
  rows: Record<string, { ms: number[]; warmup: number } | { skipped: string }>;
  memory: Record<string, number>;
  parity: { ids16?: number[][]; prefill64_logits?: number[]; lm_checkpoint?: string };
}

export function torchRows(s: BenchSettings, lmRun: string, imageRuns: string, mem: MemoryCells): TorchRun {
  const script = join("bench", "python", "torch_baseline.py");
  if (!existsSync(PYTHON)) return { cells: skipAll(MODEL_ROWS, `not measured: ${PYTHON} not found`), versions: {}, parity: {} };
  const args = [script, "--work", s.workDir, "--threads", String(s.threads), "--reps-image", String(s.reps.image),
    "--reps-decode", String(s.reps.decode), "--reps-lm", String(s.reps.lm), "--lm-run", lmRun, "--image-runs", imageRuns];
  const r = spawnSync(PYTHON, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, OPENBLAS_NUM_THREADS: "1" } });
  if (r.status !== 0) {
    const tail = (r.stderr || String(r.error ?? "")).trim().split("\n").slice(-3).join(" | ");
    return { cells: skipAll(MODEL_ROWS, `not measured: torch baseline failed (exit ${r.status}): ${tail}`), versions: {}, parity: {} };
  }
  let out: TorchJson;
  try {
    out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as TorchJson;
  } catch (e) {
    return { cells: skipAll(MODEL_ROWS, `not measured: torch baseline printed no JSON (${(e as Error).message})`), versions: {}, parity: {} };
  }
  const cells: ModelCells = {};
  for (const row of MODEL_ROWS) {
    const v = out.rows[row];
    const cell: Cell = !v ? { skipped: "not measured: the torch baseline has no such row" } : "skipped" in v ? { skipped: v.skipped } : { samples: { ms: v.ms, warmup: v.warmup } };
    cells[row as ModelRow] = cell;
  }
  for (const [k, v] of Object.entries(out.memory)) mem[k] = v;
  return { cells, versions: out.versions, parity: out.parity };
}
