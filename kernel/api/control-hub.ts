// The kernel side of live controls: every view with controls that this kernel showed, by its display id. A control
// change (from the VS Code renderer through JSON-RPC, from a Jupyter widget through a comm, or from a cell's
// view.set()) validates the values, cancels the view's run that is still going, re-runs the view's computation and
// updates the same display in place: streamed frames first, then the finished view with the values that made it.
// Frontends that draw controls of their own (Jupyter widgets) subscribe to views being opened and changed.

import { randomUUID } from "node:crypto";
import { controlsBundle } from "../display/controls-view";
import type { ControlSpec, ControlsPayload, ControlValues } from "../protocol/controls";
import type { MimeBundle } from "../protocol/mime";
import type { DisplaySink } from "./context";
import { describe, SeedApiError } from "./validate";

/** One run of a view's computation. */
export interface ControlRun {
  values: Readonly<ControlValues>;
  /** A cheaper run while a slider moves (spec.previewNote says what it leaves out). */
  preview: boolean;
  signal: AbortSignal;
  /** Shows an intermediate inner view (a denoising step, the tokens so far). */
  frame(inner: MimeBundle): void;
}

export interface ControlledViewSpec {
  title: string;
  controls: readonly ControlSpec[];
  values: ControlValues;
  /** The call that reproduces the view with `values`. */
  code(values: Readonly<ControlValues>): string;
  /** What a preview run leaves out for `values` ("4 of 25 steps"); undefined: a preview would be the full run. */
  previewNote?(values: Readonly<ControlValues>): string | undefined;
  run(r: ControlRun): Promise<{ inner: MimeBundle; value: unknown }>;
}

/** How a change runs: "preview" (cheap, not kept), "final" (the full run), "auto" (preview now, final once still). */
export type ChangeMode = "preview" | "final" | "auto";

/** Where a change came from: a frontend's control (it shows the value already) or a cell's view.set(). */
export type ChangeOrigin = "frontend" | "api";

/** A frontend that draws controls itself (Jupyter widgets). */
export interface ControlFrontend {
  /** A view was just displayed (the cell that made it is still running). */
  opened(view: ControlledView): void;
  /** A full run of `view` finished (its values and code may be new); `origin` says who asked for it. */
  changed(view: ControlledView, origin: ChangeOrigin): void;
}

/** "auto" changes run the full view once no change came for this long. */
export const AUTO_SETTLE_MS = 250;

export class ControlledView {
  /** The values of the last finished full run. */
  values: ControlValues;
  /** The value of the last finished full run (a Reconstruction, a Generation, ...). */
  latest: unknown;
  bundle: MimeBundle;
  private controller: AbortController | undefined;
  private settleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly spec: ControlledViewSpec,
    private readonly display: DisplaySink,
  ) {
    this.values = { ...spec.values };
    this.bundle = this.render({ state: "running", values: this.values, inner: undefined });
  }

  get controls(): readonly ControlSpec[] {
    return this.spec.controls;
  }

  /** `partial` merged into the current values, each checked against its control. */
  resolve(partial: unknown): ControlValues {
    const where = `controls of "${this.spec.title}"`;
    if (typeof partial !== "object" || partial === null || Array.isArray(partial))
      throw new SeedApiError(`${where}: expected an object of control values, got ${describe(partial)}`);
    const next = { ...this.values };
    for (const [name, v] of Object.entries(partial)) {
      const c = this.spec.controls.find((x) => x.name === name);
      if (!c)
        throw new SeedApiError(
          `${where}: unknown control "${name}"; expected some of: ${this.spec.controls.map((x) => x.name).join(", ")}`,
        );
      if (
        typeof v !== "number" ||
        !Number.isFinite(v) ||
        v < c.min ||
        v > c.max ||
        (c.kind === "int" && !Number.isInteger(v))
      )
        throw new SeedApiError(
          `${where}: ${name} must be ${c.kind === "int" ? "an integer" : "a number"} from ${c.min} to ${c.max}, got ${describe(v)}`,
        );
      next[name] = v;
    }
    return next;
  }

  /** Cancels the running run and a pending settle (the view keeps what it shows). */
  cancel(): void {
    this.controller?.abort(new Error("superseded by a newer control change"));
    this.controller = undefined;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
  }

  /**
   * Runs the view with `values`. Resolves with the run's value (undefined for a preview, or when a newer change
   * cancelled it); rejects when the run failed (the view then says so). `outer` aborts it too (an interrupted cell).
   */
  async run(values: ControlValues, preview: boolean, outer?: AbortSignal): Promise<unknown> {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    const { signal } = controller;
    const onOuter = (): void => controller.abort(outer?.reason);
    outer?.addEventListener("abort", onOuter, { once: true });
    const previewNote = preview ? this.spec.previewNote?.(values) : undefined;
    const state = previewNote ? "preview" : "running";
    try {
      const out = await this.spec.run({
        values,
        preview: previewNote !== undefined,
        signal,
        frame: (inner) => {
          if (!signal.aborted) this.show({ state, values, inner, ...(previewNote ? { previewNote } : {}) });
        },
      });
      if (signal.aborted) return undefined;
      if (previewNote) {
        this.show({ state: "preview", values, inner: out.inner, previewNote });
        return undefined;
      }
      this.values = { ...values };
      this.latest = out.value;
      this.show({ state: "done", values, inner: out.inner });
      return out.value;
    } catch (e) {
      if (signal.aborted && !outer?.aborted) return undefined;
      const message = e instanceof Error ? e.message : String(e);
      this.show({ state: "error", values, error: message, inner: lastInner(this.bundle) });
      throw e;
    } finally {
      outer?.removeEventListener("abort", onOuter);
      if (this.controller === controller) this.controller = undefined;
    }
  }

  /** "auto": a preview now (when cheaper) and the full run once the values stayed put for AUTO_SETTLE_MS. */
  auto(values: ControlValues): Promise<unknown> {
    if (this.spec.previewNote?.(values) === undefined) return this.run(values, false);
    void this.run(values, true).catch(() => undefined);
    return new Promise((resolve, reject) => {
      this.settleTimer = setTimeout(() => {
        this.settleTimer = undefined;
        this.run(values, false).then(resolve, reject);
      }, AUTO_SETTLE_MS);
    });
  }

  private render(
    p: Omit<ControlsPayload, "version" | "viewId" | "title" | "controls" | "code" | "view"> & {
      inner: MimeBundle | undefined;
    },
  ): MimeBundle {
    return controlsBundle({
      viewId: this.id,
      title: this.spec.title,
      controls: [...this.spec.controls],
      code: this.spec.code(p.values),
      ...p,
    });
  }

  private show(p: Parameters<ControlledView["render"]>[0]): void {
    this.bundle = this.render(p);
    this.display.update(this.id, this.bundle);
  }
}

/** The inner bundle a controls bundle shows (kept on screen when a run fails). */
function lastInner(bundle: MimeBundle): MimeBundle | undefined {
  const payload = bundle["application/vnd.seed.controls+json"] as ControlsPayload | undefined;
  const view = payload?.view;
  return view ? { [view.mime]: view.data as object } : undefined;
}

export class ControlHub {
  private readonly views = new Map<string, ControlledView>();
  private readonly frontends = new Set<ControlFrontend>();

  constructor(private readonly display: DisplaySink) {}

  addFrontend(frontend: ControlFrontend): () => void {
    this.frontends.add(frontend);
    return () => this.frontends.delete(frontend);
  }

  /** Shows the view under the running cell and runs it once with its initial values (`signal`: the cell's). */
  async open(spec: ControlledViewSpec, signal: AbortSignal): Promise<ControlledView> {
    const id = `seed-controls-${randomUUID()}`;
    const view = new ControlledView(id, spec, this.display);
    this.display.display(view.bundle, { displayId: id });
    this.views.set(id, view);
    for (const f of this.frontends) f.opened(view);
    await view.run(view.values, false, signal);
    return view;
  }

  get(viewId: string): ControlledView | undefined {
    return this.views.get(viewId);
  }

  /** Applies a change to view `viewId` (see ChangeMode); throws SeedApiError for an unknown view or a bad value. */
  change(viewId: string, values: unknown, mode: ChangeMode, origin: ChangeOrigin): Promise<unknown> {
    const view = this.views.get(viewId);
    if (!view)
      throw new SeedApiError(
        `controls: this kernel has no view "${viewId}" (it was made by another kernel, or before a restart); run its cell again`,
      );
    const next = view.resolve(values);
    const done = mode === "auto" ? view.auto(next) : view.run(next, mode === "preview");
    const notify = (value: unknown): void => {
      if (value !== undefined) for (const f of this.frontends) f.changed(view, origin);
    };
    void done.then(notify, () => undefined);
    return done;
  }

  /** Stops every run (kernel shutdown). */
  close(): void {
    for (const view of this.views.values()) view.cancel();
    this.views.clear();
  }
}
