// Routes displays to the cell whose code made the call (the seed API's DisplaySink): the execution scope given by the
// session (which follows async continuations), else the cell executing now. A display created with an id can be
// updated later: while a cell runs the update goes out with that cell's outputs (Jupyter sends update_display_data
// under the running request's header); once nothing runs, it goes to the execution that created the display.
// Live views (a running decode or generation) are tracked per execution until they finish: settle() makes sure each
// one's final state has gone out before the cell's reply (waiting for it, or ending it as interrupted / failed).

import { randomUUID } from "node:crypto";
import type { DisplayHandle, DisplaySink, LiveEnding, LiveHandle } from "../api/context";
import type { MimeBundle } from "../protocol/mime";
import type { OutputItem } from "../protocol/rpc";

/** Receives the outputs of one execution (Jupyter iopub messages, JSON-RPC notifications, nbformat outputs). */
export interface OutputSink {
  emit(output: OutputItem): void;
}

/** Displays that were created with an id keep their owner this long (most recent first are kept). */
const MAX_REMEMBERED_DISPLAYS = 1000;

/** An open live view: how to end it, and how to tell a waiting settle() that it has finished. */
interface OpenView {
  end(reason: LiveEnding): void;
  finished: Promise<void>;
}

/** How a cell ended, for settle(). */
export type CellEnding = "ok" | LiveEnding;

export class DisplayRouter implements DisplaySink {
  private readonly owners = new Map<string, OutputSink>();
  /** Values that a live display already shows, with the sink (execution) that display went to. */
  private readonly shownLive = new WeakMap<object, OutputSink>();
  /** Live views that have not sent their final state, per execution. */
  private readonly openViews = new Map<OutputSink, Set<OpenView>>();

  /** `current` names the sink of the execution whose code is calling, undefined when no cell's code is (KernelSession). */
  constructor(private readonly current: () => OutputSink | undefined) {}

  display(bundle: MimeBundle, opts?: { displayId?: string }): DisplayHandle {
    const sink = this.requireCurrent("display");
    const displayId = opts?.displayId ?? randomUUID();
    this.remember(displayId, sink);
    sink.emit({ kind: "display", data: bundle, displayId });
    return { displayId, update: (next: MimeBundle) => this.update(displayId, next) };
  }

  live(bundle: MimeBundle, ending: (reason: LiveEnding) => MimeBundle): LiveHandle {
    const sink = this.requireCurrent("display");
    const { displayId } = this.display(bundle);
    let open = true;
    let done: () => void = () => undefined;
    const views = this.openViews.get(sink) ?? new Set<OpenView>();
    this.openViews.set(sink, views);
    const close = (last: MimeBundle): void => {
      if (!open) return;
      open = false;
      views.delete(view);
      if (views.size === 0 && this.openViews.get(sink) === views) this.openViews.delete(sink);
      sink.emit({ kind: "update", data: last, displayId });
      done();
    };
    const view: OpenView = {
      end: (reason) => close(ending(reason)),
      finished: new Promise<void>((resolve) => (done = resolve)),
    };
    views.add(view);
    return {
      displayId,
      update: (next) => {
        if (open) sink.emit({ kind: "update", data: next, displayId });
      },
      finish: close,
    };
  }

  /**
   * Called when the cell of `sink` has ended, before its reply: after an interrupt or an error each of its open live
   * views is ended now (its `ending` bundle goes out); after success they are awaited, unless `signal` aborts
   * meanwhile (then they end as interrupted and this resolves to "interrupted").
   */
  async settle(sink: OutputSink, how: CellEnding, signal: AbortSignal): Promise<CellEnding> {
    const views = (): OpenView[] => [...(this.openViews.get(sink) ?? [])];
    if (how === "ok") {
      if (views().length === 0) return "ok";
      if (!signal.aborted) {
        let onAbort: () => void = () => undefined;
        const aborted = new Promise<void>((resolve) =>
          signal.addEventListener("abort", (onAbort = () => resolve()), { once: true }),
        );
        // A view opened while waiting (the cell's background code goes on) is waited for too.
        while (views().length > 0 && !signal.aborted)
          await Promise.race([Promise.all(views().map((v) => v.finished)), aborted]);
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) return "ok";
      }
    }
    const reason: LiveEnding = how === "ok" ? "interrupted" : how;
    for (const view of views()) view.end(reason);
    return reason;
  }

  update(displayId: string, bundle: MimeBundle): void {
    const sink = this.current() ?? this.owners.get(displayId);
    if (!sink) {
      throw new Error(
        `display update: no display with id "${displayId}" and no cell is running; create it with display() first`,
      );
    }
    sink.emit({ kind: "update", data: bundle, displayId });
  }

  shownAs(value: object, displayId: string): void {
    const sink = this.owners.get(displayId);
    if (sink) this.shownLive.set(value, sink);
  }

  /** True when `value` is shown by a live display that went to `sink`: the execution's result would repeat it. */
  isShownIn(value: unknown, sink: OutputSink): boolean {
    return typeof value === "object" && value !== null && this.shownLive.get(value) === sink;
  }

  /** Forgets every display (kernel shutdown). */
  clear(): void {
    this.owners.clear();
    this.openViews.clear();
  }

  private requireCurrent(what: string): OutputSink {
    const sink = this.current();
    if (!sink) throw new Error(`${what}: no cell is running; displays can only be shown while a cell executes`);
    return sink;
  }

  private remember(displayId: string, sink: OutputSink): void {
    this.owners.delete(displayId);
    this.owners.set(displayId, sink);
    if (this.owners.size > MAX_REMEMBERED_DISPLAYS) {
      const oldest = this.owners.keys().next().value;
      if (oldest !== undefined) this.owners.delete(oldest);
    }
  }
}
