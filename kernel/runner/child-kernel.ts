// The headless runner's handle on its kernel: a child process (`node dist/kernel.js --ipc`, ipc-kernel.ts) that runs
// the cells. Living in another process, the kernel can always be stopped: interrupt() sends SIGINT (which ends a
// synchronous loop as well as an await), kill() ends the process. If the process ends while a cell runs (killed, or
// crashed in native code), that cell's execution resolves with an error saying so; it never hangs.

import type { ChildProcess } from "node:child_process";
import { fork } from "node:child_process";
import type { ErrorInfo, ExecuteResult, OutputItem } from "../protocol/rpc";
import type { OutputSink } from "../session/kernel-session";
import type { FromKernel, ToKernel } from "./ipc-protocol";

/** Where one cell's outputs go; `lateError` is told of an error that escaped the cell after its result came. */
export interface CellSink extends OutputSink {
  lateError(error: ErrorInfo): void;
}

/** What the runner needs of a kernel (ChildKernel). */
export interface NotebookKernel {
  /** Resolves once cells can run (the converter has started). */
  start(): Promise<void>;
  /** Runs one cell; outputs go to `sink`, also after the result (errors that escaped the cell). Never rejects. */
  execute(code: string, sink: CellSink): Promise<ExecuteResult>;
  /** Asks the running cell to stop (it ends with KeyboardInterrupt). */
  interrupt(): void;
  /** Ends the kernel at once; a running cell ends with an error naming `reason`. */
  kill(reason: string): void;
  close(): Promise<void>;
}

export interface ChildKernelOptions {
  /** The kernel entry: dist/kernel.js, or kernel/main.ts under tsx. */
  script: string;
  /** Arguments after --ipc (kernel options: --cwd, --model, ...). */
  args: string[];
  /** Receives text the kernel prints outside any cell. */
  onKernelStream(text: string): void;
}

const CLOSE_TIMEOUT_MS = 3000;

export class ChildKernel implements NotebookKernel {
  private readonly child: ChildProcess;
  private readonly sinks = new Map<number, CellSink>();
  private readonly running = new Map<number, (result: ExecuteResult) => void>();
  private nextId = 1;
  private ended: string | undefined;
  private killReason: string | undefined;
  private readonly ready: Promise<void>;
  private readonly exited: Promise<void>;

  constructor(options: ChildKernelOptions) {
    // The kernel's stray stdout (outside cells) goes to our stderr: our stdout is the run's summary.
    this.child = fork(options.script, ["--ipc", ...options.args], {
      stdio: ["ignore", 2, 2, "ipc"],
      execArgv: options.script.endsWith(".ts") ? ["--import", "tsx"] : [],
    });
    let readyNow: () => void = () => undefined;
    let failStart: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => ((readyNow = resolve), (failStart = reject)));
    this.child.on("message", (m: FromKernel) => {
      if (m.kind === "ready") readyNow();
      else if (m.kind === "output") this.output(m.id, m.output);
      else if (m.kind === "result") this.settle(m.id, m.result);
      else if (m.kind === "kernelStream") options.onKernelStream(m.text);
    });
    this.exited = new Promise<void>((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.ended =
          this.killReason ?? `the kernel process ended (${signal ? `signal ${signal}` : `exit code ${String(code)}`})`;
        failStart(new Error(`${this.ended} before it was ready`));
        for (const id of [...this.running.keys()]) this.settle(id, this.endedResult());
        resolve();
      });
    });
    this.child.on("error", (e) => options.onKernelStream(`kernel process: ${e.message}\n`));
  }

  start(): Promise<void> {
    return this.ready;
  }

  execute(code: string, sink: CellSink): Promise<ExecuteResult> {
    if (this.ended !== undefined) return Promise.resolve(this.endedResult());
    const id = this.nextId++;
    this.sinks.set(id, sink);
    return new Promise<ExecuteResult>((resolve) => {
      this.running.set(id, resolve);
      const message: ToKernel = { kind: "execute", id, code };
      this.child.send(message);
    });
  }

  interrupt(): void {
    if (this.ended === undefined) this.child.kill("SIGINT");
  }

  kill(reason: string): void {
    if (this.ended !== undefined) return;
    this.killReason = reason;
    this.child.kill("SIGKILL");
  }

  async close(): Promise<void> {
    if (this.ended !== undefined) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill("the kernel did not end when closed"), CLOSE_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Messages arrive in the order the kernel sent them: an output after the result is late. */
  private output(id: number, output: OutputItem): void {
    const sink = this.sinks.get(id);
    sink?.emit(output);
    if (output.kind === "error" && !this.running.has(id)) sink?.lateError(output.error);
  }

  private settle(id: number, result: ExecuteResult): void {
    const resolve = this.running.get(id);
    this.running.delete(id);
    resolve?.(result);
  }

  private endedResult(): ExecuteResult {
    const evalue = this.ended ?? "the kernel process ended";
    return {
      status: "error",
      executionCount: null,
      error: { ename: "KernelDied", evalue, traceback: [`KernelDied: ${evalue}`] },
    };
  }
}
