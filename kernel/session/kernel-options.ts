// Command-line options shared by the kernel process and the headless runner ([--model DIR]
// [--execution-provider auto|cpu|cuda|webgpu] [--threads N] [--cwd DIR] [--lm-endpoint URL] [--lm-model NAME]
// [--lm-timeout-ms N]), the default model location, and the model loader a session uses (model/runtime's worker
// proxy, opened on first use). The language model's server may also come from the environment (SEED_LM_ENDPOINT,
// SEED_LM_MODEL, SEED_LM_TIMEOUT_MS: what a Jupyter kernelspec's "env" sets); the command line wins.

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
  /** An OpenAI-compatible server running the language model; default $SEED_LM_ENDPOINT, else seed.json's. */
  lmEndpoint?: string;
  /** The model name that server serves; default $SEED_LM_MODEL, else seed.json's served_model or the server's first. */
  lmModel?: string;
  /** Timeout (ms) for that server; default $SEED_LM_TIMEOUT_MS, else the runtime's 30000. */
  lmTimeoutMs?: number;
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
    } else if (a === "--lm-endpoint") out.lmEndpoint = checkEndpoint(value(i, a), a);
    else if (a === "--lm-model") out.lmModel = value(i, a);
    else if (a === "--lm-timeout-ms") out.lmTimeoutMs = checkTimeout(value(i, a), a);
    else i++;
  }
  return out;
}

function checkEndpoint(v: string, name: string): string {
  if (!/^https?:\/\/[^/\s]+/.test(v.trim()))
    throw new Error(`${name} must be an http(s) URL such as http://127.0.0.1:8080, got "${v}"`);
  return v.trim();
}

function checkTimeout(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a positive integer number of milliseconds, got "${v}"`);
  return n;
}

/** The language model server options: the command line's, else the environment's (checked the same way). */
export function languageModelOptions(
  options: ModelOptions,
  env: NodeJS.ProcessEnv = process.env,
): { languageModelEndpoint?: string; languageModelName?: string; languageModelTimeoutMs?: number } {
  const envEndpoint = env.SEED_LM_ENDPOINT?.trim();
  const envTimeout = env.SEED_LM_TIMEOUT_MS?.trim();
  return {
    languageModelEndpoint:
      options.lmEndpoint ?? (envEndpoint ? checkEndpoint(envEndpoint, "SEED_LM_ENDPOINT") : undefined),
    languageModelName: options.lmModel ?? (env.SEED_LM_MODEL?.trim() || undefined),
    languageModelTimeoutMs:
      options.lmTimeoutMs ?? (envTimeout ? checkTimeout(envTimeout, "SEED_LM_TIMEOUT_MS") : undefined),
  };
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
    return openModelWorker(dir, {
      executionProvider: options.executionProvider,
      threads: options.threads,
      ...languageModelOptions(options),
    });
  };
}
