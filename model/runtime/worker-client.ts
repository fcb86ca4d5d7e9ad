// openModelWorker: the SeedRuntime API with the model on a worker thread. The main thread keeps its event loop free
// while ONNX Runtime runs. Calls are queued here (one in flight at a time, FIFO); a call whose signal fires while it
// runs sets the shared abort flag, and the worker stops at the next step or token and rejects with "aborted".
// Callbacks (onStep, onToken) run on this thread as the worker's events arrive, in the async context of the call
// that passed them (not of the worker's "message" listener, which belongs to whoever opened the model): a host that
// routes output by AsyncLocalStorage (the kernel's cell scope) sees each step in the cell that asked for it.

import { AsyncResource } from "node:async_hooks";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { SeedRuntime } from "./api";
import { type AbortFlag, SeedError } from "./errors";
import { TaskQueue } from "./task-queue";
import type {
  ChatTurn,
  DecodeOptions,
  DecodeResult,
  GenerateOptions,
  GenerateResult,
  ImageSpan,
  LoadedImage,
  LoadOptions,
  ModelInfo,
  VisualTokens,
} from "./types";
import type { FromWorker, ToWorker, WorkerEvent, WorkerInit, WorkerMethod } from "./worker-protocol";

export interface WorkerOptions extends LoadOptions {
  /** The worker script; default dist/model-worker.js beside the bundle, or worker.ts (through tsx) in a checkout. */
  workerScript?: string;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onEvent?: (e: WorkerEvent) => void;
  /** Set when a callback threw: the call is aborted and rejects with this once the worker has stopped. */
  callbackError?: unknown;
}

function defaultWorkerScript(): string {
  const js = join(__dirname, "model-worker.js");
  if (existsSync(js)) return js;
  const ts = join(__dirname, "worker.ts");
  if (existsSync(ts)) return ts;
  throw new SeedError("disposed", `model worker script not found: neither ${js} nor ${ts} exists; run "npm run build"`);
}

/**
 * A Worker for a .js bundle, or for a .ts source in a checkout (tests, tsx): Node 20 does not apply `--import tsx`
 * to workers, so a small CommonJS bootstrap registers tsx's require hook in the worker and then loads the source.
 */
function startWorker(script: string, workerData: WorkerInit): Worker {
  if (!script.endsWith(".ts")) return new Worker(script, { workerData });
  const tsxApi = createRequire(script).resolve("tsx/cjs/api");
  const bootstrap = `require(${JSON.stringify(tsxApi)}).register(); require(${JSON.stringify(script)});`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** Starts a worker, loads the package there, and resolves once it is ready (or rejects with the load error). */
export async function openModelWorker(dir: string, options: WorkerOptions = {}): Promise<SeedRuntime> {
  const { workerScript, ...loadOptions } = options;
  const abortBuffer = new SharedArrayBuffer(4);
  const init: WorkerInit = { dir, options: loadOptions, abortBuffer };
  const worker = startWorker(workerScript ?? defaultWorkerScript(), init);
  // WARNING: remove only these listeners afterwards; Worker.removeAllListeners() would also drop Node's own
  // newListener/removeListener hooks that keep the message port referenced, and results would never arrive.
  let onMessage: (m: FromWorker) => void = () => undefined;
  let onError: (e: Error) => void = () => undefined;
  let onExit: (code: number) => void = () => undefined;
  const info = await new Promise<ModelInfo>((resolve, reject) => {
    onMessage = (m) => {
      if (m.kind === "ready") resolve(m.info);
      else if (m.kind === "load-error") {
        void worker.terminate();
        reject(SeedError.fromJSON(m.error));
      }
    };
    onError = (e) => reject(new SeedError("session", `model worker failed to start: ${e.message}`, { cause: e }));
    onExit = (code) => reject(new SeedError("disposed", `model worker exited with code ${code} while loading`));
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
  }).finally(() => {
    worker.off("message", onMessage).off("error", onError).off("exit", onExit);
  });
  return new WorkerRuntime(worker, info, new Int32Array(abortBuffer));
}

class WorkerRuntime implements SeedRuntime {
  private readonly queue = new TaskQueue();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: SeedError | undefined;

  constructor(
    private readonly worker: Worker,
    readonly info: ModelInfo,
    private readonly abortFlag: Int32Array,
  ) {
    worker.on("message", (m: FromWorker) => this.onMessage(m));
    worker.on("error", (e) => this.fail(new SeedError("disposed", `model worker crashed: ${e.message}`, { cause: e })));
    worker.on("exit", (code) => this.fail(new SeedError("disposed", `model worker exited (code ${code})`)));
  }

  loadImage(input: string | Uint8Array): Promise<LoadedImage> {
    return this.call("loadImage", [input]);
  }
  tokenize(images: LoadedImage | readonly LoadedImage[], options: { signal?: AbortFlag } = {}): Promise<VisualTokens> {
    return this.call("tokenize", [images], options.signal);
  }
  decode(codes: readonly number[], options: DecodeOptions = {}): Promise<DecodeResult> {
    const { onStep, signal, ...rest } = options;
    return this.call("decode", [codes, rest], signal, onStep && ((e) => e.type === "step" && onStep(e.step)));
  }
  encodeText(text: string, options: { bos?: boolean } = {}): Promise<number[]> {
    return this.call("encodeText", [text, options]);
  }
  decodeText(ids: readonly number[], options: { skipSpecial?: boolean } = {}): Promise<string> {
    return this.call("decodeText", [ids, options]);
  }
  buildPrompt(turns: readonly ChatTurn[], options: { forceImage?: boolean } = {}): Promise<number[]> {
    return this.call("buildPrompt", [turns, options]);
  }
  generate(prompt: readonly ChatTurn[] | readonly number[], options: GenerateOptions = {}): Promise<GenerateResult> {
    const { onToken, signal, ...rest } = options;
    return this.call("generate", [prompt, rest], signal, onToken && ((e) => e.type === "token" && onToken(e.token)));
  }
  imageSpans(ids: readonly number[]): Promise<ImageSpan[]> {
    return this.call("imageSpans", [ids]);
  }

  async dispose(): Promise<void> {
    if (this.dead) return;
    // Behind the running and queued calls: the worker's model has no queue of its own (each call is queued once).
    const done = this.queue.run("dispose", () => {
      if (this.dead) return Promise.resolve();
      const id = this.nextId++;
      const answered = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
      this.send({ kind: "dispose", id });
      return answered;
    });
    try {
      await done;
    } finally {
      this.dead = new SeedError("disposed", `${this.info.name} was disposed; open the model again`);
      await this.worker.terminate();
    }
  }

  private call<T>(
    method: WorkerMethod,
    args: unknown[],
    signal?: AbortFlag,
    callback?: (e: WorkerEvent) => void,
  ): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const onEvent = callback && AsyncResource.bind(callback);
    return this.queue.run(
      method,
      () =>
        new Promise<T>((resolve, reject) => {
          if (this.dead) throw this.dead;
          const id = this.nextId++;
          Atomics.store(this.abortFlag, 0, 0);
          const abort = (): void => void Atomics.store(this.abortFlag, 0, 1);
          const target = signal as Partial<AbortSignal> | undefined;
          target?.addEventListener?.("abort", abort);
          const cleanup = (): void => target?.removeEventListener?.("abort", abort);
          this.pending.set(id, {
            resolve: (v) => (cleanup(), resolve(v as T)),
            reject: (e) => (cleanup(), reject(e)),
            onEvent,
          });
          this.send({ kind: "call", id, method, args, wantsEvents: onEvent !== undefined });
        }),
      signal,
    );
  }

  private send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    if (m.kind === "ready" || m.kind === "load-error") return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.kind === "event") {
      // A throwing callback aborts the call; the caller gets the callback's error once the worker has stopped
      // (not earlier: the next queued call must not start, and reset the flag, while this one still runs).
      if (p.callbackError !== undefined) return;
      try {
        p.onEvent?.(m.event);
      } catch (e) {
        p.callbackError = e;
        Atomics.store(this.abortFlag, 0, 1);
      }
      return;
    }
    this.pending.delete(m.id);
    if (p.callbackError !== undefined) p.reject(p.callbackError);
    else if (m.kind === "result") p.resolve(m.value);
    else p.reject(SeedError.fromJSON(m.error));
  }

  private fail(e: SeedError): void {
    if (this.dead) return;
    this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
