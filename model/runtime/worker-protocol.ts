// Messages between the main thread (worker-client.ts) and the model worker (worker.ts). Plain structured-clone
// data only: callbacks become `event` messages, AbortSignals become one Int32 flag in a SharedArrayBuffer that
// the worker reads between steps and tokens (Atomics), so an abort needs no message round trip.

import type { SerializedSeedError } from "./errors";
import type { DecodeStepEvent, LoadOptions, ModelInfo, TokenEvent } from "./types";

export type WorkerMethod =
  | "loadImage"
  | "tokenize"
  | "decode"
  | "encodeText"
  | "decodeText"
  | "buildPrompt"
  | "generate"
  | "imageSpans";

export interface WorkerInit {
  readonly dir: string;
  readonly options: LoadOptions;
  /** Int32Array view over it: [0] = abort flag of the running call (1 = abort). */
  readonly abortBuffer: SharedArrayBuffer;
}

export type ToWorker =
  | {
      readonly kind: "call";
      readonly id: number;
      readonly method: WorkerMethod;
      readonly args: unknown[];
      readonly wantsEvents: boolean;
    }
  | { readonly kind: "dispose"; readonly id: number };

export type FromWorker =
  | { readonly kind: "ready"; readonly info: ModelInfo }
  | { readonly kind: "load-error"; readonly error: SerializedSeedError }
  | { readonly kind: "event"; readonly id: number; readonly event: WorkerEvent }
  | { readonly kind: "result"; readonly id: number; readonly value: unknown }
  | { readonly kind: "error"; readonly id: number; readonly error: SerializedSeedError };

export type WorkerEvent =
  | { readonly type: "step"; readonly step: DecodeStepEvent }
  | { readonly type: "token"; readonly token: TokenEvent };
