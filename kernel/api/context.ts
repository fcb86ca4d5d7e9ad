// What the `seed` API needs from the kernel session that hosts it (engineer K builds one per kernel session):
// the model (loaded lazily, off-thread), a display sink routed to the executing cell, the running execution's
// AbortSignal, and the notebook folder for relative paths. kernel/api/create-seed-api.ts consumes this; nothing in
// kernel/api reaches for global state.

import type { MimeBundle } from "../protocol/mime";
import type { ModelProxy } from "./model-port";

export type { MimeBundle } from "../protocol/mime";
export type { ModelProxy } from "./model-port";

/** A display that can be replaced in place later (Jupyter update_display_data, VS Code replaceOutputItems). */
export interface DisplayHandle {
  readonly displayId: string;
  /** Replaces this display's outputs with `bundle`, wherever (in whichever cell) the display was created. */
  update(bundle: MimeBundle): void;
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
}
