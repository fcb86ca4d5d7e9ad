// The messages between the headless runner (seed-notebook run) and the kernel process it starts with
// `node dist/kernel.js --ipc` over Node's IPC channel. Types only. The runner keeps the kernel in a child process so
// that it can always stop a cell (a synchronous loop cannot be interrupted from its own thread) and always write the
// notebook it has, whatever the cell does to its process.

import type { ExecuteResult, OutputItem } from "../protocol/rpc";

/** runner -> kernel. SIGINT (not a message) interrupts the running cell: it also stops synchronous loops. */
export type ToKernel = { kind: "execute"; id: number; code: string };

/** kernel -> runner. */
export type FromKernel =
  /** The cell engine has started (the converter's start-up is not the first cell's time). */
  | { kind: "ready" }
  /** An output of execution `id`, while it runs or (an error that escaped it) after it ended. */
  | { kind: "output"; id: number; output: OutputItem }
  | { kind: "result"; id: number; result: ExecuteResult }
  /** Text the kernel itself prints: an error no cell owns. */
  | { kind: "kernelStream"; text: string };
