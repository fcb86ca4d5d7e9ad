// What the `seed` API needs from the kernel session that hosts it (one per kernel session):
// the model (loaded lazily, off-thread), a display sink routed to the executing cell, the running execution's
// AbortSignal, and the notebook folder for relative paths. kernel/api/create-seed-api.ts consumes this; nothing in
// kernel/api reaches for global state.

import type { MimeBundle } from "../protocol/mime";
import type { ControlHub } from "./control-hub";
import type { ModelProxy } from "./model-port";

export type { MimeBundle } from "../protocol/mime";
export type { ModelProxy } from "./model-port";

/** A display that can be replaced in place later (Jupyter update_display_data, VS Code replaceOutputItems). */
export interface DisplayHandle {
  readonly displayId: string;
  /** Replaces this display's outputs with `bundle`, wherever (in whichever cell) the display was created. */
  update(bundle: MimeBundle): void;
}

/** How a live view ended when its cell ended first (an interrupt, an error) and it could not say so itself. */
export type LiveEnding = "interrupted" | "error";

/**
 * A display that shows a running call (a denoising filmstrip, a streaming generation). Its final state goes out with
 * finish(); if the cell ends first, the host sends `ending(reason)` itself before the cell's reply, and every later
 * update or finish of the view is dropped, so a saved notebook never keeps a half-finished view.
 */
export interface LiveHandle extends DisplayHandle {
  /** Sends the view's final bundle; later updates are dropped. */
  finish(bundle: MimeBundle): void;
}

/** Routes displays to the cell that is executing now. */
export interface DisplaySink {
  /** Shows `bundle` as a new output. With `displayId`, the output can be updated later under that id. */
  display(bundle: MimeBundle, opts?: { displayId?: string }): DisplayHandle;
  /** Replaces the outputs of an earlier display with id `displayId`. */
  update(displayId: string, bundle: MimeBundle): void;
  /**
   * Says that `value` is already on screen as the live display `displayId`, so that a cell ending with that same value
   * (`const g = await seed.chat(...); g`) does not show it a second time as its result. Optional for hosts.
   */
  shownAs?(value: object, displayId: string): void;
  /**
   * Shows a live view (see LiveHandle); `ending` builds its final bundle when the cell ends before the view does.
   * Optional for hosts: without it (a test sink), openLive falls back to display() and update().
   */
  live?(bundle: MimeBundle, ending: (reason: LiveEnding) => MimeBundle): LiveHandle;
}

/** A live view on `sink`: its own live() when it has one, else a plain display whose finish() is its last update. */
export function openLive(
  sink: DisplaySink,
  bundle: MimeBundle,
  ending: (reason: LiveEnding) => MimeBundle,
): LiveHandle {
  if (sink.live) return sink.live(bundle, ending);
  const handle = sink.display(bundle);
  let open = true;
  return {
    displayId: handle.displayId,
    update: (b) => open && handle.update(b),
    finish: (b) => {
      if (open) handle.update(b);
      open = false;
    },
  };
}

/** Everything the `seed` API needs from its host; built per kernel session by the kernel core. */
export interface SeedApiContext {
  /** The model (model/runtime's off-thread proxy). Loads on first call; later calls return the same instance. */
  model(): Promise<ModelProxy>;
  /** Routes to the cell that is executing now. */
  display: DisplaySink;
  /** The running execution's signal; aborted on interrupt. Called at the start of every API call. */
  signal(): AbortSignal;
  /** The notebook's folder: relative image paths resolve against it. */
  cwd: string;
  /**
   * The session's views with live controls (frontends route control changes to it). Optional: without it the API
   * keeps its own, which only a cell's view.set() can reach.
   */
  controls?: ControlHub;
}
