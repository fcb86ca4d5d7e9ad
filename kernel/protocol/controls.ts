// Live controls: the payload of a view with controls (application/vnd.seed.controls+json), the messages between the
// VS Code renderer and the extension (renderer messaging), and the JSON-RPC requests the extension sends the kernel.
// Types and names only: compiled into the kernel, the extension host and the browser renderer alike.

import type { PAYLOAD_VERSION } from "./payloads";

/** One numeric control of a view (a slider with a number beside it). */
export interface ControlSpec {
  /** The option name in the call the view stands for (`steps`, `guidance`, `topP`, ...). */
  name: string;
  label: string;
  kind: "int" | "float";
  min: number;
  max: number;
  step: number;
}

export type ControlValues = Record<string, number>;

/**
 * A view with controls. `view` is the inner view (any SEED renderer payload) drawn below the controls.
 * state: "running" (frames of a run are streaming), "preview" (a cheaper run while a slider moves, e.g. fewer
 * denoising steps), "done" (the finished view for `values`), "error" (the run failed: `error` says why).
 */
export interface ControlsPayload {
  version: typeof PAYLOAD_VERSION;
  viewId: string;
  title: string;
  controls: ControlSpec[];
  /** The values that produced what is shown. */
  values: ControlValues;
  /** The `seed....(...)` call with those values ("copy as code"). */
  code: string;
  state: "running" | "preview" | "done" | "error";
  error?: string;
  /** What a preview run changes, e.g. "4 of 25 steps"; absent for full runs. */
  previewNote?: string;
  view: { mime: string; data: unknown } | null;
}

/** renderer -> extension: a control moved (`preview` while dragging, false once released). */
export interface ControlChangeMessage {
  type: "seed.controls.change";
  viewId: string;
  values: ControlValues;
  preview: boolean;
}

/** renderer -> extension: is the kernel that made this view alive (and does it still hold the view)? */
export interface ControlProbeMessage {
  type: "seed.controls.probe";
  viewId: string;
}

/** extension -> renderer: whether the controls of `viewId` (or, with viewId "*", of every view) can be used. */
export interface ControlStateMessage {
  type: "seed.controls.state";
  viewId: string;
  live: boolean;
  /** Why the controls are disabled, or the error of a change the kernel refused. */
  reason?: string;
}

export type RendererToExtension = ControlChangeMessage | ControlProbeMessage;

/** seed/controlChange params: the kernel re-runs the view with these values. */
export interface ControlChangeParams {
  viewId: string;
  values: ControlValues;
  preview: boolean;
}

/** seed/controlChange and seed/controlProbe result. */
export interface ControlAnswer {
  /** False when this kernel does not hold the view (another kernel made it, or the kernel restarted). */
  live: boolean;
  reason?: string;
}

export const NO_KERNEL_REASON = "controls need a running kernel: run the cell again to use them";
