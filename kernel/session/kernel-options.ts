// Command-line options shared by the kernel process and the headless runner ([--model DIR]
// [--execution-provider auto|cpu|cuda|webgpu] [--threads N] [--cwd DIR]) and the one command-line parser both use
// (`node:util` parseArgs), the default model location, and the model loader a session uses (model/runtime's worker
// proxy, opened on first use).

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
