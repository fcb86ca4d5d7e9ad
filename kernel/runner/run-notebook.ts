// Executes a notebook in-process on a KernelSession, cell by cell, recording outputs into the cells (nbformat 4.5),
// printing a progress line per cell, and stopping at the first failing cell (like nbconvert --execute). A per-cell
// timeout interrupts the cell (KeyboardInterrupt) and counts as its failure.

import type { KernelSession } from "../session/kernel-session";
import type { ErrorInfo } from "../protocol/rpc";
import type { Notebook } from "./notebook";
import { OutputRecorder, sourceText } from "./notebook";

export interface RunOptions {
  /** Seconds one cell may run before it is interrupted; undefined = no limit. */
  timeoutSeconds?: number;
  /** Receives one line per cell (default: nothing). */
  progress?: (line: string) => void;
}

export interface RunSummary {
  executed: number;
  /** The first failing cell (1-based index among all cells) and its error. */
  failure?: { cellNumber: number; error: ErrorInfo };
  seconds: number;
}

const NOTEBOOK_METADATA = {
  kernelspec: { name: "seed", display_name: "SEED (TypeScript)", language: "typescript" },
  language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
};

/** Runs every code cell of `nb` in place (outputs and execution counts replaced). */
export async function runNotebook(nb: Notebook, session: KernelSession, options: RunOptions = {}): Promise<RunSummary> {
  const t0 = Date.now();
  const recorder = new OutputRecorder();
  const codeCells = nb.cells.filter((c) => c.cell_type === "code").length;
  let executed = 0;
  nb.metadata = { ...nb.metadata, ...NOTEBOOK_METADATA };
  for (const cell of nb.cells) if (cell.cell_type === "code") (cell.outputs = []), (cell.execution_count = null);

  // The converter's start-up (seconds) is not any cell's time: pay it before the first cell's timeout starts.
  await session.start();
  for (const [index, cell] of nb.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const code = sourceText(cell);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (options.timeoutSeconds !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        session.interrupt();
      }, options.timeoutSeconds * 1000);
    }
    const result = await session.execute(code, { emit: (o) => recorder.record(cell, o) }).finally(() => clearTimeout(timer));
    executed++;
    cell.execution_count = result.executionCount;
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const label = `[${executed}/${codeCells}] cell ${index + 1}`;
    if (result.status !== "ok") {
      const error: ErrorInfo = timedOut
        ? { ename: "TimeoutError", evalue: `the cell ran longer than ${options.timeoutSeconds} s and was interrupted`, traceback: [] }
        : (result.error ?? { ename: "Aborted", evalue: "the cell did not run", traceback: [] });
      options.progress?.(`${label} FAILED (${secs} s): ${error.ename}: ${error.evalue}`);
      return { executed, failure: { cellNumber: index + 1, error }, seconds: (Date.now() - t0) / 1000 };
    }
    options.progress?.(`${label} ok (${secs} s)`);
  }
  return { executed, seconds: (Date.now() - t0) / 1000 };
}
