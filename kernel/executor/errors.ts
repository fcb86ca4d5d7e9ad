// Turns what a cell did wrong into Jupyter-style ErrorInfo (ename / evalue / traceback): TypeScript diagnostics from
// tslab's converter, thrown values (Errors or anything else), and interrupts (a KeyboardInterrupt, like IPython).

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
  return { ename: "KeyboardInterrupt", evalue: "the cell was interrupted", traceback: ["KeyboardInterrupt: the cell was interrupted"] };
}

/** Stack frames that belong to the kernel, tslab or Node internals rather than to the user's cell. */
function isInternalFrame(line: string): boolean {
  return /node:internal|node_modules[\\/]tslab[\\/]|[\\/]dist[\\/](kernel|cli)\.js|[\\/]kernel[\\/](executor|session|jupyter|rpc|runner)[\\/]/.test(line);
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
