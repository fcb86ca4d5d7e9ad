// A view with live controls (application/vnd.seed.controls+json): sliders for the view's parameters, the values that
// produced what is shown, "copy as code", and the inner view drawn by the ordinary renderer below. A slider posts
// changes through renderer messaging (dragging: preview runs; release: the full run); the extension forwards them to
// the kernel, whose updates re-render this output in place. The controls stay disabled, saying why, until the
// extension confirms that the kernel holding this view is running (never, for a saved notebook without one).
// Updates re-render into the same element: the sliders are kept (a drag in progress is not broken), only the
// values line, the code and the inner view are redrawn.

import type { RendererContext } from "vscode-notebook-renderer";
import type {
  ControlSpec,
  ControlStateMessage,
  ControlsPayload,
  RendererToExtension,
} from "../../kernel/protocol/controls";
import { NO_KERNEL_REASON } from "../../kernel/protocol/controls";
import { h } from "./dom";

export type DrawInner = (mime: string, value: unknown, root: HTMLElement) => Promise<void>;

/** What one output element keeps between renders. */
interface Mounted {
  viewId: string;
  inputs: Map<string, HTMLInputElement>;
  readouts: Map<string, HTMLElement>;
  status: HTMLElement;
  values: HTMLElement;
  code: HTMLElement;
  inner: HTMLElement;
  dragging: boolean;
  live: boolean;
}

const mounted = new WeakMap<HTMLElement, Mounted>();

function format(c: ControlSpec, v: number): string {
  return c.kind === "int" ? String(Math.round(v)) : String(Number(v.toFixed(4)));
}

function stateText(p: ControlsPayload): string {
  switch (p.state) {
    case "running":
      return "running…";
    case "preview":
      return `preview${p.previewNote ? ` (${p.previewNote})` : ""}…`;
    case "error":
      return `failed: ${p.error ?? "unknown error"}`;
    case "done":
      return "";
  }
}

function setLive(m: Mounted, live: boolean, reason: string | undefined): void {
  m.live = live;
  for (const input of m.inputs.values()) input.disabled = !live;
  m.status.textContent = live ? (reason ?? "") : (reason ?? NO_KERNEL_REASON);
  m.status.dataset.live = String(live);
}

function mount(p: ControlsPayload, root: HTMLElement, context: RendererContext<unknown>): Mounted {
  const post = context.postMessage?.bind(context);
  const m: Mounted = {
    viewId: p.viewId,
    inputs: new Map(),
    readouts: new Map(),
    status: h("div", { class: "muted seed-controls-status" }),
    values: h("div", { class: "muted seed-controls-values" }),
    code: h("code", { class: "seed-controls-code" }),
    inner: h("div", { class: "seed-controls-inner" }),
    dragging: false,
    live: false,
  };
  const send = (preview: boolean): void => {
    const values: Record<string, number> = {};
    for (const [name, input] of m.inputs) values[name] = Number(input.value);
    const msg: RendererToExtension = { type: "seed.controls.change", viewId: p.viewId, values, preview };
    post?.(msg);
  };
  const rows = p.controls.map((c) => {
    const input = h("input", {
      type: "range",
      min: c.min,
      max: c.max,
      step: c.step,
      value: p.values[c.name] ?? c.min,
      "aria-label": c.label,
      "data-control": c.name,
      disabled: true,
    });
    const readout = h("span", { class: "seed-controls-readout" }, format(c, Number(input.value)));
    input.addEventListener("input", () => {
      m.dragging = true;
      readout.textContent = format(c, Number(input.value));
      send(true);
    });
    input.addEventListener("change", () => {
      m.dragging = false;
      send(false);
    });
    m.inputs.set(c.name, input);
    m.readouts.set(c.name, readout);
    return h(
      "label",
      { class: "seed-controls-row" },
      h("span", { class: "seed-controls-label" }, c.label),
      input,
      readout,
    );
  });
  const copy = h(
    "button",
    { class: "seed-controls-copy", title: "copy the call that gives this view" },
    "copy as code",
  );
  copy.addEventListener("click", () => {
    const text = m.code.textContent ?? "";
    void navigator.clipboard?.writeText(text).then(
      () => (copy.textContent = "copied"),
      () => (copy.textContent = "select the code to copy it"),
    );
  });
  root.append(
    h("div", { class: "seed-controls" }, ...rows),
    m.values,
    h("div", { class: "row" }, m.code, copy),
    m.status,
    m.inner,
  );
  if (!post || !context.onDidReceiveMessage) {
    setLive(m, false, "controls need a running kernel: this view has no connection to the SEED kernel");
    return m;
  }
  setLive(m, false, "connecting to the kernel…");
  context.onDidReceiveMessage((raw) => {
    const msg = raw as Partial<ControlStateMessage>;
    if (msg?.type !== "seed.controls.state" || (msg.viewId !== p.viewId && msg.viewId !== "*")) return;
    setLive(m, msg.live === true, msg.reason);
  });
  const probe: RendererToExtension = { type: "seed.controls.probe", viewId: p.viewId };
  post(probe);
  return m;
}

export async function renderControls(
  p: ControlsPayload,
  element: HTMLElement,
  root: HTMLElement,
  context: RendererContext<unknown>,
  drawInner: DrawInner,
): Promise<HTMLElement> {
  let m = mounted.get(element);
  if (!m || m.viewId !== p.viewId || !root.contains(m.status)) {
    root.replaceChildren();
    m = mount(p, root, context);
    mounted.set(element, m);
  }
  // Values from elsewhere (view.set() in a cell) move the sliders, unless the user is dragging one.
  if (!m.dragging && p.state === "done")
    for (const c of p.controls) {
      const input = m.inputs.get(c.name);
      const v = p.values[c.name];
      if (input && v !== undefined) {
        input.value = String(v);
        m.readouts.get(c.name)!.textContent = format(c, v);
      }
    }
  const state = stateText(p);
  m.values.textContent = `${p.title}: ${p.controls.map((c) => `${c.label} ${format(c, p.values[c.name] ?? 0)}`).join(" · ")}${state ? ` · ${state}` : ""}`;
  m.values.dataset.state = p.state;
  m.code.textContent = p.code;
  const inner = h("div", {});
  if (p.view) await drawInner(p.view.mime, p.view.data, inner);
  m.inner.replaceChildren(inner);
  return root;
}
