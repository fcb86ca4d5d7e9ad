// What the kernel prints outside any cell (seed/kernelStream): an error that escaped every cell, say a throw in a
// listener that no cell owns. No cell can show it, so it goes to the "SEED Kernel" output channel (the kernel's log),
// one log entry per line, marked as the kernel's own output. vscode-free, so that it is unit-tested under Node.

import type { KernelStreamParams } from "../../kernel/protocol/rpc";

/** The part of vscode.LogOutputChannel used here. */
export interface ErrorLog {
  error(message: string): void;
}

export function logKernelStream(log: ErrorLog, params: KernelStreamParams): void {
  const lines = params.text.replace(/\n+$/, "").split("\n");
  lines.forEach((line, i) => log.error(i === 0 ? `kernel ${params.name} (outside any cell): ${line}` : `  ${line}`));
}
