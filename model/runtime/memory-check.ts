// Memory needed to load a package, estimated from the manifest before any session is created, and the refusal when it
// cannot fit. Per component: the `memory` block's weights_bytes + activation_bytes (the exporter's estimate) or, for
// packages without one, the graph's file sizes; the language model adds its KV cache at the full context
// (kv_bytes_per_position x max_position_embeddings). Available memory: os.freemem() (MemAvailable on Linux), capped by
// the cgroup limit when there is one, unless the caller gives a budget.

import { freemem } from "node:os";
import { SeedError } from "./errors";
import type { ComponentName, SeedManifest } from "./manifest-types";

export interface MemoryPart {
  readonly component: ComponentName;
  readonly bytes: number;
  readonly detail: string;
}

export interface MemoryEstimate {
  readonly totalBytes: number;
  readonly parts: readonly MemoryPart[];
}

export function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes < 1e8 ? 2 : 1)} GB`;
}

export function estimateMemory(m: SeedManifest): MemoryEstimate {
  const parts: MemoryPart[] = [];
  for (const [name, spec] of Object.entries(m.components) as [
    ComponentName,
    NonNullable<SeedManifest["components"][ComponentName]>,
  ][]) {
    const declared = m.memory?.components[name];
    const fileBytes = [spec.file, ...spec.external_data].reduce((s, f) => s + (m.files[f]?.bytes ?? 0), 0);
    const weights = declared?.weights_bytes ?? fileBytes;
    const activations = declared?.activation_bytes ?? 0;
    let kv = 0;
    let detail = `${gb(weights)} weights${activations > 0 ? ` + ${gb(activations)} activations` : ""}`;
    if (name === "language_model" && m.language_model) {
      const perPosition = declared?.kv_bytes_per_position ?? 0;
      kv = perPosition * m.language_model.max_position_embeddings;
      if (kv > 0) detail += ` + ${gb(kv)} KV cache at ${m.language_model.max_position_embeddings} positions`;
    }
    parts.push({ component: name, bytes: weights + activations + kv, detail });
  }
  return { totalBytes: parts.reduce((s, p) => s + p.bytes, 0), parts };
}

/** Memory this process may use: MemAvailable, capped by a cgroup limit. */
export function availableMemory(): number {
  const constrained = typeof process.constrainedMemory === "function" ? process.constrainedMemory() : 0;
  const free = freemem();
  return constrained && constrained > 0 ? Math.min(free, constrained) : free;
}

/** Throws SeedError("memory") when the estimate exceeds the budget, naming the parts and what to do instead. */
export function checkMemory(m: SeedManifest, budgetBytes: number): MemoryEstimate {
  const est = estimateMemory(m);
  if (est.totalBytes <= budgetBytes) return est;
  const parts = [...est.parts].sort((a, b) => b.bytes - a.bytes);
  const biggest = parts[0];
  const lines = parts.filter((p) => p.bytes >= est.totalBytes * 0.01).map((p) => `${p.component}: ${p.detail}`);
  let advice = 'Use a machine with more memory, or a GPU (executionProvider "cuda") with a half-precision export.';
  if (biggest?.component === "language_model") {
    advice =
      "The language model is the largest part: export it with weight-only int8 for CPU (python -m model.export_seed ... --llm-int8), " +
      "or serve it on a GPU machine and load a package exported without --llm here (tokenize and decode still work).";
  }
  throw new SeedError(
    "memory",
    `${m.name} needs about ${gb(est.totalBytes)} of memory to load (${lines.join("; ")}), but about ${gb(budgetBytes)} is available. ${advice} ` +
      '(LoadOptions.memoryBudgetBytes overrides the available amount; memoryCheck "off" skips this check.)',
  );
}
