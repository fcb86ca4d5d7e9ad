// Command-line options shared by the kernel process and the headless runner ([--model DIR]
// [--execution-provider auto|cpu|cuda|webgpu] [--threads N] [--cwd DIR]), the default model location, and the
// model loader a session uses (model/runtime's worker proxy, opened on first use).

import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { openModelWorker } from "../../model/runtime/index";
import type { ModelProxy } from "../api/context";
import type { ModelLoader } from "./seed-injection";

export type ExecutionProvider = "auto" | "cpu" | "cuda" | "webgpu";
const PROVIDERS: readonly ExecutionProvider[] = ["auto", "cpu", "cuda", "webgpu"];

export interface ModelOptions {
  /** The model package folder; default $SEED_MODEL_PATH or the bundled model/seed-mini. */
  model?: string;
  executionProvider: ExecutionProvider;
  threads?: number;
}

export interface KernelOptions extends ModelOptions {
  cwd: string;
}

/**
 * Takes the shared options out of `args` (mutating it: what remains is for the caller) and validates them.
 * Throws an Error naming the bad option and the accepted values.
 */
export function takeKernelOptions(args: string[]): KernelOptions {
  const out: KernelOptions = { executionProvider: "auto", cwd: process.cwd() };
  const value = (i: number, name: string): string => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value`);
    args.splice(i, 2);
    return v;
  };
  for (let i = 0; i < args.length; ) {
    const a = args[i];
    if (a === "--model") out.model = resolve(value(i, a));
    else if (a === "--cwd") out.cwd = resolve(value(i, a));
    else if (a === "--threads") {
      const v = value(i, a);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--threads must be a positive integer, got "${v}"`);
      out.threads = n;
    } else if (a === "--execution-provider") {
      const v = value(i, a);
      if (!PROVIDERS.includes(v as ExecutionProvider))
        throw new Error(`--execution-provider must be one of ${PROVIDERS.join(", ")}, got "${v}"`);
      out.executionProvider = v as ExecutionProvider;
    } else i++;
  }
  return out;
}

/** The model folder: --model, else $SEED_MODEL_PATH, else model/seed-mini next to the bundle (dist/..) or the source tree. */
export function resolveModelDir(options: ModelOptions): string {
  if (options.model) return options.model;
  const env = process.env.SEED_MODEL_PATH;
  if (env) return isAbsolute(env) ? env : resolve(env);
  const candidates = [join(__dirname, "..", "model", "seed-mini"), join(__dirname, "..", "..", "model", "seed-mini")];
  return candidates.find((p) => existsSync(join(p, "seed.json"))) ?? (candidates[0] as string);
}

/** Opens the model worker on first use (the session memoises the promise). */
export function modelLoader(options: ModelOptions): ModelLoader {
  return async (): Promise<ModelProxy> => {
    const dir = resolveModelDir(options);
    if (!existsSync(join(dir, "seed.json"))) {
      throw new Error(`no SEED model package at ${dir} (seed.json missing); pass --model DIR or set SEED_MODEL_PATH`);
    }
    return openModelWorker(dir, { executionProvider: options.executionProvider, threads: options.threads });
  };
}
