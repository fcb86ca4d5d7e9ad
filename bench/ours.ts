// Our runtime's rows: SeedModel in-process and the same package through openModelWorker (the kernel's path), each
// stage under its own peak-RSS window. The LM rows use SeedModel.languageModel.forward with its KvCache (the
// runtime's own forward, which the generate pipeline calls once per token).

import { existsSync } from "node:fs";
import { join } from "node:path";
import { openModelWorker, type SeedModel, type SeedRuntime } from "../model/runtime";
import type { KvCache } from "../model/runtime/kv-cache";
import type { BenchInputs } from "./inputs";
import { runLmProtocol, type LmDriver } from "./lm-protocol";
import { stagePeak } from "./memory";
import { measure, nowMs } from "./stats";
import type { BenchSettings, MemoryCells, ModelCells } from "./types";

const DECODE_STEPS = 25;

/** tokenize 1 and 16, decode 25 steps with the package's guidance scale, through any SeedRuntime. */
async function imageRows(rt: SeedRuntime, inputs: BenchInputs, s: BenchSettings, mem: MemoryCells, tag: string): Promise<ModelCells> {
  const out: ModelCells = {};
  const guidanceScale = rt.info.decodeDefaults.guidanceScale;
  const first = inputs.images.slice(0, 1);
  const t1 = await stagePeak(() => measure(() => rt.tokenize(first), s.reps.image));
  out["tokenize.b1"] = { samples: t1.value };
  mem[`${tag} tokenize 1`] = t1.peakBytes;
  const t16 = await stagePeak(() => measure(() => rt.tokenize(inputs.images), s.reps.image));
  out["tokenize.b16"] = { samples: t16.value };
  mem[`${tag} tokenize 16`] = t16.peakBytes;
  const d = await stagePeak(() => measure(() => rt.decode(inputs.codes, { steps: DECODE_STEPS, guidanceScale, seed: 0 }), s.reps.decode));
  out["decode.25"] = { samples: d.value };
  mem[`${tag} decode 25 steps`] = d.peakBytes;
  return out;
}

export async function inProcessRows(model: SeedModel, inputs: BenchInputs, s: BenchSettings, mem: MemoryCells): Promise<ModelCells> {
  const out = await imageRows(model, inputs, s, mem, "in-process");
  const lm = model.languageModel;
  if (!lm) return { ...out, ...lmSkipped("the package has no language model") };
  let cache: KvCache | undefined;
  const driver: LmDriver = {
    reset() {
      cache?.dispose();
      cache = lm.newCache();
    },
    async forward(ids) {
      if (!cache) throw new Error("LM driver: forward before reset");
      await lm.forward(ids, cache);
    },
  };
  const r = await stagePeak(() => runLmProtocol(driver, inputs.promptIds, s.reps.lm));
  mem["in-process LM (all LM rows)"] = r.peakBytes;
  return { ...out, ...r.value };
}

export interface WorkerRun {
  readonly cells: ModelCells;
  /** openModelWorker -> ready, ms. */
  readonly loadMs: number;
}

export async function workerRows(inputs: BenchInputs, s: BenchSettings, mem: MemoryCells): Promise<WorkerRun> {
  const built = join(process.cwd(), "dist", "model-worker.js");
  const workerScript = existsSync(built) ? built : undefined; // else the runtime's default (worker.ts through tsx)
  const t0 = nowMs();
  const rt = await openModelWorker(s.modelDir, { threads: s.threads, executionProvider: "cpu", workerScript });
  const loadMs = nowMs() - t0;
  try {
    const cells = await imageRows(rt, inputs, s, mem, "worker");
    return { cells: { ...cells, ...lmSkipped("the worker exposes generate() only; LM forward is timed in-process") }, loadMs };
  } finally {
    await rt.dispose();
  }
}

function lmSkipped(reason: string): ModelCells {
  const rows = ["lm.prefill64", "lm.decode32", "lm.decode128", "lm.decode256", "lm.nocache32", "lm.nocache128", "lm.nocache256"] as const;
  return Object.fromEntries(rows.map((r) => [r, { skipped: reason }]));
}
