// One queued cell: its NotebookCellExecution from "pending" to ended, and the mapping of the kernel's seed/output
// notifications onto it (stream text appended to the last stream output of the same name, displays tracked by id,
// results, errors, deferred clear_output). Output operations are chained so that appends never overlap. The
// execution ends only once every output that reached the run before its end has been applied: between the kernel's
// reply and execution.end() the run is "finishing" and still takes outputs onto its own execution.
import * as vscode from "vscode";
import type { MimeBundle } from "../../kernel/protocol/mime";
import type { ExecuteResult, OutputItem } from "../../kernel/protocol/rpc";
import type { CancelReason, JobOutcome, QueueJob } from "./execution-queue";
import { bundleToItems, errorInfoToError } from "./mime-bundle";

/** What a CellRun needs from the notebook session that owns it. */
export interface CellRunHost {
  execute(run: CellRun, code: string): Promise<ExecuteResult>;
  /**
   * Remembers which output holds a display id, so that later updates (even from other cells) find it. Called when the
   * display arrives; `outputId` resolves once the output exists (undefined if it could not be shown).
   */
  rememberDisplay(displayId: string, cell: vscode.NotebookCell, outputId: Promise<string | undefined>): void;
  /** Replaces the items of the output that holds displayId, wherever it is. */
  updateDisplay(displayId: string, items: vscode.NotebookCellOutputItem[], from: CellRun): Promise<void>;
  /** The run's execution has ended: later outputs of its execution id are no longer its own. */
  ended(run: CellRun): void;
  log: vscode.LogOutputChannel;
}

export function toOutputItems(bundle: MimeBundle): vscode.NotebookCellOutputItem[] {
  return bundleToItems(bundle).map((item) => new vscode.NotebookCellOutputItem(item.data, item.mime));
}

/**
 * The id VS Code gives every NotebookCellOutput. It exists at runtime (and is how replaceOutputItems finds an
 * output) but is not in the stable typings; outputs read back from cell.outputs are new objects with the same id.
 */
export function outputId(output: vscode.NotebookCellOutput): string {
  const id = (output as vscode.NotebookCellOutput & { readonly id?: unknown }).id;
  if (typeof id !== "string")
    throw new Error("NotebookCellOutput has no id: this VS Code version is not supported (need 1.91+).");
  return id;
}

let nextRunId = 0;

export class CellRun implements QueueJob {
  readonly executionId: string;
  private state: "queued" | "running" | "finishing" | "ended" = "queued";
  private chain: Promise<void> = Promise.resolve();
  private lastStream: { name: string; output: vscode.NotebookCellOutput } | undefined;
  private clearOnNextOutput = false;
  private sawError = false;
  private forceEnd: ((outcome: JobOutcome) => void) | undefined;

  constructor(
    readonly cell: vscode.NotebookCell,
    private readonly execution: vscode.NotebookCellExecution,
    private readonly host: CellRunHost,
  ) {
    this.executionId = `${Date.now().toString(36)}-${(nextRunId++).toString(36)}`;
  }

  get token(): vscode.CancellationToken {
    return this.execution.token;
  }

  /** True from start until execution.end(): outputs go onto this run's own execution. */
  get isRunning(): boolean {
    return this.state === "running" || this.state === "finishing";
  }

  get isEnded(): boolean {
    return this.state === "ended";
  }

  async run(): Promise<JobOutcome> {
    if (this.state !== "queued") return "aborted";
    this.state = "running";
    this.execution.start(Date.now());
    this.enqueueSafe(() => this.execution.clearOutput());
    const code = this.cell.document.getText();
    if (code.trim() === "") {
      await this.finish(undefined);
      return "ok";
    }
    const forced = new Promise<JobOutcome>((resolve) => (this.forceEnd = resolve));
    const executed = this.host.execute(this, code).then(
      async (result): Promise<JobOutcome> => {
        if (this.state !== "running") return result.status;
        if (result.executionCount !== null) this.execution.executionOrder = result.executionCount;
        if (result.status === "error" && result.error && !this.sawError)
          this.handleNow({ kind: "error", error: result.error }, true);
        await this.finish(result.status === "ok" ? true : result.status === "error" ? false : undefined);
        return result.status;
      },
      async (err: unknown): Promise<JobOutcome> => {
        if (this.state !== "running") return "aborted";
        const message = err instanceof Error ? err.message : String(err);
        this.handleNow({ kind: "error", error: { ename: "KernelError", evalue: message, traceback: [] } }, false);
        await this.finish(false);
        return "error";
      },
    );
    return Promise.race([executed, forced]);
  }

  /** Queue said: this cell will not run (an earlier one failed, interrupt, restart). Ends it without a result. */
  cancel(_reason: CancelReason): void {
    if (this.state !== "queued") return;
    this.state = "ended";
    this.execution.end(undefined);
  }

  /**
   * Ends a running cell from the outside: interrupt timed out, or the kernel died. `message` is shown as an error
   * output when given. Later outputs for this execution are dropped.
   */
  async abort(message: string | undefined): Promise<void> {
    if (this.state === "queued") return this.cancel("interrupted");
    if (this.state !== "running") return;
    if (message)
      this.handleNow({ kind: "error", error: { ename: "KernelError", evalue: message, traceback: [] } }, false);
    await this.finish(false);
    this.forceEnd?.(message ? "error" : "aborted");
  }

  /** Maps one seed/output notification onto this execution. */
  handle(item: OutputItem): void {
    if (!this.isRunning) {
      if (item.kind === "update") {
        this.enqueueSafe(() => this.host.updateDisplay(item.displayId, toOutputItems(item.data), this));
      } else {
        this.host.log.warn(`dropped a late '${item.kind}' output of a finished cell (execution ${this.executionId})`);
      }
      return;
    }
    this.handleNow(item, true);
  }

  /**
   * Replaces the items of one of this cell's outputs while it runs (a display update). From this run's own output
   * chain (`fromChain`) it runs now; from elsewhere it is chained, so it lands before this run's execution ends.
   */
  replaceItems(
    output: vscode.NotebookCellOutput,
    items: vscode.NotebookCellOutputItem[],
    fromChain: boolean,
  ): Promise<void> {
    if (fromChain) return Promise.resolve(this.execution.replaceOutputItems(items, output));
    return new Promise<void>((resolve) =>
      this.enqueueSafe(async () => {
        try {
          await this.execution.replaceOutputItems(items, output);
        } finally {
          resolve();
        }
      }),
    );
  }

  private handleNow(item: OutputItem, respectClear: boolean): void {
    if (item.kind === "clear") {
      if (item.wait) this.clearOnNextOutput = true;
      else this.enqueueSafe(() => this.clear());
      return;
    }
    if (respectClear && this.clearOnNextOutput) {
      this.clearOnNextOutput = false;
      this.enqueueSafe(() => this.clear());
    }
    switch (item.kind) {
      case "stream":
        return this.enqueueSafe(() => this.appendStream(item.name, item.text));
      case "display": {
        // Known from now on: an update that overtakes the output's creation waits for it instead of being lost.
        let created: (id: string | undefined) => void = () => undefined;
        if (item.displayId)
          this.host.rememberDisplay(item.displayId, this.cell, new Promise((resolve) => (created = resolve)));
        return this.enqueueSafe(() =>
          this.appendDisplay(item.data, item.metadata).then(created, (err: unknown) => {
            created(undefined);
            throw err;
          }),
        );
      }
      case "result":
        this.execution.executionOrder = item.executionCount;
        return this.enqueueSafe(async () => void (await this.appendDisplay(item.data, item.metadata)));
      case "update":
        return this.enqueueSafe(() => this.host.updateDisplay(item.displayId, toOutputItems(item.data), this));
      case "error": {
        this.sawError = true;
        const error = vscode.NotebookCellOutputItem.error(errorInfoToError(item.error));
        return this.enqueueSafe(async () => {
          this.lastStream = undefined;
          await this.execution.appendOutput(new vscode.NotebookCellOutput([error]));
        });
      }
    }
  }

  private async clear(): Promise<void> {
    this.lastStream = undefined;
    await this.execution.clearOutput();
  }

  private async appendStream(name: "stdout" | "stderr", text: string): Promise<void> {
    const item =
      name === "stdout" ? vscode.NotebookCellOutputItem.stdout(text) : vscode.NotebookCellOutputItem.stderr(text);
    const last = this.lastStream;
    const outputs = this.cell.outputs;
    if (
      last &&
      last.name === name &&
      outputs.length > 0 &&
      outputId(outputs[outputs.length - 1]) === outputId(last.output)
    ) {
      await this.execution.appendOutputItems(item, last.output);
      return;
    }
    const output = new vscode.NotebookCellOutput([item]);
    await this.execution.appendOutput(output);
    this.lastStream = { name, output };
  }

  /** Appends a rich output; resolves with its output id. */
  private async appendDisplay(data: MimeBundle, metadata: Record<string, unknown> | undefined): Promise<string> {
    const output = new vscode.NotebookCellOutput(toOutputItems(data), metadata);
    this.lastStream = undefined;
    await this.execution.appendOutput(output);
    return outputId(output);
  }

  private async finish(success: boolean | undefined): Promise<void> {
    if (this.state !== "running") return;
    this.state = "finishing";
    // Outputs that arrive while the chain drains are chained too: end only once it is quiet.
    for (let drained = this.chain; ; drained = this.chain) {
      await drained;
      if (drained === this.chain) break;
    }
    this.state = "ended";
    this.execution.end(success, Date.now());
    this.host.ended(this);
  }

  /** Chains an output operation; a failure is logged (and shown) instead of breaking the chain. */
  private enqueueSafe(op: () => Thenable<void> | Promise<void>): void {
    this.chain = this.chain
      .then(() => op())
      .then(undefined, (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        this.host.log.error(`output of execution ${this.executionId} could not be shown: ${message}`);
      });
  }
}
