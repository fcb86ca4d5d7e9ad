// Command-line options shared by the kernel process and the headless runner ([--model DIR]
// [--execution-provider auto|cpu|cuda|webgpu] [--threads N] [--cwd DIR] [--lm-endpoint URL] [--lm-model NAME]
// [--lm-timeout-ms N]) and the one command-line parser both use (`node:util` parseArgs), the default model location,
// and the model loader a session uses (model/runtime's worker proxy, opened on first use). The language model's
// server may also come from the environment (SEED_LM_ENDPOINT, SEED_LM_MODEL, SEED_LM_TIMEOUT_MS: what a Jupyter
// kernelspec's "env" sets); the command line wins.

import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
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

/** Options in `node:util` parseArgs form (string values are parsed by the caller: numbers, paths). */
export type OptionSpec = Readonly<Record<string, { readonly type: "string" | "boolean"; readonly short?: string }>>;

/** The shared options in `node:util` parseArgs form; the kernel process and the CLI add their own to these. */
export const KERNEL_OPTIONS = {
  model: { type: "string" },
  "execution-provider": { type: "string" },
  threads: { type: "string" },
  cwd: { type: "string" },
  "lm-endpoint": { type: "string" },
  "lm-model": { type: "string" },
  "lm-timeout-ms": { type: "string" },
} as const satisfies OptionSpec;

/**
 * Parses a command line with `node:util` parseArgs (strict: an unknown option, a missing value or a stray argument
 * throws an Error that names it) over the shared options plus `extra`, and validates the shared ones.
 */
export function parseCommandLine<E extends OptionSpec>(
  args: readonly string[],
  extra: E,
  allowPositionals = false,
): { values: ParsedValues<typeof KERNEL_OPTIONS & E>; positionals: string[]; kernel: KernelOptions } {
  let parsed: { values: object; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: { ...KERNEL_OPTIONS, ...extra }, allowPositionals, strict: true });
  } catch (e) {
    // parseArgs' own messages name the option ("Unknown option '--x'", "Option '--model <value>' argument missing").
    throw new Error(e instanceof Error ? e.message : String(e));
  }
  const values = parsed.values as ParsedValues<typeof KERNEL_OPTIONS & E>;
  return { values, positionals: parsed.positionals, kernel: kernelOptions(values) };
}

type ParsedValues<O extends OptionSpec> = {
  [K in keyof O]?: O[K] extends { type: "boolean" } ? boolean : string;
};

/** Validates the shared options; throws an Error naming the bad option and the accepted values. */
export function kernelOptions(values: ParsedValues<typeof KERNEL_OPTIONS>): KernelOptions {
  const out: KernelOptions = { executionProvider: "auto", cwd: resolve(values.cwd ?? process.cwd()) };
  if (values.model !== undefined) out.model = resolve(values.model);
  if (values.threads !== undefined) {
    const n = Number(values.threads);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--threads must be a positive integer, got "${values.threads}"`);
    out.threads = n;
  }
  const provider = values["execution-provider"];
  if (provider !== undefined) {
    if (!PROVIDERS.includes(provider as ExecutionProvider))
      throw new Error(`--execution-provider must be one of ${PROVIDERS.join(", ")}, got "${provider}"`);
    out.executionProvider = provider as ExecutionProvider;
  }
  if (values["lm-endpoint"] !== undefined) out.lmEndpoint = checkEndpoint(values["lm-endpoint"], "--lm-endpoint");
  if (values["lm-model"] !== undefined) out.lmModel = values["lm-model"];
  if (values["lm-timeout-ms"] !== undefined) out.lmTimeoutMs = checkTimeout(values["lm-timeout-ms"], "--lm-timeout-ms");
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
