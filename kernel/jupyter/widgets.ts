// Live controls as Jupyter widgets: for each view with controls, @jupyter-widgets/controls sliders (IntSlider /
// FloatSlider, protocol 2.1.0 as ipywidgets 8 speaks it) and an HTML line with the call that reproduces the view, in a
// VBox, opened as comms with target "jupyter.widget" and displayed under the view. So JupyterLab, Notebook 7 and VS
// Code's Jupyter extension draw them with their own widget manager, no extension of ours. A slider's "update" goes to
// the ControlHub as an "auto" change (a preview at once, the full run once the value stays put); `request_state`
// (a frontend reconnecting) is answered with the model's state. Without a kernel the widget output has no model to
// show: its text/plain says that the controls need a running kernel (the view above keeps its last image).

import { randomUUID } from "node:crypto";
import type { ControlFrontend, ControlHub, ControlledView } from "../api/control-hub";
import { escapeHtml } from "../display/html";
import type { ControlSpec } from "../protocol/controls";
import type { JupyterMessage } from "./wire";

export const WIDGET_TARGET = "jupyter.widget";
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";
const PROTOCOL_VERSION = "2.1.0";
const CONTROLS = { _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0" };
const CONTROLS_VIEW = { _view_module: "@jupyter-widgets/controls", _view_module_version: "2.0.0" };
const BASE_VIEW = { _view_module: "@jupyter-widgets/base", _view_module_version: "2.0.0" };

/** How widgets send their messages (the handler's KernelIO, on iopub); `metadata` is the message's own. */
export type SendIopub = (
  msgType: string,
  content: Record<string, unknown>,
  parent: JupyterMessage,
  metadata?: Record<string, unknown>,
) => void;

type State = Record<string, unknown>;

interface Model {
  state: State;
  /** For a slider: its view and control. */
  control?: { view: ControlledView; spec: ControlSpec };
}

const ref = (id: string): string => `IPY_MODEL_${id}`;

function codeHtml(view: ControlledView): string {
  return `<code style="font-size:12px">${escapeHtml(view.spec.code(view.values))}</code>`;
}

export class WidgetComms implements ControlFrontend {
  private readonly models = new Map<string, Model>();
  /** Per view: its slider model ids (by control name) and the code line's model id. */
  private readonly byView = new Map<string, { sliders: Map<string, string>; code: string }>();

  constructor(
    private readonly hub: ControlHub,
    private readonly send: SendIopub,
    /** The request outputs belong to now: the running execute_request, else the last request handled. */
    private readonly parent: () => JupyterMessage | undefined,
    private readonly log: (message: string) => void,
  ) {}

  /** comm_info_reply's `comms` for `targetName` (all of ours when it is empty). */
  info(targetName: string): Record<string, { target_name: string }> {
    if (targetName && targetName !== WIDGET_TARGET) return {};
    return Object.fromEntries([...this.models.keys()].map((id) => [id, { target_name: WIDGET_TARGET }]));
  }

  opened(view: ControlledView): void {
    const parent = this.parent();
    if (!parent) return;
    const open = (state: State, control?: Model["control"]): string => {
      const id = randomUUID().replace(/-/g, "");
      this.models.set(id, { state, ...(control ? { control } : {}) });
      this.send(
        "comm_open",
        { comm_id: id, target_name: WIDGET_TARGET, data: { state, buffer_paths: [] } },
        parent,
        // The widget protocol version goes in the message's metadata (as ipywidgets' Comm sends it).
        { version: PROTOCOL_VERSION },
      );
      return id;
    };
    const layout = (): string =>
      open({
        _model_module: "@jupyter-widgets/base",
        _model_module_version: "2.0.0",
        _model_name: "LayoutModel",
        ...BASE_VIEW,
        _view_name: "LayoutView",
      });
    const sliders = new Map<string, string>();
    const children: string[] = [];
    for (const spec of view.controls) {
      const style = open({
        ...CONTROLS,
        _model_name: "SliderStyleModel",
        ...BASE_VIEW,
        _view_name: "StyleView",
        description_width: "initial",
        handle_color: null,
      });
      const int = spec.kind === "int";
      const id = open(
        {
          ...CONTROLS,
          _model_name: int ? "IntSliderModel" : "FloatSliderModel",
          ...CONTROLS_VIEW,
          _view_name: int ? "IntSliderView" : "FloatSliderView",
          _dom_classes: [`seed-control-${spec.name}`],
          value: view.values[spec.name] ?? spec.min,
          min: spec.min,
          max: spec.max,
          step: spec.step,
          description: spec.label,
          description_allow_html: false,
          continuous_update: true,
          orientation: "horizontal",
          readout: true,
          readout_format: int ? "d" : ".2f",
          disabled: false,
          behavior: "drag-tap",
          tabbable: null,
          tooltip: null,
          layout: ref(layout()),
          style: ref(style),
        },
        { view, spec },
      );
      sliders.set(spec.name, id);
      children.push(id);
    }
    const code = open({
      ...CONTROLS,
      _model_name: "HTMLModel",
      ...CONTROLS_VIEW,
      _view_name: "HTMLView",
      _dom_classes: ["seed-controls-code"],
      value: codeHtml(view),
      placeholder: "",
      description: "",
      description_allow_html: false,
      tabbable: null,
      tooltip: null,
      layout: ref(layout()),
      style: ref(
        open({
          ...CONTROLS,
          _model_name: "HTMLStyleModel",
          ...BASE_VIEW,
          _view_name: "StyleView",
          description_width: "",
          font_size: null,
          text_color: null,
          background: null,
        }),
      ),
    });
    children.push(code);
    const box = open({
      ...CONTROLS,
      _model_name: "VBoxModel",
      ...CONTROLS_VIEW,
      _view_name: "VBoxView",
      _dom_classes: ["seed-controls"],
      box_style: "",
      children: children.map(ref),
      tabbable: null,
      tooltip: null,
      layout: ref(layout()),
    });
    this.byView.set(view.id, { sliders, code });
    this.send(
      "display_data",
      {
        data: {
          [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: box },
          "text/plain": `controls need a running kernel (${view.controls.map((c) => c.label).join(", ")}); the view above shows its last state`,
        },
        metadata: {},
        transient: {},
      },
      parent,
    );
  }

  changed(view: ControlledView, origin: "frontend" | "api"): void {
    const parent = this.parent();
    const mine = this.byView.get(view.id);
    if (!parent || !mine) return;
    this.update(mine.code, { value: codeHtml(view) }, parent);
    // A slider the user moved shows its value already; echoing it back could jump a slider still being dragged.
    if (origin === "api")
      for (const [name, id] of mine.sliders) {
        const v = view.values[name];
        if (v !== undefined) this.update(id, { value: v }, parent);
      }
  }

  /** Handles comm_open / comm_msg / comm_close from the frontend. */
  handle(type: string, msg: JupyterMessage): void {
    const c = msg.content as { comm_id?: unknown; target_name?: unknown; data?: unknown };
    const id = typeof c.comm_id === "string" ? c.comm_id : "";
    if (type === "comm_open") {
      // The frontend opening a comm of its own: this kernel creates widgets, it does not take them.
      this.send("comm_close", { comm_id: id, data: {} }, msg);
      return;
    }
    if (type === "comm_close") {
      this.models.delete(id);
      return;
    }
    const model = this.models.get(id);
    const data = (c.data ?? {}) as { method?: unknown; state?: unknown };
    if (!model) {
      this.log(`comm_msg for unknown comm ${id} ignored`);
      return;
    }
    if (data.method === "request_state") {
      this.send("comm_msg", { comm_id: id, data: { method: "update", state: model.state, buffer_paths: [] } }, msg);
      return;
    }
    if (data.method !== "update" || typeof data.state !== "object" || data.state === null) return;
    const state = data.state as State;
    Object.assign(model.state, state);
    if (!model.control || !("value" in state)) return;
    const { view, spec } = model.control;
    try {
      this.hub.change(view.id, { [spec.name]: state.value }, "auto", "frontend").catch(() => undefined);
    } catch (e) {
      // A value the view refuses (or a view gone with a restart): put the slider back and say why in the log.
      this.log(`control ${spec.name}: ${e instanceof Error ? e.message : String(e)}`);
      this.update(id, { value: view.values[spec.name] }, msg);
    }
  }

  private update(id: string, state: State, parent: JupyterMessage): void {
    const model = this.models.get(id);
    if (model) Object.assign(model.state, state);
    this.send("comm_msg", { comm_id: id, data: { method: "update", state, buffer_paths: [] } }, parent);
  }
}
