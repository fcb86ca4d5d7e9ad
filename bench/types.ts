// Shared shapes of the benchmark: which implementation a measurement belongs to, what a measured (or skipped) cell
// holds, the row ids every side (TypeScript and bench/python/torch_baseline.py) agrees on, and the run settings.

import type { Samples } from "./stats";

/** Who ran it: our runtime in-process, our runtime through the worker thread, bare onnxruntime, PyTorch eager. */
export type Impl = "inproc" | "worker" | "raw" | "torch";

export const IMPL_LABEL: Record<Impl, string> = {
  inproc: "ours, in-process",
  worker: "ours, worker",
  raw: "raw ORT session.run",
  torch: "PyTorch eager",
};

/** A measured cell (samples in ms) or the reason it was not measured. */
export interface Measured {
  readonly samples: Samples;
}
export interface Skipped {
  readonly skipped: string;
}
export type Cell = Measured | Skipped;

/** Row ids, shared with the Python baseline (it writes the same keys). */
export const MODEL_ROWS = [
  "tokenize.b1",
  "tokenize.b16",
  "decode.25",
  "api.call",
  "lm.prefill64",
  "lm.decode32",
  "lm.decode128",
  "lm.decode256",
  "lm.nocache32",
  "lm.nocache128",
  "lm.nocache256",
  "lm.generate",
] as const;
export type ModelRow = (typeof MODEL_ROWS)[number];

export const ROW_LABEL: Record<ModelRow, string> = {
  "tokenize.b1": "tokenize 1 image (ms)",
  "tokenize.b16": "tokenize 16 images (ms)",
  "decode.25": "decode: 25 DDIM steps, CFG (ms)",
  "api.call": "API call overhead: imageSpans([]), no model work (ms)",
  "lm.prefill64": "LM prefill, 64 tokens (ms)",
  "lm.decode32": "LM decode at context 32, KV cache (ms/token)",
  "lm.decode128": "LM decode at context 128, KV cache (ms/token)",
  "lm.decode256": "LM decode at context 256, KV cache (ms/token)",
  "lm.nocache32": "LM next token at context 32, no cache (ms/token)",
  "lm.nocache128": "LM next token at context 128, no cache (ms/token)",
  "lm.nocache256": "LM next token at context 256, no cache (ms/token)",
  "lm.generate":
    "generate(): mean ms/token, first to last onToken event, greedy, forceImage (an image: 32 codes), 64-id prompt (sampling, text, events)",
};

export type ModelCells = Partial<Record<ModelRow, Cell>>;

/** Peak RSS (VmHWM after a reset) per stage, bytes; or why it was not measured. */
export type MemoryCells = Record<string, number | { readonly skipped: string }>;

export interface BenchSettings {
  readonly modelDir: string;
  /** ONNX Runtime intra-op threads and torch.set_num_threads. */
  readonly threads: number;
  readonly reps: {
    readonly image: number;
    readonly decode: number;
    readonly lm: number;
    readonly kernelCells: number;
    readonly kernelStarts: number;
  };
  /** Folder for inputs shared with Python and for raw results (gitignored). */
  readonly workDir: string;
}

export function isSkipped(c: Cell | undefined): c is Skipped {
  return c !== undefined && "skipped" in c;
}
