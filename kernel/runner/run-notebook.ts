// Executes a notebook on a NotebookKernel (the CLI's is a child process, child-kernel.ts), cell by cell, recording
// outputs into the cells (nbformat 4.5), printing a progress line per cell, and stopping at the first failing cell
// (like nbconvert --execute). A per-cell timeout interrupts the cell; a cell that does not stop within the grace
// period (a synchronous loop whose kernel ignores SIGINT, a hang in native code) has its kernel ended. Either way it
// counts as that cell's TimeoutError. An error that escapes a cell after it finished (it arrives as that cell's
// error output) fails the run at that cell once the cell running then has ended.

import type { ErrorInfo, OutputItem } from "../protocol/rpc";
import type { CellSink, NotebookKernel } from "./child-kernel";
import type { Notebook } from "./notebook";
import { OutputRecorder, sourceText } from "./notebook";

export interface RunOptions {
  /** Seconds one cell may run before it is interrupted; undefined = no limit. */
  timeoutSeconds?: number;
  /** Seconds an interrupted cell gets to stop before its kernel is ended. Default 5. */
  interruptGraceSeconds?: number;
  /** Receives one line per cell (default: nothing). */
  progress?: (line: string) => void;
}

export interface RunFailure {
  /** 1-based index among all cells. */
  cellNumber: number;
  error: ErrorInfo;
}

export interface RunSummary {
  executed: number;
  /** The first failing cell and its error. */
  failure?: RunFailure;
  seconds: number;
}

const NOTEBOOK_METADATA = {
  kernelspec: { name: "seed", display_name: "SEED (TypeScript)", language: "typescript" },
  language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
};

const DEFAULT_GRACE_SECONDS = 5;

/** Runs every code cell of `nb` in place (outputs and execution counts replaced), until the first failure. */
export async function runNotebook(nb: Notebook, kernel: NotebookKernel, options: RunOptions = {}): Promise<RunSummary> {
  const t0 = Date.now();
  const recorder = new OutputRecorder();
  const codeCells = nb.cells.filter((c) => c.cell_type === "code").length;
  const grace = options.interruptGraceSeconds ?? DEFAULT_GRACE_SECONDS;
  let executed = 0;
  /** The first error that escaped a cell after it had finished. */
  let late: RunFailure | undefined;
  const summary = (failure?: RunFailure): RunSummary => ({
    executed,
    ...(failure ? { failure } : {}),
    seconds: (Date.now() - t0) / 1000,
  });
  const lateFailure = (failure: RunFailure): RunSummary => {
    options.progress?.(
      `cell ${failure.cellNumber} FAILED after it finished: ${failure.error.ename}: ${failure.error.evalue}`,
    );
    return summary(failure);
  };
  nb.metadata = { ...nb.metadata, ...NOTEBOOK_METADATA };
  for (const cell of nb.cells) if (cell.cell_type === "code") (cell.outputs = []), (cell.execution_count = null);

  // The converter's start-up (seconds) is not any cell's time: pay it before the first cell's timeout starts.
  await kernel.start();
  for (const [index, cell] of nb.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    if (late) return lateFailure(late);
    const started = Date.now();
    let timedOut: "interrupted" | "killed" | undefined;
    const timers: NodeJS.Timeout[] = [];
    if (options.timeoutSeconds !== undefined) {
      const limit = options.timeoutSeconds;
      timers.push(
        setTimeout(() => {
          timedOut = "interrupted";
          kernel.interrupt();
          timers.push(
            setTimeout(() => {
              timedOut = "killed";
              kernel.kill(
                `the cell ran longer than ${limit} s and did not stop within ${grace} s of an interrupt, so its kernel was ended`,
              );
            }, grace * 1000),
          );
        }, limit * 1000),
      );
    }
    const sink: CellSink = {
      emit: (output: OutputItem): void => recorder.record(cell, output),
      lateError: (error: ErrorInfo): void => void (late ??= { cellNumber: index + 1, error }),
    };
    const result = await kernel.execute(sourceText(cell), sink).finally(() => timers.forEach(clearTimeout));
    executed++;
    cell.execution_count = result.executionCount;
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const label = `[${executed}/${codeCells}] cell ${index + 1}`;
    if (result.status !== "ok") {
      let error: ErrorInfo = result.error ?? { ename: "Aborted", evalue: "the cell did not run", traceback: [] };
      if (timedOut) {
        const how =
          timedOut === "killed" ? "did not stop when interrupted, so its kernel was ended" : "was interrupted";
        const evalue = `the cell ran longer than ${options.timeoutSeconds} s and ${how}`;
        error = { ename: "TimeoutError", evalue, traceback: [`TimeoutError: ${evalue}`] };
        // The kernel's own KeyboardInterrupt (or nothing, when it was ended) is replaced by what happened.
        cell.outputs = (cell.outputs ?? []).filter((o) => o.output_type !== "error");
        recorder.record(cell, { kind: "error", error });
      } else if (result.executionCount === null) {
        // The kernel died before the cell ran or while it ran: the cell has no error output of its own yet.
        recorder.record(cell, { kind: "error", error });
      }
      options.progress?.(`${label} FAILED (${secs} s): ${error.ename}: ${error.evalue}`);
      return summary({ cellNumber: index + 1, error });
    }
    options.progress?.(`${label} ok (${secs} s)`);
  }
  return late ? lateFailure(late) : summary();
}
