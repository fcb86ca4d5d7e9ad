// One notebook's kernel session in the extension host: the kernel process (started on first run, restarted on
// demand), the execution queue, the routing of seed/output notifications to cells, display ids for live updates
// (even in another cell), interrupt with a timeout that offers restart, and recovery when the kernel dies.
// A run keeps its execution id until its execution has ended (not merely until the kernel replied), so late outputs
// still land on it; a display in a cell that runs nothing is updated through one short borrowed execution at a time
// (VS Code allows one execution per cell: "duplicate execution"), never while that cell waits in the queue.
import * as path from "node:path";
import * as vscode from "vscode";
import type { ControlAnswer } from "../../kernel/protocol/controls";
import type { ExecuteResult, KernelStatus, OutputParams } from "../../kernel/protocol/rpc";
import { unsupportedCellError } from "./cell-language";
import { CellRun, type CellRunHost, outputId, toOutputItems } from "./cell-run";
import { ExecutionQueue } from "./execution-queue";
import { describeExit, type KernelExit, KernelProcess } from "./kernel-process";
import { notebookKind } from "./kernelspec";
import { type KernelSettings, kernelArgs } from "./settings";

export interface SessionDeps {
  controller: vscode.NotebookController;
  /** Absolute path of dist/kernel.js. */
  kernelScript: string;
  settings(): KernelSettings;
  log: vscode.LogOutputChannel;
}

const STATUS_POLL_MS = 5000;

export class NotebookSession implements CellRunHost, vscode.Disposable {
  private kernel: KernelProcess | undefined;
  private starting: Promise<KernelProcess> | undefined;
  private readonly queue = new ExecutionQueue<CellRun>();
  private readonly runs = new Map<string, CellRun>();
  private readonly displays = new Map<string, { cell: vscode.NotebookCell; outputId: Promise<string | undefined> }>();
  /** Borrowed executions run one after another; the latest items per display id wait here for their turn. */
  private borrowChain: Promise<void> = Promise.resolve();
  private readonly borrowPending = new Map<string, vscode.NotebookCellOutputItem[]>();
  private poll: NodeJS.Timeout | undefined;
  private interrupting: Promise<void> | undefined;
  private status: KernelStatus | undefined;
  private readonly statusEmitter = new vscode.EventEmitter<KernelStatus | undefined>();
  readonly onDidChangeStatus = this.statusEmitter.event;
  readonly log: vscode.LogOutputChannel;

  constructor(
    readonly notebook: vscode.NotebookDocument,
    private readonly deps: SessionDeps,
  ) {
    this.log = deps.log;
  }

  get kernelStatus(): KernelStatus | undefined {
    return this.status;
  }

  get kernelPid(): number | undefined {
    return this.kernel?.pid;
  }

  /** Queues cells to run in order; each shows as pending until its turn. */
  async queueCells(cells: readonly vscode.NotebookCell[]): Promise<void> {
    // A borrowed execution of one of these cells (a late display update) must end before the cell's own is created.
    if (this.borrowPending.size > 0) await this.borrowChain;
    for (const cell of cells) {
      let execution: vscode.NotebookCellExecution;
      try {
        execution = this.deps.controller.createNotebookCellExecution(cell);
      } catch (err) {
        this.log.error(`cell ${cell.index} was not queued: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const run = new CellRun(cell, execution, this);
      run.token.onCancellationRequested(() => {
        if (!this.queue.remove(run, "cancelled") && run.isRunning) void this.interrupt();
      });
      this.queue.enqueue(run);
    }
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  async execute(run: CellRun, code: string): Promise<ExecuteResult> {
    // A cell in another language (Python...) ends with an explanation, and cancels the cells queued after it.
    const unsupported = unsupportedCellError(run.cell.document.languageId, notebookKind(this.notebook.metadata));
    if (unsupported) return { status: "error", executionCount: null, error: unsupported };
    const kernel = await this.ensureKernel();
    // Removed in ended(), once the run's execution has ended: outputs sent right after the reply are still its own.
    this.runs.set(run.executionId, run);
    try {
      return await kernel.execute({ executionId: run.executionId, code, cellUri: run.cell.document.uri.toString() });
    } catch (err) {
      // A dead kernel rejects pending requests before its process's exit event: name the real cause if it died.
      const exit = await Promise.race([
        kernel.exited,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000)),
      ]);
      if (exit && !exit.expected) throw new Error(describeExit(exit));
      throw new Error(`The SEED kernel did not run this cell: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Sends a control change or probe to the running kernel; undefined when none runs (the view's kernel is gone). */
  control(method: "change" | "probe", params: object): Promise<ControlAnswer> | undefined {
    const kernel = this.kernel;
    return kernel?.isRunning ? kernel.control(method, params) : undefined;
  }

  ended(run: CellRun): void {
    this.runs.delete(run.executionId);
  }

  /**
   * Drops every queued cell and stops the running one. If the running cell has not ended within
   * seed.interruptTimeoutMs it is ended here, and the user is offered a restart.
   */
  interrupt(): Promise<void> {
    this.interrupting ??= this.doInterrupt().finally(() => (this.interrupting = undefined));
    return this.interrupting;
  }

  /** Ends every pending execution, kills the kernel process and starts a fresh one. */
  async restart(): Promise<void> {
    this.queue.cancelQueued("restarted");
    await this.queue.running?.abort("The kernel was restarted while this cell was running.");
    await this.stopKernel();
    this.displays.clear();
    await this.ensureKernel();
  }

  rememberDisplay(displayId: string, cell: vscode.NotebookCell, outputId: Promise<string | undefined>): void {
    this.displays.set(displayId, { cell, outputId });
  }

  /** The output that holds displayId now (waiting for its creation), or undefined when it is gone. */
  private async displayOutput(
    displayId: string,
  ): Promise<{ cell: vscode.NotebookCell; output: vscode.NotebookCellOutput } | undefined> {
    const target = this.displays.get(displayId);
    const id = await target?.outputId;
    const output = id === undefined ? undefined : target?.cell.outputs.find((o) => outputId(o) === id);
    if (!target || !output) return undefined;
    return { cell: target.cell, output };
  }

  async updateDisplay(
    displayId: string,
    items: vscode.NotebookCellOutputItem[],
    from: CellRun | undefined,
  ): Promise<void> {
    if (!this.displays.has(displayId)) {
      this.log.warn(`update for unknown display id '${displayId}' ignored (never displayed, or its cell was cleared)`);
      return;
    }
    const target = await this.displayOutput(displayId);
    if (!target) {
      this.displays.delete(displayId); // its output was cleared (or never shown)
      return;
    }
    const { output } = target;
    if (from?.cell === target.cell && from.isRunning) return from.replaceItems(output, items, true);
    const live = [...this.runs.values(), this.queue.running].find((r) => r?.cell === target.cell && r.isRunning);
    if (live) return live.replaceItems(output, items, false);
    if (this.queue.queued.some((r) => r.cell === target.cell)) {
      // Its pending execution exists (a second one would be a duplicate) and will clear this output when it runs.
      this.log.debug(`update of display '${displayId}' skipped: its cell is queued to run again`);
      return;
    }
    return this.borrow(displayId, items);
  }

  /** Updates a display in a cell that runs nothing: one short borrowed execution at a time, latest items only. */
  private borrow(displayId: string, items: vscode.NotebookCellOutputItem[]): Promise<void> {
    const queued = this.borrowPending.has(displayId);
    this.borrowPending.set(displayId, items);
    if (queued) return this.borrowChain; // the waiting borrow of this display takes the newer items
    this.borrowChain = this.borrowChain
      .then(async () => {
        const latest = this.borrowPending.get(displayId);
        this.borrowPending.delete(displayId);
        const target = await this.displayOutput(displayId);
        if (!latest || !target) return;
        const { output } = target;
        if ([...this.runs.values(), this.queue.running, ...this.queue.queued].some((r) => r?.cell === target.cell)) {
          // The cell started (or was queued) meanwhile: go through its own execution instead.
          void this.updateDisplay(displayId, latest, undefined); // not awaited: it must not wait for this very chain
          return;
        }
        const summary = target.cell.executionSummary;
        const exec = this.deps.controller.createNotebookCellExecution(target.cell);
        exec.start(summary?.timing?.startTime);
        if (summary?.executionOrder !== undefined) exec.executionOrder = summary.executionOrder;
        try {
          await exec.replaceOutputItems(latest, output);
        } finally {
          exec.end(summary?.success, summary?.timing?.endTime);
        }
      })
      .then(undefined, (err: unknown) =>
        this.log.error(`display update failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    return this.borrowChain;
  }

  async dispose(): Promise<void> {
    this.queue.dispose();
    await this.queue.running?.abort(undefined);
    await this.stopKernel();
    this.statusEmitter.dispose();
  }

  private async doInterrupt(): Promise<void> {
    this.queue.cancelQueued("interrupted");
    const running = this.queue.running;
    const kernel = this.kernel;
    if (!running || !kernel) return;
    const timeoutMs = this.deps.settings().interruptTimeoutMs;
    // The request is answered by the kernel's event loop; if that is blocked (a synchronous loop in a cell), the
    // kernel's SIGINT handler is the fallback (kernel/rpc/server.ts), so send SIGINT when no answer comes soon.
    let answered = false;
    kernel.interrupt().then(
      (r) => {
        answered = true;
        this.log.info(`interrupt: interrupted=${r.interrupted}, dropped ${r.droppedQueued} queued in the kernel`);
      },
      (err: unknown) => this.log.warn(`interrupt request failed: ${err instanceof Error ? err.message : String(err)}`),
    );
    const sigint = setTimeout(() => {
      if (answered || running.isEnded) return;
      this.log.info("interrupt not answered within 500 ms: sending SIGINT to the kernel");
      kernel.signal("SIGINT");
    }, 500);
    const ended = await Promise.race([
      this.queue.whenIdle().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
    ]);
    clearTimeout(sigint);
    if (ended || running.isEnded) return;
    const seconds = (timeoutMs / 1000).toFixed(1);
    await running.abort(
      `The SEED kernel did not stop this cell within ${seconds} s of the interrupt. Restart the kernel to regain control.`,
    );
    // Not awaited: the interrupt is over (every execution ended); the offer stays up until the user answers.
    void vscode.window
      .showWarningMessage(
        `The SEED kernel did not respond to the interrupt within ${seconds} s. Restart it? (Its variables will be lost.)`,
        "Restart Kernel",
      )
      .then((choice) => (choice === "Restart Kernel" ? this.restart() : undefined))
      .then(undefined, (err: unknown) =>
        this.log.error(`restart failed: ${err instanceof Error ? err.message : String(err)}`),
      );
  }

  private ensureKernel(): Promise<KernelProcess> {
    if (this.kernel?.isRunning) return Promise.resolve(this.kernel);
    this.starting ??= this.startKernel().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startKernel(): Promise<KernelProcess> {
    const settings = this.deps.settings();
    const cwd =
      this.notebook.uri.scheme === "file"
        ? path.dirname(this.notebook.uri.fsPath)
        : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd());
    const kernel = new KernelProcess({
      script: this.deps.kernelScript,
      args: kernelArgs(settings, cwd),
      cwd,
      notebook: this.notebook,
      output: this.log,
    });
    kernel.onOutput((p) => this.routeOutput(p));
    kernel.onStatus((s) => this.setStatus(s));
    kernel.onExit((e) => this.onKernelExit(kernel, e));
    try {
      await kernel.start();
    } catch (err) {
      await kernel.dispose();
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(
        `could not start the kernel (${this.deps.kernelScript}): ${message}. See the "SEED Kernel" output for its log.`,
      );
    }
    this.kernel = kernel;
    this.refreshStatus();
    this.poll = setInterval(() => this.refreshStatus(), STATUS_POLL_MS);
    return kernel;
  }

  private routeOutput({ executionId, output }: OutputParams): void {
    const run = this.runs.get(executionId);
    if (run) run.handle(output);
    else if (output.kind === "update") {
      const fail = (err: unknown) =>
        this.log.error(`display update failed: ${err instanceof Error ? err.message : String(err)}`);
      try {
        this.updateDisplay(output.displayId, toOutputItems(output.data), undefined).catch(fail);
      } catch (err) {
        fail(err);
      }
    } else this.log.warn(`dropped '${output.kind}' output for finished execution ${executionId}`);
  }

  private onKernelExit(kernel: KernelProcess, exit: KernelExit): void {
    if (this.kernel !== kernel) return;
    this.kernel = undefined;
    this.stopPolling();
    this.setStatus(undefined);
    if (exit.expected) return;
    this.queue.cancelQueued("disposed");
    void this.queue.running?.abort(describeExit(exit));
  }

  private refreshStatus(): void {
    const kernel = this.kernel;
    if (!kernel?.isRunning) return;
    kernel.status().then(
      (s) => this.setStatus(s),
      () => undefined,
    );
  }

  private setStatus(status: KernelStatus | undefined): void {
    this.status = status;
    this.statusEmitter.fire(status);
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  private async stopKernel(): Promise<void> {
    const kernel = this.kernel;
    this.kernel = undefined;
    this.stopPolling();
    this.setStatus(undefined);
    if (kernel) await kernel.dispose();
  }
}
