// Live controls through a REAL Jupyter client (jupyter_driver.py controls): a cell with seed.controls.decode opens
// @jupyter-widgets/controls models as comms (target jupyter.widget) and displays their box under the view; a
// frontend's slider update re-runs the view in place (update_display_data for the view's display id while it runs,
// then the finished view with the new value); request_state is answered with the model's state; a value the view
// refuses puts the slider back; comm_info lists the widgets; the cell side sees the new values.

import assert from "node:assert/strict";
import { test } from "node:test";
import { kernelspecEnv, runDriver } from "./kernelspec-env";

interface Msg {
  type: string;
  content: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
interface Seen {
  type: string;
  t: number;
  parent: string | null;
  display_id: string | null;
  text: string | null;
  comm_id: string | null;
  data: Record<string, unknown> | null;
}

const obs = runDriver(kernelspecEnv(), ["controls"], 300_000);
const open = obs.open as { reply: Record<string, unknown>; outputs: Msg[] };
const openMsgs = open.outputs.filter((m) => m.type === "comm_open");
const opens = openMsgs.map((m) => m.content);
const stateOf = (c: Record<string, unknown>) => (c.data as { state: Record<string, unknown> }).state;
const viewDisplay = open.outputs.find(
  (m) => m.type === "display_data" && "application/vnd.seed.controls+json" in (m.content.data as object),
);
const viewId = (viewDisplay?.content.transient as { display_id?: string } | undefined)?.display_id;

test("the cell opens widget models as comms and displays their box after the view", () => {
  assert.equal(open.reply.status, "ok", JSON.stringify(open.outputs).slice(0, 2000));
  assert.ok(viewId, "the view is a display with an id");
  assert.ok(
    openMsgs.every((m) => m.content.target_name === "jupyter.widget" && m.metadata.version === "2.1.0"),
    "each comm_open names the widget target, and the protocol version in the message's metadata",
  );
  const sliders = opens.map(stateOf).filter((s) => /SliderModel$/.test(String(s._model_name)));
  assert.deepEqual(
    sliders.map((s) => [s._model_name, s.description, s.value]),
    [
      ["IntSliderModel", "steps", 6],
      ["FloatSliderModel", "guidance", sliders[1]?.value],
      ["IntSliderModel", "seed", 0],
      ["IntSliderModel", "prefix k", 4],
    ],
  );
  const box = opens.find((c) => stateOf(c)._model_name === "VBoxModel")!;
  const ids = new Set(opens.map((c) => c.comm_id));
  for (const child of stateOf(box).children as string[])
    assert.ok(ids.has(child.replace("IPY_MODEL_", "")), `${child} was opened`);
  assert.ok(opens.indexOf(box) === opens.length - 1, "children before the box that refers to them");
  const widget = open.outputs.filter((m) => m.type === "display_data").at(-1)!.content.data as Record<string, unknown>;
  assert.deepEqual(widget["application/vnd.jupyter.widget-view+json"], {
    version_major: 2,
    version_minor: 0,
    model_id: box.comm_id,
  });
  assert.match(String(widget["text/plain"]), /controls need a running kernel/);
  const info = obs.info as { comms: Record<string, { target_name: string }> };
  assert.deepEqual(Object.keys(info.comms).sort(), [...ids].sort());
});

test("a slider update re-runs the view in place: frames while it runs, then the finished view with the new value", () => {
  const { seen } = obs.change as { seen: Seen[] };
  const updates = seen.filter((m) => m.type === "update_display_data");
  assert.ok(updates.length >= 2, JSON.stringify(seen.map((m) => [m.type, m.text?.split("\n")[0]])));
  assert.ok(
    updates.every((u) => u.display_id === viewId),
    "every update is for the view's display",
  );
  assert.match(
    updates[0]!.text ?? "",
    /seed 3 · prefix k 4 \((preview|running)/,
    "the first update is a frame of the new run",
  );
  assert.match(
    updates.at(-1)!.text ?? "",
    /^decode: steps 6 · guidance [\d.]+ · seed 3 · prefix k 4\nawait seed\.decode\(tk, \{ steps: 6, guidance: [\d.]+, seed: 3 \}\)/,
  );
  assert.ok(updates[0]!.t < updates.at(-1)!.t);
  const code = (obs.after_change as Seen[]).find((m) => m.type === "comm_msg");
  assert.match(JSON.stringify(code?.data), /seed: 3/, "the code line widget shows the new call");
});

test("request_state is answered with the slider's state; a refused value puts the slider back", () => {
  const asked = obs.request_state as { msg_id: string; seen: Seen[] };
  const answer = asked.seen.find((m) => m.type === "comm_msg" && m.parent === asked.msg_id);
  assert.equal((answer!.data as { method: string }).method, "update");
  assert.equal((answer!.data as { state: Record<string, unknown> }).state.value, 3);
  assert.equal((answer!.data as { state: Record<string, unknown> }).state._model_name, "IntSliderModel");
  const refused = obs.refused as { msg_id: string; seen: Seen[] };
  const back = refused.seen.find((m) => m.type === "comm_msg" && m.parent === refused.msg_id);
  assert.deepEqual((back!.data as { state: unknown }).state, { value: 3 });
  const after = obs.values_after as { reply: Record<string, unknown>; outputs: Msg[] };
  const text = String(
    (after.outputs.find((m) => m.type === "execute_result")!.content.data as Record<string, string>)["text/plain"],
  );
  assert.match(text, /"seed":3/);
  assert.match(text, /seed: 3 \}\)/);
});
