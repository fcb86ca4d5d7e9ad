// The language-model interface the token loop (pipeline-generate.ts) runs on, and its in-process implementation.
// A backend opens one run per generate call; the loop asks the run for each next token under the image-span rule
// and tells it which token was emitted (the drawn one, or one the rule chose instead). Two implementations:
//   InProcessLanguageModel  the ONNX graph here (language-model.ts): logits -> constrained sampling with our RNG
//   RemoteLanguageModel     an OpenAI-compatible server (remote-lm.ts): the server samples, streamed over HTTP
// Both report the same token events, so every view (token stream, top-k chart, image spans, interrupt) works the same.

import type { AbortFlag } from "./errors";
import { constrainLogits, type TokenRule } from "./image-constraint";
import type { ImageSpanTokens } from "./image-spans";
import type { LanguageModel } from "./language-model";
import type { Rng } from "./rng";
import { type SamplerOptions, sampleToken } from "./sampler";

/** Where the language model runs, for seed.info() and the status bar. */
export type LanguageModelPlacement =
  | { readonly kind: "in-process"; readonly runtime: "onnxruntime"; readonly provider: string }
  | {
      readonly kind: "remote";
      readonly endpoint: string;
      /** "llama.cpp server", "vLLM", or "OpenAI-compatible server" when the server does not say. */
      readonly server: string;
      /** The model name the server serves (sent as `model`). */
      readonly model?: string;
      /** Set when the server could not be reached at load (generate tries again). */
      readonly unreachable?: string;
    };

export interface RunOptions {
  readonly sampler: SamplerOptions;
  readonly rng: Rng;
  readonly seed: number;
  /** Extra stop ids beyond the package's (the loop stops on them; a server may stop earlier on its own). */
  readonly stopIds: readonly number[];
  readonly spanTokens: ImageSpanTokens;
  readonly signal?: AbortFlag;
}

/** One token drawn by the model. `id` is undefined when the backend did not draw (a forced position, remote). */
export interface DrawnToken {
  readonly id: number | undefined;
  /** Best first; the model's probabilities (see each backend for which distribution). */
  readonly candidates: readonly { readonly id: number; readonly prob: number }[];
  /** True when the backend had to replace what the model drew to keep the rule (remote: a bias the server ignored). */
  readonly replaced?: boolean;
}

export interface LanguageModelRun {
  /** The next token under `rule` (undefined: no constraint); `remaining` counts the budget left, this token included. */
  next(rule: TokenRule | undefined, remaining: number): Promise<DrawnToken>;
  /** The token that was emitted at this position; `more` is false after the last one (nothing more to compute). */
  accept(id: number, more: boolean): Promise<void>;
  /** Releases the run (KV cache, open HTTP stream). Safe to call twice. */
  close(): Promise<void>;
}

export interface LanguageModelBackend {
  readonly placement: LanguageModelPlacement;
  readonly vocabSize: number;
  readonly contextLength: number;
  /** Starts a run over `promptIds` (already validated by the loop). The prompt is processed by the first next(). */
  start(promptIds: readonly number[], options: RunOptions): LanguageModelRun;
  /** Releases connections or sessions the backend holds of its own (not the ONNX sessions: the loader owns those). */
  dispose(): Promise<void>;
}

/** The ONNX graph in this process: prefill, then one forward per token with the KV cache; sampling with our RNG. */
export class InProcessLanguageModel implements LanguageModelBackend {
  readonly placement: LanguageModelPlacement;

  constructor(
    readonly lm: LanguageModel,
    provider: string,
  ) {
    this.placement = { kind: "in-process", runtime: "onnxruntime", provider };
  }

  get vocabSize(): number {
    return this.lm.vocabSize;
  }

  get contextLength(): number {
    return this.lm.contextLength;
  }

  start(promptIds: readonly number[], options: RunOptions): LanguageModelRun {
    const lm = this.lm;
    const cache = lm.newCache();
    let logits: Float32Array | undefined; // [V] of the next position
    return {
      async next(rule) {
        logits ??= await lm.forward(promptIds, cache); // prefill: the whole prompt with an empty past
        // A forced token reports the model's own candidates (what it would have drawn): constrainLogits leaves them.
        const src = rule ? constrainLogits(logits, rule, options.spanTokens) : logits;
        return sampleToken(src, options.sampler, options.rng);
      },
      async accept(id, more) {
        if (more) logits = await lm.forward([id], cache);
      },
      async close() {
        cache.dispose();
      },
    };
  }

  async dispose(): Promise<void> {}
}
