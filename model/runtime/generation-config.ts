// Reads the language model's generation_config.json (Hugging Face form) into sampling defaults. Absent fields keep
// the runtime's defaults; do_sample false means greedy.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SeedError } from "./errors";
import { JsonFields } from "./json-fields";
import type { GenerateDefaults } from "./pipeline-generate";

export const RUNTIME_GENERATE_DEFAULTS: GenerateDefaults = { maxNewTokens: 256, temperature: 1, topK: 0, topP: 1 };

export function readGenerationConfig(dir: string, file: string | undefined): GenerateDefaults {
  if (file === undefined) return RUNTIME_GENERATE_DEFAULTS;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(dir, file), "utf8"));
  } catch (e) {
    throw new SeedError("manifest", `${file}: could not be read as JSON: ${(e as Error).message}`, { cause: e });
  }
  const f = JsonFields.root(json, file);
  const d = RUNTIME_GENERATE_DEFAULTS;
  const sample = f.optBoolean("do_sample", true);
  return {
    maxNewTokens: f.optNumber("max_new_tokens", d.maxNewTokens, { integer: true, min: 1 }),
    temperature: sample ? f.optNumber("temperature", d.temperature, { min: 0 }) : 0,
    topK: f.optNumber("top_k", d.topK, { integer: true, min: 0 }),
    topP: f.optNumber("top_p", d.topP, { min: 0, max: 1 }),
  };
}
