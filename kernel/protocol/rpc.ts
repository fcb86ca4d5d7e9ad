// The JSON-RPC contract between the VS Code extension (client) and the kernel process (server), on top of LSP
// (vscode-languageclient <-> vscode-languageserver over stdio). Types only, plus method names: no Node, no vscode.
// Completion and hover are plain LSP requests on notebook cell documents; everything here is custom.

import type { MimeBundle } from "./mime";

export const RPC = {
  /** client -> kernel request: run one cell. Resolves when the cell has finished (or was interrupted). */
  execute: "seed/execute",
  /** client -> kernel request: interrupt the running cell and drop the queued ones. */
  interrupt: "seed/interrupt",
  /** client -> kernel request: kernel status (model, execution provider, memory). */
  status: "seed/status",
  /** kernel -> client notification: an output of a running (or finished, for late display updates) execution. */
  output: "seed/output",
  /** kernel -> client notification: kernel state changed (model loaded, busy, idle). */
  statusChanged: "seed/statusChanged",
  /** kernel -> client notification: output of the kernel itself, owned by no execution (an error no cell owns). */
  kernelStream: "seed/kernelStream",
  /** client -> kernel request: a control of a view moved (ControlChangeParams -> ControlAnswer, kernel/protocol/controls.ts). */
  controlChange: "seed/controlChange",
  /** client -> kernel request: does this kernel hold view `viewId` ({ viewId } -> ControlAnswer)? */
  controlProbe: "seed/controlProbe",
} as const;

export interface ExecuteParams {
  /** Chosen by the client, unique per execution; every output notification carries it. */
  executionId: string;
  code: string;
  /** The cell document's URI, so completion/hover can map cells to kernel state. */
  cellUri?: string;
}

export interface ErrorInfo {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface ExecuteResult {
  /** "aborted": the cell never ran because an earlier one failed or the queue was interrupted. */
  status: "ok" | "error" | "aborted";
  /** Jupyter-style execution count; null for an aborted cell. */
  executionCount: number | null;
  error?: ErrorInfo;
}

export type OutputItem =
  | { kind: "stream"; name: "stdout" | "stderr"; text: string }
  | { kind: "display"; data: MimeBundle; metadata?: Record<string, unknown>; displayId?: string }
  /** Replace the outputs of an earlier display (same displayId), possibly in another cell. */
  | { kind: "update"; data: MimeBundle; metadata?: Record<string, unknown>; displayId: string }
  /** The value of the cell's last expression. */
  | { kind: "result"; data: MimeBundle; metadata?: Record<string, unknown>; executionCount: number }
  | { kind: "error"; error: ErrorInfo }
  | { kind: "clear"; wait: boolean };

export interface OutputParams {
  executionId: string;
  output: OutputItem;
}

/** seed/kernelStream: text the kernel itself prints (Jupyter: a stream message without a parent). */
export interface KernelStreamParams {
  name: "stderr";
  text: string;
}

export interface KernelStatus {
  state: "starting" | "idle" | "busy" | "dead";
  model?: {
    name: string;
    path: string;
    executionProvider: string;
    providerReason?: string;
    /** Where the language model runs, in words ("in-process (onnxruntime, cpu)", "remote http://... (vLLM)"). */
    languageModel?: string;
  };
  memory: { rssBytes: number; heapUsedBytes: number };
  pid: number;
}

export interface InterruptResult {
  /** True when a running cell was stopped; queued cells are always dropped. */
  interrupted: boolean;
  droppedQueued: number;
}
