// Our runtime as benchmark drivers: SeedModel in-process and the same package through openModelWorker (the kernel's
// path). Image rows go through the public SeedRuntime API (tokenize, decode with the package's guidance scale); the
// LM rows use SeedModel.languageModel.forward with its KvCache, the call the generate pipeline makes per token.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { openModelWorker, type SeedModel, type SeedRuntime } from "../model/runtime";
import type { KvCache } from "../model/runtime/kv-cache";
import type { BenchInputs } from "./inputs";
import type { ImplDriver, PeakMeter } from "./interleave";
import { type LmDriver, lmOps, lmSkipReason, type Ops } from "./lm-protocol";
import { peakRssBytes, resetPeak } from "./memory";
import { nowMs } from "./stats";
import { type BenchSettings, MODEL_ROWS, type ModelRow } from "./types";

export const DECODE_STEPS = 25;
const GENERATE_PROMPT = 64;
const GENERATE_NEW = 34; // forceImage: 32 image tokens + EOI (+1 spare)

/**
 * generate() through the whole pipeline: per run, the mean ms/token from the first to the last onToken event (the
 * prefill excluded). A mean, not each interval: worker events can arrive in bursts, which would fake ~0 ms intervals.
 */
function generateOp(rt: SeedRuntime, promptIds: readonly number[]): Ops {
  if (!rt.info.hasLanguageModel || promptIds.length < GENERATE_PROMPT) return {};
  return {
    "lm.generate": async () => {
      const stamps: number[] = [];
      await rt.generate(promptIds.slice(0, GENERATE_PROMPT), {
        maxNewTokens: GENERATE_NEW,
        temperature: 0,
        seed: 0,
        forceImage: true,
        onToken: () => void stamps.push(nowMs()),
      });
      const first = stamps[0];
      const last = stamps[stamps.length - 1];
      if (first === undefined || last === undefined || stamps.length < 2)
        throw new Error(`generate produced ${stamps.length} token(s); need 2 or more to time it`);
      return [(last - first) / (stamps.length - 1)];
    },
  };
}

/** Peak RSS of this Node process (in-process, worker and raw ORT all live here). */
export const selfPeak: PeakMeter = {
  async reset() {
    resetPeak();
  },
  async read() {
    return peakRssBytes();
  },
};

function imageOps(rt: SeedRuntime, inputs: BenchInputs): Ops {
  const first = inputs.images.slice(0, 1);
  const guidanceScale = rt.info.decodeDefaults.guidanceScale;
  const once = async (f: () => Promise<unknown>): Promise<number[]> => {
    const t0 = nowMs();
    await f();
    return [nowMs() - t0];
  };
  return {
    "tokenize.b1": () => once(() => rt.tokenize(first)),
    "tokenize.b16": () => once(() => rt.tokenize(inputs.images)),
    "decode.25": () => once(() => rt.decode(inputs.codes, { steps: DECODE_STEPS, guidanceScale, seed: 0 })),
    // The cost of one call with no model work: for the worker, the message round trip and structured clone.
    ...(rt.info.hasLanguageModel ? { "api.call": () => once(() => rt.imageSpans([])) } : {}),
  };
}

export function inProcessDriver(model: SeedModel, inputs: BenchInputs): ImplDriver {
  const lm = model.languageModel;
  const skipped: Partial<Record<ModelRow, string>> = {};
  let ops = imageOps(model, inputs);
  if (lm) {
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
    ops = { ...ops, ...lmOps(driver, inputs.promptIds), ...generateOp(model, inputs.promptIds) };
    for (const row of MODEL_ROWS) {
      const why = lmSkipReason(row, lm.contextLength);
      if (why) skipped[row] = why;
    }
  }
  return { impl: "inproc", ops, skipped, missing: "not measured: the package has no language model", peak: selfPeak };
}

export interface WorkerHandle {
  readonly driver: ImplDriver;
  readonly runtime: SeedRuntime;
  /** openModelWorker -> ready, ms. */
  readonly loadMs: number;
}

export async function openWorkerDriver(inputs: BenchInputs, s: BenchSettings): Promise<WorkerHandle> {
  const built = join(process.cwd(), "dist", "model-worker.js");
  const workerScript = existsSync(built) ? built : undefined; // else the runtime's default (worker.ts through tsx)
  const t0 = nowMs();
  const runtime = await openModelWorker(s.modelDir, { threads: s.threads, executionProvider: "cpu", workerScript });
  const loadMs = nowMs() - t0;
  const driver: ImplDriver = {
    impl: "worker",
    ops: { ...imageOps(runtime, inputs), ...generateOp(runtime, inputs.promptIds) },
    skipped: {},
    missing: "not measured: the worker API has generate() only; LM forward is timed in-process",
    peak: selfPeak,
  };
  return { driver, runtime, loadMs };
}
