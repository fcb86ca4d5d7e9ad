// Turns what a cell did wrong into Jupyter-style ErrorInfo (ename / evalue / traceback): TypeScript diagnostics from
// tslab's converter, thrown values (Errors or anything else), interrupts (a KeyboardInterrupt, like IPython), and
// errors raised outside the cell's own flow (an unhandled promise rejection, a throw in a timer callback).

import { inspect } from "node:util";
import type { Diagnostic } from "tslab/dist/converter";
import type { ErrorInfo } from "../protocol/rpc";

/** The message of the error tslab's executor rejects an awaited cell with on interrupt(). */
export const INTERRUPT_MESSAGE = "Interrupted asynchronously";

/** ename of a cell that failed to compile. */
export const COMPILE_ERROR_NAME = "TSError";

/** "line:col - message (TScode)" with 1-based line and column, as editors print them. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.fileName ? `${d.fileName} ` : ""}${d.start.line + 1}:${d.start.character + 1}`;
  return `${where} - ${d.messageText} (TS${d.code})`;
}

export function compileError(diagnostics: readonly Diagnostic[]): ErrorInfo {
  const lines = diagnostics.map(formatDiagnostic);
  return { ename: COMPILE_ERROR_NAME, evalue: lines[0] ?? "the cell did not compile", traceback: lines };
}

export function interruptError(): ErrorInfo {
  return {
    ename: "KeyboardInterrupt",
    evalue: "the cell was interrupted",
    traceback: ["KeyboardInterrupt: the cell was interrupted"],
  };
}

/** Stack frames that belong to the kernel, tslab or Node internals rather than to the user's cell. */
function isInternalFrame(line: string): boolean {
  return /\(node:|at node:|node_modules[\\/]tslab[\\/]|[\\/]dist[\\/](kernel|cli)\.js|[\\/]kernel[\\/](executor|session|jupyter|rpc|runner)[\\/]/.test(
    line,
  );
}

/** An ErrorInfo for a thrown value: Errors keep their name, message and the user-relevant part of the stack. */
export function runtimeError(thrown: unknown): ErrorInfo {
  if (thrown instanceof Error) {
    const ename = thrown.name || thrown.constructor?.name || "Error";
    const stack = (thrown.stack ?? `${ename}: ${thrown.message}`).split("\n");
    // Frames from the vm call onwards are the kernel's own (the cell ran inside vm.runInThisContext).
    const frames: string[] = [];
    for (const line of stack.slice(1)) {
      if (/\(node:vm:|at node:vm:/.test(line)) break;
      if (/^\s+at /.test(line) && !isInternalFrame(line)) frames.push(line);
    }
    return { ename, evalue: thrown.message, traceback: [`${ename}: ${thrown.message}`, ...frames] };
  }
  const evalue = typeof thrown === "string" ? thrown : inspect(thrown, { depth: 2 });
  return { ename: "Uncaught", evalue, traceback: [`Uncaught ${evalue}`] };
}

/** How an error escaped the cell's own flow: nothing awaited or caught the promise, or a callback threw. */
export type StrayOrigin = "unhandledRejection" | "uncaughtException";

const STRAY_WHAT: Record<StrayOrigin, string> = {
  unhandledRejection: "unhandled promise rejection: a promise rejected and nothing awaited it or caught the error",
  uncaughtException: "uncaught exception in a callback (a timer, an event listener) that no try/catch surrounds",
};

/** The ErrorInfo of an error raised outside the cell's own flow; its first traceback line says how it escaped. */
export function strayError(thrown: unknown, origin: StrayOrigin): ErrorInfo {
  const base = runtimeError(thrown);
  return {
    ...base,
    traceback: [`${base.traceback[0] ?? base.ename} (${STRAY_WHAT[origin]})`, ...base.traceback.slice(1)],
  };
}

/** Plain text for a stray error reported as a stderr stream (after its cell ended, or with no cell to blame). */
export function strayText(error: ErrorInfo, where: string): string {
  return `${where}:\n${error.traceback.join("\n")}\n`;
}

/** ename of the error a cell gets when it calls process.exit(). */
export const EXIT_REFUSED_NAME = "ExitRefusedError";

/** The error thrown into a cell that calls process.exit(code): the kernel outlives its cells. */
export function exitRefused(code: unknown): Error {
  const shown = code === undefined ? "" : String(code);
  const e = new Error(
    `process.exit(${shown}) cannot end the kernel from a cell: the kernel keeps this notebook's state. ` +
      "To start over, restart the kernel (Jupyter: Kernel > Restart Kernel; VS Code: Restart in the notebook toolbar); " +
      "to stop the cell with an error, throw one.",
  );
  e.name = EXIT_REFUSED_NAME;
  return e;
}
