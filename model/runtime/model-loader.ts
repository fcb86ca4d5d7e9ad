// Loads a model package folder: seed.json parsed and validated, files checked (sizes, cached sha256), the scheduler
// and generation configs read, one ONNX session per component created and checked against the manifest, the text
// tokenizer built. All or nothing: if any step fails, every session created so far is released before the error
// is rethrown, so a failed load leaves nothing half-loaded.

import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SeedError } from "./errors";
import { readGenerationConfig } from "./generation-config";
import { parseManifest } from "./manifest";
import type { ComponentName, SeedManifest } from "./manifest-types";
import { availableMemory, checkMemory } from "./memory-check";
import { defaultCacheDir, verifyPackageFiles } from "./package-files";
import type { GenerateDefaults } from "./pipeline-generate";
import { parseSchedulerConfig, type SchedulerConfig } from "./scheduler";
import { type ComponentSession, createSession, releaseSessions } from "./sessions";
import { TextTokenizer } from "./text-tokenizer";
import type { ExecutionProviderChoice, LoadOptions, ProviderInfo } from "./types";

export interface LoadedPackage {
  readonly dir: string;
  readonly manifest: SeedManifest;
  readonly schedulerConfig: SchedulerConfig;
  readonly sessions: Readonly<Partial<Record<ComponentName, ComponentSession>>>;
  readonly provider: ProviderInfo;
  readonly textTokenizer?: TextTokenizer;
  readonly generateDefaults: GenerateDefaults;
  /** The server that runs the language model instead of a graph here (LoadOptions, else seed.json), if any. */
  readonly remoteLanguageModel?: { readonly endpoint: string; readonly model?: string };
}

/** Reads and validates seed.json only (no sessions): for tools and tests. */
export function readManifest(dir: string): SeedManifest {
  const path = join(dir, "seed.json");
  if (!existsSync(path)) {
    throw new SeedError(
      "manifest",
      `no seed.json in ${dir}; expected a SEED model package folder (see model/FORMAT.md)`,
    );
  }
  return parseManifest(readFileSync(path, "utf8"));
}

export async function loadPackage(dirIn: string, opts: LoadOptions = {}): Promise<LoadedPackage> {
  const dir = resolve(dirIn);
  const manifest = readManifest(dir);
  const lmSpec = manifest.language_model;
  const endpoint = opts.languageModelEndpoint || lmSpec?.endpoint || undefined;
  if (endpoint && !lmSpec)
    throw new SeedError(
      "input",
      `a language model endpoint (${endpoint}) was given, but ${manifest.name} has no "language_model" block (tokenizer, special tokens, chat template); the kernel needs it to talk to the server`,
    );
  const remote = endpoint ? { endpoint, model: opts.languageModelName || lmSpec?.served_model } : undefined;
  // A served LM is not loaded here: leave its graph out of the memory estimate and the sessions.
  const local: SeedManifest = remote
    ? {
        ...manifest,
        components: Object.fromEntries(Object.entries(manifest.components).filter(([k]) => k !== "language_model")),
      }
    : manifest;
  if ((opts.memoryCheck ?? "on") === "on") checkMemory(local, opts.memoryBudgetBytes ?? availableMemory());
  await verifyPackageFiles(dir, manifest, opts.verifyChecksums ?? "cached", opts.cacheDir ?? defaultCacheDir());

  let schedulerJson: unknown;
  try {
    schedulerJson = JSON.parse(readFileSync(join(dir, manifest.image_decoder.scheduler_config), "utf8"));
  } catch (e) {
    throw new SeedError(
      "manifest",
      `${manifest.image_decoder.scheduler_config}: could not be read as JSON: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const schedulerConfig = parseSchedulerConfig(schedulerJson, manifest.image_decoder.scheduler_config);
  const lm = manifest.language_model;
  const textTokenizer = lm ? TextTokenizer.fromPackage(dir, lm, manifest.visual_tokenizer.codebook_size) : undefined;
  const generateDefaults = readGenerationConfig(dir, lm?.generation_config);

  const threads = opts.threads ?? 2;
  if (!Number.isInteger(threads) || threads < 1)
    throw new SeedError("input", `threads must be an integer >= 1, got ${threads}`);
  const created: ComponentSession[] = [];
  const sessions: Partial<Record<ComponentName, ComponentSession>> = {};
  // The first session decides the provider ("auto" probes GPUs once); the others use that decision.
  let provider: ExecutionProviderChoice = opts.executionProvider ?? "auto";
  try {
    for (const [name, spec] of Object.entries(local.components) as [
      ComponentName,
      NonNullable<SeedManifest["components"][ComponentName]>,
    ][]) {
      const s = await createSession(name, join(dir, spec.file), spec, { provider, threads });
      provider = s.provider.name;
      created.push(s);
      sessions[name] = s;
    }
  } catch (e) {
    // WARNING: release what was created before the failure; the error that caused it is the one the caller sees.
    await releaseSessions(created).catch(() => undefined);
    throw e;
  }
  const first = created[0];
  const info: ProviderInfo = first
    ? first.provider
    : { name: "cpu", reason: "no sessions", requested: provider, unavailable: [] };
  return {
    dir,
    manifest,
    schedulerConfig,
    sessions,
    provider: info,
    textTokenizer,
    generateDefaults,
    remoteLanguageModel: remote,
  };
}
