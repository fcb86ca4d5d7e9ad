// One notebook's kernel state: the tslab cell engine (through kernel/executor's adapter), the injected `seed` API,
// the execution queue and counter, display routing and the running execution's AbortSignal. Frontends (Jupyter wire
// layer, JSON-RPC server, headless runner) call execute()/interrupt()/complete()/inspect() and receive outputs
// through an OutputSink per execution. All state lives in the instance (no module globals).
// guardProcess() keeps the process alive through errors that escape a cell (unhandled rejections, throws in timers)
// and refuses process.exit() from cells: an escaped error ends the cell that started the work while it runs, is
// printed to that cell's stderr once it has finished (or, headless, added to it as an error output), and goes to a
// kernel-level stream when no cell owns it.

import { AsyncLocalStorage } from "node:async_hooks";
import { SeedError } from "../../model/runtime/errors";
import { TaskQueue } from "../../model/runtime/task-queue";
import { ControlHub } from "../api/control-hub";
import { languageModelText, providerLine } from "../api/provider-text";
import { toMimeBundle } from "../display/to-mime-bundle";
import type { StrayOrigin } from "../executor/errors";
import { interruptError, runtimeError, strayError, strayText } from "../executor/errors";
import type { CellEngine, CompleteStatus, Completion, CompletionItemInfo, HoverInfo } from "../executor/tslab-adapter";
import { createCellEngine } from "../executor/tslab-adapter";
import type { ErrorInfo, ExecuteResult, InterruptResult } from "../protocol/rpc";
import type { OutputSink } from "./display-router";
import { DisplayRouter } from "./display-router";
import { IdleCollector } from "./idle-gc";
import type { ProcessGuard } from "./process-guard";
import { installProcessGuard } from "./process-guard";
import type { InjectedSeed, ModelLoader } from "./seed-injection";
import { injectSeedApi } from "./seed-injection";

export type { OutputSink } from "./display-router";

export interface ExecuteOptions {
  /** Silent: no outputs, the execution count does not change (Jupyter `silent`). Default false. */
  silent?: boolean;
  /** Count this execution (Jupyter `store_history`). Default true; forced false when silent. */
  storeHistory?: boolean;
  /** A failure drops the cells queued behind this one (each answers "aborted"). Default true. */
  stopOnError?: boolean;
  /** Called when the cell starts running (after it left the queue), with its execution count. */
  onStart?: (executionCount: number) => void;
}

export interface GuardOptions {
  /** Receives the text of errors that no cell owns (a stderr stream of the kernel itself). */
  kernelLevel(text: string): void;
  /**
   * How an error from a cell that has finished reaches that cell: "stream" (default; a stderr stream, what an
   * interactive frontend shows under the cell) or "error" (an error output, so a headless run can fail on it).
   */
  lateErrorsAs?: "stream" | "error";
}

export interface SessionOptions {
  /** The notebook folder: cells resolve modules and seed image paths against it. */
  cwd: string;
  /** Loads the model off-thread; called on first use of the model in a cell, then kept. */
  loadModel: ModelLoader;
  /** Inject the `seed` object (default true). */
  injectSeed?: boolean;
  /** Called once the model has loaded on first use. */
  onModelLoaded?: () => void;
  /** Collects garbage once the kernel has been idle for a second, or when cells grew the heap (idle-gc.ts); default none. */
  onIdle?: () => void;
  /** Creates the engine (tests may substitute one); default: tslab through kernel/executor. */
  createEngine?: (cwd: string) => CellEngine;
}

const CLOSE_MODEL_TIMEOUT_MS = 3000;
const DROP: OutputSink = { emit: () => undefined };

/** One cell's execution, found again from its async continuations (timers, promises) through the execution scope. */
interface Execution {
  controller: AbortController;
  sink: OutputSink;
  /** True until the cell's outcome is settled: an error escaping before then ends the cell. */
  running: boolean;
  /** Errors that escaped the cell's flow while it ran (first one first). */
  stray: ErrorInfo[];
}

/** One turn of the event loop: Node reports a rejection nobody handled only after the microtasks have drained. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class KernelSession {
  private engine: CellEngine | undefined;
  /** Cells run one at a time in arrival order (the runtime's call queue). */
  private readonly queue = new TaskQueue();
  /**
   * Aborted to drop every cell waiting in the queue at that moment (a failed cell with stop_on_error, an interrupt);
   * replaced at once, so cells queued afterwards run. There is no timed abort window.
   */
  private dropWaiting = new AbortController();
  /** The execution whose cell is running now (from leaving the queue to its reply); undefined between cells. */
  private running: Execution | undefined;
  /**
   * The execution whose code is calling, through async continuations too: an interrupted cell's promise is abandoned
   * but its code keeps going (tslab cannot cancel it); its next `seed` call must see its own aborted signal, and its
   * displays belong to its own cell, not to the next one. See caller().
   */
  private readonly executionScope = new AsyncLocalStorage<Execution>();
  private readonly displays = new DisplayRouter(() => this.caller()?.sink);
  /** Views with live controls that this kernel showed; frontends send control changes here. */
  readonly controls = new ControlHub(this.displays);
  private count = 0;
  private seed: InjectedSeed | undefined;
  private readonly idle: IdleCollector | undefined;

  constructor(private readonly options: SessionOptions) {
    this.idle = options.onIdle ? new IdleCollector(options.onIdle) : undefined;
  }

  /** The number of the last counted execution (0 before any). */
  get executionCount(): number {
    return this.count;
  }

  /** The loaded model's name, folder and execution provider; undefined until a cell first used the model. */
  modelStatus():
    | { name: string; path: string; executionProvider: string; providerReason: string; languageModel: string }
    | undefined {
    const info = this.seed?.loadedModel()?.info;
    return (
      info && {
        name: info.name,
        path: info.dir,
        executionProvider: info.provider.name,
        providerReason: providerLine(info.provider),
        languageModel: languageModelText(info.languageModel),
      }
    );
  }

  /** True while a cell runs. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Creates the engine and injects `seed` now (3-6 s: the converter compiles the TypeScript lib once). */
  async start(): Promise<void> {
    await this.ensureEngine();
  }

  /** Queues one cell; resolves with its status once it has run, failed, been interrupted or been dropped. */
  execute(code: string, sink: OutputSink, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    this.idle?.cancel();
    const drop = this.dropWaiting.signal;
    const result = this.queue
      .run("cell", () => this.runCell(code, options.silent ? DROP : sink, options), drop)
      .catch(async (e: unknown): Promise<ExecuteResult> => {
        if (!(drop.aborted && e instanceof SeedError && e.code === "aborted")) throw e;
        // Dropped before it ran: answer "aborted" on the next turn, after the answer of the cell that dropped it.
        await nextTurn();
        return { status: "aborted", executionCount: null };
      });
    void result.finally(() => {
      this.idle?.afterCell();
      if (this.queue.size === 0) this.idle?.poke();
    });
    return result;
  }

  /** Stops the running cell (seed calls through their AbortSignal, awaits at once) and drops the queued ones. */
  interrupt(): InterruptResult {
    const droppedQueued = this.dropQueued();
    const running = this.running;
    if (running) {
      running.controller.abort(new Error("interrupted by the user"));
      this.engine?.interrupt();
    }
    return { interrupted: running !== undefined, droppedQueued };
  }

  async complete(code: string, offset: number): Promise<Completion> {
    return (await this.ensureEngine()).complete(code, offset);
  }

  /** Signature and documentation of one completion candidate (those complete() left without, past its budget). */
  async describeCompletion(
    code: string,
    start: number,
    end: number,
    name: string,
  ): Promise<Pick<CompletionItemInfo, "detail" | "documentation">> {
    return (await this.ensureEngine()).describeCompletion(code, start, end, name);
  }

  async inspect(code: string, offset: number): Promise<HoverInfo | undefined> {
    return (await this.ensureEngine()).inspect(code, offset);
  }

  async isComplete(code: string): Promise<CompleteStatus> {
    return (await this.ensureEngine()).isComplete(code);
  }

  /** Keeps this process alive through errors that escape cells and refuses process.exit() from a cell (see the file header). */
  guardProcess(options: GuardOptions): ProcessGuard {
    return installProcessGuard({
      inCell: () => this.executionScope.getStore() !== undefined,
      report: (thrown, origin) => this.reportStray(thrown, origin, options),
    });
  }

  /** Drops queued cells, stops the running one, frees the model worker and the converter. */
  async close(): Promise<void> {
    this.interrupt();
    this.idle?.cancel();
    this.controls.close();
    this.displays.clear();
    // A model still loading (or a wedged worker) must not keep the kernel from ending: give it a few seconds.
    await Promise.race([this.seed?.close(), new Promise((r) => setTimeout(r, CLOSE_MODEL_TIMEOUT_MS).unref())]);
    this.engine?.close();
    this.engine = undefined;
  }

  private async ensureEngine(): Promise<CellEngine> {
    if (this.engine) return this.engine;
    const engine = (this.options.createEngine ?? ((cwd: string) => createCellEngine({ rootDir: cwd })))(
      this.options.cwd,
    );
    this.engine = engine;
    if (this.options.injectSeed !== false) {
      this.seed = await injectSeedApi(engine, {
        cwd: this.options.cwd,
        loadModel: this.options.loadModel,
        display: this.displays,
        controls: this.controls,
        signal: () => {
          const execution = this.caller();
          if (!execution) throw new Error("the seed API was called outside any cell; call it from a cell's code");
          return execution.controller.signal;
        },
        onModelLoaded: () => this.options.onModelLoaded?.(),
      });
    }
    return engine;
  }

  private async runCell(code: string, sink: OutputSink, options: ExecuteOptions): Promise<ExecuteResult> {
    const engine = await this.ensureEngine();
    if (options.storeHistory !== false && !options.silent) this.count++;
    const executionCount = this.count;
    options.onStart?.(executionCount);
    const controller = new AbortController();
    const execution: Execution = { controller, sink, running: true, stray: [] };
    this.running = execution;
    try {
      // A blank cell has nothing to compile: skip tslab's conversion (the cost of an "empty cell" round trip).
      if (code.trim() === "") return { status: "ok", executionCount };
      const outcome = await this.executionScope.run(execution, () =>
        engine.run(code, {
          stdout: (text) => sink.emit({ kind: "stream", name: "stdout", text }),
          stderr: (text) => sink.emit({ kind: "stream", name: "stderr", text }),
        }),
      );
      // Every live view of the cell sends its final state before the cell's reply: awaited after success (a call the
      // cell did not await), ended at once after an interrupt or an error.
      const ending = await this.displays.settle(
        sink,
        outcome.status === "ok" ? "ok" : outcome.interrupted ? "interrupted" : "error",
        controller.signal,
      );
      // A promise the cell rejected without handling is reported after this turn: it still belongs to this cell.
      await nextTurn();
      execution.running = false;
      const [firstStray, ...moreStray] = execution.stray;
      if (firstStray) {
        const own = outcome.status === "error" && !outcome.interrupted ? outcome.error : undefined;
        for (const e of own ? execution.stray : moreStray)
          sink.emit({ kind: "stream", name: "stderr", text: strayText(e, "Error that escaped this cell") });
        return this.fail(sink, own ?? firstStray, executionCount, options);
      }
      if (outcome.status !== "ok") return this.fail(sink, outcome.error, executionCount, options);
      if (ending !== "ok") return this.fail(sink, interruptError(), executionCount, options);
      // A live view made by this very cell already shows the value (a chat ending with `g`): do not repeat it.
      if (outcome.hasValue && !this.displays.isShownIn(outcome.value, sink)) {
        try {
          sink.emit({ kind: "result", data: toMimeBundle(outcome.value), executionCount });
        } catch (e) {
          return this.fail(sink, runtimeError(e), executionCount, options);
        }
      }
      return { status: "ok", executionCount };
    } finally {
      execution.running = false;
      this.running = undefined;
    }
  }

  /** Drops the cells waiting in the queue now (each answers "aborted"); returns how many. */
  private dropQueued(): number {
    const count = this.queue.waiting;
    this.dropWaiting.abort();
    this.dropWaiting = new AbortController();
    return count;
  }

  /** The execution whose code is calling: its own through async continuations, else the cell running now. */
  private caller(): Execution | undefined {
    return this.executionScope.getStore() ?? this.running;
  }

  /** Routes an error that escaped a cell's flow: see the file header. */
  private reportStray(thrown: unknown, origin: StrayOrigin, options: GuardOptions): void {
    const error = strayError(thrown, origin);
    const owner = this.executionScope.getStore();
    if (owner?.running) {
      owner.stray.push(error);
      // End the cell now: the work it awaits may never finish once a callback of it died.
      if (owner.stray.length === 1) {
        owner.controller.abort(thrown);
        if (this.running === owner) this.engine?.interrupt();
      }
    } else if (owner && options.lateErrorsAs === "error") {
      owner.sink.emit({
        kind: "error",
        error: { ...error, traceback: ["Error from this cell after it finished:", ...error.traceback] },
      });
    } else if (owner) {
      owner.sink.emit({
        kind: "stream",
        name: "stderr",
        text: strayText(error, "Error from this cell after it finished"),
      });
    } else {
      options.kernelLevel(strayText(error, "Error outside any cell (the kernel keeps running)"));
    }
  }

  private fail(
    sink: OutputSink,
    error: ExecuteResult["error"] & object,
    executionCount: number,
    options: ExecuteOptions,
  ): ExecuteResult {
    sink.emit({ kind: "error", error });
    if (options.stopOnError !== false) this.dropQueued();
    return { status: "error", executionCount, error };
  }
}
