// The model worker thread (esbuild entry -> dist/model-worker.js). Hosts one SeedModel and runs its pipelines here,
// so ONNX Runtime blocks this thread, not the kernel's event loop, and the KV cache never crosses threads. The
// main thread sends one call at a time, dispose included (worker-client.ts is the one queue); per-step and per-token callbacks go back as
// event messages; the abort flag is read from shared memory between steps.

import { parentPort, workerData } from "node:worker_threads";
import { type AbortFlag, SeedError, type SerializedSeedError } from "./errors";
import { SeedModel } from "./seed-model";
import type { DecodeOptions, GenerateOptions } from "./types";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol";

const port = parentPort;
if (!port) throw new Error("model/runtime/worker.ts must run as a worker thread (use openModelWorker)");
const init = workerData as WorkerInit;
const abortFlag = new Int32Array(init.abortBuffer);
const signal: AbortFlag = {
  get aborted(): boolean {
    return Atomics.load(abortFlag, 0) === 1;
  },
};
const post = (m: FromWorker): void => port.postMessage(m);

function serialize(e: unknown): SerializedSeedError {
  if (e instanceof SeedError) return e.toJSON();
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, code: "session", message: err.message, stack: err.stack };
}

async function dispatch(model: SeedModel, msg: Extract<ToWorker, { kind: "call" }>): Promise<unknown> {
  const a = msg.args;
  switch (msg.method) {
    case "loadImage":
      return model.loadImage(a[0] as string | Uint8Array);
    case "tokenize":
      return model.tokenize(a[0] as Parameters<SeedModel["tokenize"]>[0], { signal });
    case "decode": {
      const opts = { ...(a[1] as DecodeOptions), signal } as DecodeOptions;
      if (msg.wantsEvents) opts.onStep = (step) => post({ kind: "event", id: msg.id, event: { type: "step", step } });
      return model.decode(a[0] as number[], opts);
    }
    case "encodeText":
      return model.encodeText(a[0] as string, a[1] as { bos?: boolean });
    case "decodeText":
      return model.decodeText(a[0] as number[], a[1] as { skipSpecial?: boolean });
    case "buildPrompt":
      return model.buildPrompt(a[0] as Parameters<SeedModel["buildPrompt"]>[0], a[1] as { forceImage?: boolean });
    case "generate": {
      const opts = { ...(a[1] as GenerateOptions), signal } as GenerateOptions;
      if (msg.wantsEvents)
        opts.onToken = (token) => post({ kind: "event", id: msg.id, event: { type: "token", token } });
      return model.generate(a[0] as Parameters<SeedModel["generate"]>[0], opts);
    }
    case "imageSpans":
      return model.imageSpans(a[0] as number[]);
    default:
      throw new SeedError("input", `model worker: unknown method "${String(msg.method)}"`);
  }
}

SeedModel.load(init.dir, init.options, true).then(
  (model) => {
    port.on("message", (msg: ToWorker) => {
      if (msg.kind === "dispose") {
        model.dispose().then(
          () => post({ kind: "result", id: msg.id, value: undefined }),
          (e: unknown) => post({ kind: "error", id: msg.id, error: serialize(e) }),
        );
        return;
      }
      dispatch(model, msg).then(
        (value) => post({ kind: "result", id: msg.id, value }),
        (e: unknown) => post({ kind: "error", id: msg.id, error: serialize(e) }),
      );
    });
    post({ kind: "ready", info: model.info });
  },
  (e: unknown) => post({ kind: "load-error", error: serialize(e) }),
);
