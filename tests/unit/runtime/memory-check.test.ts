// The memory estimate read from the manifest before loading, and the refusal: a 7B language model in fp16 needs
// 13.5 GB of weights plus its KV cache; the message names the parts and the int8 / served alternatives.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { SeedError } from "../../../model/runtime/errors";
import { parseManifest } from "../../../model/runtime/manifest";
import type { SeedManifest } from "../../../model/runtime/manifest-types";
import { checkMemory, estimateMemory } from "../../../model/runtime/memory-check";
import { TINY_PACKAGE } from "../../helpers/packages";

function withMemory(memory: SeedManifest["memory"], context = 2048): SeedManifest {
  const m = parseManifest(readFileSync(join(TINY_PACKAGE, "seed.json"), "utf8"));
  const lm = m.language_model;
  assert.ok(lm, "the tiny package has a language model");
  return { ...m, name: "SEED-LLaMA-8B", memory, language_model: { ...lm, max_position_embeddings: context } };
}

test("without a memory block the estimate is the graphs' file sizes", () => {
  const m = parseManifest(readFileSync(join(TINY_PACKAGE, "seed.json"), "utf8"));
  const est = estimateMemory(m);
  const files = Object.values(m.components).reduce((s, c) => s + (m.files[c?.file ?? ""]?.bytes ?? 0), 0);
  assert.equal(est.totalBytes, files);
});

test("a 7B fp16 language model is refused on a 8 GB budget, naming int8 and the served form", () => {
  const kvPerPosition = 2 * 32 * 32 * 128 * 2; // keys + values, 32 layers, 32 heads of 128, fp16
  const m = withMemory({
    components: {
      language_model: { weights_bytes: 6.74e9 * 2, activation_bytes: 0, kv_bytes_per_position: kvPerPosition },
    },
  });
  const est = estimateMemory(m);
  assert.ok(Math.abs(est.totalBytes - (13.48e9 + kvPerPosition * 2048)) < 1e8);
  assert.throws(
    () => checkMemory(m, 8e9),
    (e: unknown) =>
      e instanceof SeedError &&
      e.code === "memory" &&
      /needs about 14\.[56] GB/.test(e.message) &&
      /13\.5 GB weights/.test(e.message) &&
      /KV cache at 2048 positions/.test(e.message) &&
      /--llm-int8/.test(e.message) &&
      /serve it/.test(e.message) &&
      /8\.0 GB is available/.test(e.message),
  );
  assert.doesNotThrow(() => checkMemory(m, 16e9));
});
