// The execution provider in plain words, for seed.info() and the extension's status bar: which provider runs and,
// when "auto" could not use a GPU, one line saying what to do about it (the setting that picks the provider, and
// that CUDA needs onnxruntime-node's CUDA binaries: README, section "GPU"). The runtime's full probe log stays in
// ProviderInfo.reason, for the kernel log.

import type { LanguageModelPlacement, ProviderInfo } from "./model-port";

export interface ProviderText {
  /** Which provider runs, e.g. "cpu: no GPU provider is available (cuda: its binaries are not installed)". */
  summary: string;
  /** What to do to use a GPU, when "auto" fell back to the CPU. */
  action?: string;
}

export const GPU_ACTION =
  'To use an NVIDIA GPU, install onnxruntime-node\'s CUDA binaries (README, section "GPU") and restart the kernel; ' +
  "the seed.executionProvider setting (Jupyter: --execution-provider) picks the provider.";

export function providerText(p: Pick<ProviderInfo, "name" | "requested" | "unavailable">): ProviderText {
  if (p.name !== "cpu") return { summary: `${p.name} (GPU)${p.requested === "auto" ? ', chosen by "auto"' : ""}` };
  if (p.requested !== "auto") return { summary: "cpu, as requested" };
  const why = p.unavailable.map((u) => `${u.name}: ${u.why}`).join("; ");
  return { summary: `cpu: no GPU provider is available${why ? ` (${why})` : ""}`, action: GPU_ACTION };
}

/** Summary and action as one line (providerReason, the status bar's tooltip). */
export function providerLine(p: Pick<ProviderInfo, "name" | "requested" | "unavailable">): string {
  const t = providerText(p);
  return t.action ? `${t.summary}. ${t.action}` : t.summary;
}

/**
 * Where the language model runs, in words: "in-process (onnxruntime, cpu)", "remote http://host:8080 (llama.cpp
 * server, model m.gguf)", with "not reachable at load" when the server was down then; "none" without a language model.
 */
export function languageModelText(p: LanguageModelPlacement | undefined): string {
  if (!p) return "none";
  if (p.kind === "in-process") return `in-process (${p.runtime}, ${p.provider})`;
  const what = [p.server, ...(p.model ? [`model ${p.model}`] : [])].join(", ");
  return `remote ${p.endpoint} (${what})${p.unreachable ? "; not reachable when the model loaded, generate tries again" : ""}`;
}
