// The ONE module that touches tslab (1.0.22, pinned): its incremental TypeScript cell converter and its executor,
// reached through deep imports (tslab has no exports map).
// It turns tslab's console-shaped callbacks into structured outcomes: the last expression's raw value, compile
// errors straight from the converter's diagnostics, runtime errors and interrupts as Jupyter-style ErrorInfo, and
// the cell's stdout/stderr (captured by swapping process.stdout/stderr.write for the duration of one run only).
//
// WARNING: tslab runs cells in this process's own global realm and keeps one executor per process
// (globalThis.__tslab__), so only one CellEngine may be open at a time; close() frees the slot.

import { format } from "node:util";
import type { Converter, ConvertResult, Diagnostic } from "tslab/dist/converter";
import { createConverter, isCompleteCode } from "tslab/dist/converter";
import type { Executor } from "tslab/dist/executor";
import { createExecutor } from "tslab/dist/executor";
import { printQuickInfo } from "tslab/dist/inspect";
import type { ErrorInfo } from "../protocol/rpc";
import type { CompleteStatus, CompletionItemInfo } from "./completions";
import { candidateSource, completeStatus, completionKind, quickInfoParts } from "./completions";
import { compileError, INTERRUPT_MESSAGE, interruptError, runtimeError } from "./errors";
import { withTimerMultiplexer } from "./tslab-timers";

export type { CompleteStatus, CompletionItemInfo, CompletionKind } from "./completions";

/** Where a running cell's process.stdout / process.stderr writes go. */
export interface CellStreams {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** How one cell ended. `value` is the raw value of the last expression (absent when it had none or it was null). */
export type CellOutcome =
  | { status: "ok"; hasValue: boolean; value: unknown }
  | { status: "error"; error: ErrorInfo; interrupted: boolean };

export interface Completion {
  /** Replace the text between these offsets of the cell with a candidate. */
  start: number;
  end: number;
  candidates: string[];
  /** The candidates in the same order with their kind; the first ones also with signature and documentation. */
  items: CompletionItemInfo[];
}

export interface HoverInfo {
  /** Offsets of the hovered identifier in the cell. */
  start: number;
  end: number;
  /** The signature (e.g. `const p: P`) followed by the JSDoc, as plain text / markdown. */
  text: string;
}

export interface CellEngine {
  /** Compiles and runs one cell; resolves when it has finished, failed or been interrupted. Never rejects. */
  run(code: string, streams: CellStreams): Promise<CellOutcome>;
  /** Compiles a declaration-only cell (e.g. the `seed` prelude) and keeps its declarations for later cells. */
  declare(declarations: string): Promise<void>;
  /** Makes `value` visible to cells as the already-declared name `name` (pair with declare()). */
  setLocal(name: string, value: unknown): void;
  /** Abandons an awaited cell now (the promise race rejects). Synchronous loops need SIGINT (breakOnSigint). */
  interrupt(): void;
  complete(code: string, offset: number): Completion;
  /** Signature and documentation of one candidate of complete(code, ...) answered at [start, end) (LSP resolve). */
  describeCompletion(
    code: string,
    start: number,
    end: number,
    name: string,
  ): Pick<CompletionItemInfo, "detail" | "documentation">;
  inspect(code: string, offset: number): HoverInfo | undefined;
  isComplete(code: string): CompleteStatus;
  close(): void;
}

export interface CellEngineOptions {
  /** Where cells' `require`/`import` resolve modules from (the notebook folder). */
  rootDir: string;
}

/** Node's error for a vm script stopped by SIGINT under breakOnSigint. */
const SIGINT_CODE = "ERR_SCRIPT_EXECUTION_INTERRUPTED";
const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";
/** Completion candidates that get a signature and documentation (the list's head: what a frontend shows first)... */
const MAX_DETAILED_COMPLETIONS = 60;
/** ...looked up within this time after the first (which pays the one program rebuild); the rest keep their kind. */
const COMPLETION_DETAIL_BUDGET_MS = 1000;

type WriteFn = typeof process.stdout.write;

/** A process.stdout.write replacement that hands text to `sink` (honouring the optional callback argument). */
function captureWrite(sink: (text: string) => void): WriteFn {
  return ((
    chunk: string | Uint8Array,
    encOrCb?: BufferEncoding | ((err?: Error | null) => void),
    cb?: (err?: Error | null) => void,
  ) => {
    const enc = typeof encOrCb === "string" ? encOrCb : "utf8";
    sink(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(enc));
    const done = typeof encOrCb === "function" ? encOrCb : cb;
    if (done) queueMicrotask(() => done(null));
    return true;
  }) as WriteFn;
}

/** Creates the converter (2.7–6 s on 2 cores: the first cell pays it) and the executor. */
export function createCellEngine(options: CellEngineOptions): CellEngine {
  const slot = globalThis as { __tslab__?: unknown };
  if (slot.__tslab__ !== undefined) {
    throw new Error(
      "createCellEngine: a tslab executor is already open in this process; close() it first (tslab allows one per process)",
    );
  }
  // With timers that let TypeScript's file-watch events and the per-cell updates coexist (tslab-timers.ts).
  const real: Converter = withTimerMultiplexer(() => createConverter());
  // The executor calls convert() itself; remembering its last result gives us the diagnostics with codes.
  let lastConvert: ConvertResult | undefined;
  const recording: Converter = {
    convert(prevDecl, src) {
      lastConvert = real.convert(prevDecl, src);
      return lastConvert;
    },
    inspect: (p, s, pos) => real.inspect(p, s, pos),
    complete: (p, s, pos) => real.complete(p, s, pos),
    addModule: (n, c, m) => real.addModule(n, c, m),
    close: () => real.close(),
  };

  // What the executor reports through its console object during the current run.
  const report: { value?: { v: unknown }; thrown?: { e: unknown } } = {};
  const lastValue = (): { v: unknown } | undefined => report.value;
  let interruptRequested = false;
  let running = false;

  const executor: Executor = createExecutor(
    options.rootDir,
    { node: recording, browser: recording, close: () => real.close() },
    {
      log: (v: unknown) => {
        report.value = { v };
      },
      error: (first: unknown, ...rest: unknown[]) => {
        if (first === DIAGNOSTIC_FORMAT) return; // compile diagnostics: taken from lastConvert instead
        report.thrown = { e: rest.length > 0 ? format(first, ...rest) : first };
      },
    },
  );

  /** Signature and documentation of the name at `offset` of `code`, from TypeScript's quick info. */
  function describeAt(code: string, offset: number): Pick<CompletionItemInfo, "detail" | "documentation"> {
    const parts = quickInfoParts(executor.inspect(code, offset));
    if (!parts) return {};
    return { detail: parts.signature, ...(parts.documentation ? { documentation: parts.documentation } : {}) };
  }

  function classify(): CellOutcome {
    const diagnostics: Diagnostic[] = lastConvert?.diagnostics ?? [];
    if (diagnostics.length > 0) return { status: "error", error: compileError(diagnostics), interrupted: false };
    const e = report.thrown?.e;
    const sigint = typeof e === "object" && e !== null && (e as { code?: unknown }).code === SIGINT_CODE;
    const asyncInterrupt = e instanceof Error && e.message === INTERRUPT_MESSAGE && interruptRequested;
    if (sigint || asyncInterrupt) return { status: "error", error: interruptError(), interrupted: true };
    return { status: "error", error: runtimeError(e), interrupted: false };
  }

  async function run(code: string, streams: CellStreams): Promise<CellOutcome> {
    if (running) throw new Error("CellEngine.run: a cell is already running; the session queue must serialise runs");
    running = true;
    delete report.value;
    delete report.thrown;
    lastConvert = undefined;
    interruptRequested = false;
    const saved = { out: process.stdout.write, err: process.stderr.write };
    process.stdout.write = captureWrite(streams.stdout);
    process.stderr.write = captureWrite(streams.stderr);
    try {
      const ok = await executor.execute(code);
      const value = lastValue();
      if (ok)
        return value
          ? { status: "ok", hasValue: true, value: value.v }
          : { status: "ok", hasValue: false, value: undefined };
      return classify();
    } catch (e) {
      report.thrown = { e };
      return classify();
    } finally {
      process.stdout.write = saved.out;
      process.stderr.write = saved.err;
      running = false;
    }
  }

  return {
    run,
    async declare(declarations: string): Promise<void> {
      const ignore = (): void => undefined;
      const outcome = await run(declarations, { stdout: ignore, stderr: ignore });
      if (outcome.status === "error") {
        throw new Error(
          `CellEngine.declare: the declarations did not compile: ${outcome.error.evalue}\n${outcome.error.traceback.join("\n")}`,
        );
      }
    },
    setLocal(name: string, v: unknown): void {
      executor.locals[name] = v;
    },
    interrupt(): void {
      if (running) interruptRequested = true;
      executor.interrupt();
    },
    complete(code: string, offset: number): Completion {
      const info = executor.complete(code, offset);
      const kinds = new Map<string, string>();
      for (const e of info.original?.entries ?? []) if (!kinds.has(e.name)) kinds.set(e.name, e.kind);
      const items: CompletionItemInfo[] = info.candidates.map((name) => ({
        name,
        kind: completionKind(kinds.get(name) ?? ""),
      }));
      const detailed = items.slice(0, MAX_DETAILED_COMPLETIONS).filter((item) => item.kind !== "keyword");
      const source = candidateSource(
        code,
        info.start,
        info.end,
        detailed.map((item) => item.name),
      );
      let deadline = Infinity;
      for (const [i, item] of detailed.entries()) {
        const at = source.offsets[i] ?? -1;
        if (at < 0) continue;
        if (performance.now() > deadline) break;
        Object.assign(item, describeAt(source.code, at));
        if (deadline === Infinity) deadline = performance.now() + COMPLETION_DETAIL_BUDGET_MS;
      }
      return { start: info.start, end: info.end, candidates: info.candidates, items };
    },
    describeCompletion(
      code: string,
      start: number,
      end: number,
      name: string,
    ): Pick<CompletionItemInfo, "detail" | "documentation"> {
      const source = candidateSource(code, start, end, [name]);
      const at = source.offsets[0] ?? -1;
      return at < 0 ? {} : describeAt(source.code, at);
    },
    inspect(code: string, offset: number): HoverInfo | undefined {
      const info = executor.inspect(code, offset);
      // A name TypeScript does not know comes back as kind "" with type any: nothing was found.
      if (!info || !quickInfoParts(info)) return undefined;
      return {
        start: info.textSpan.start,
        end: info.textSpan.start + info.textSpan.length,
        text: printQuickInfo(info),
      };
    },
    isComplete(code: string): CompleteStatus {
      return completeStatus(code, isCompleteCode(code));
    },
    close(): void {
      executor.close();
      delete slot.__tslab__;
    },
  };
}
