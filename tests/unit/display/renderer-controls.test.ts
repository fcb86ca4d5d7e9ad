// The renderer's view with live controls (extension/renderer/controls-view.ts) in a happy-dom window, driven as VS
// Code drives it: without messaging the sliders are disabled and say why; with messaging it probes, enables on the
// extension's answer, posts previews while a slider moves and the full change on release, keeps its sliders across
// in-place updates (a drag is not broken), shows the values and the call, and disables again when the kernel stops.

import assert from "node:assert/strict";
import { test } from "node:test";
import { controlsBundle } from "../../../kernel/display/controls-view";
import { filmstripBundle } from "../../../kernel/display/filmstrip";
import type { ControlsPayload } from "../../../kernel/protocol/controls";
import { MIME } from "../../../kernel/protocol/mime";
import { gradientPng } from "./fixtures";
import { activateRenderer as activate, type El, win } from "./renderer-harness";

async function payload(seed: number, state: ControlsPayload["state"]): Promise<ControlsPayload> {
  const png = await gradientPng();
  const inner = filmstripBundle({
    frames: [{ step: 1, timestep: 900, image: { png, label: "s" } }],
    totalSteps: 4,
    done: true,
  });
  return controlsBundle({
    viewId: "v1",
    title: "decode",
    controls: [
      { name: "steps", label: "steps", kind: "int", min: 1, max: 50, step: 1 },
      { name: "seed", label: "seed", kind: "int", min: 0, max: 9999, step: 1 },
    ],
    values: { steps: 4, seed },
    code: `await seed.decode(tok, { steps: 4, seed: ${seed} })`,
    state,
    inner,
  })[MIME.controls] as ControlsPayload;
}

const item = (p: unknown) => ({ id: "x", mime: MIME.controls, json: () => p, text: () => JSON.stringify(p) });
const q = (el: El, s: string): El => {
  const found = el.shadowRoot!.querySelector(s);
  assert.ok(found, `expected an element matching ${s}`);
  return found;
};

test("without renderer messaging (a saved notebook elsewhere) the sliders are disabled and say why", async () => {
  const r = await activate({});
  const el = win.document.createElement("div");
  await r.renderOutputItem(item(await payload(0, "done")), el);
  const host = el as unknown as El;
  assert.equal(q(host, 'input[data-control="seed"]').disabled, true);
  assert.match(q(host, ".seed-controls-status").textContent ?? "", /controls need a running kernel/);
  assert.equal(q(host, ".seed-controls-code").textContent, "await seed.decode(tok, { steps: 4, seed: 0 })");
  assert.ok(q(host, ".seed-controls-inner img.pic"), "the inner filmstrip is drawn");
});

test("with messaging: probe, enable on the kernel's answer, preview while dragging, full change on release", async () => {
  const posted: unknown[] = [];
  let listener: (m: unknown) => void = () => undefined;
  const r = await activate({
    postMessage: (m: unknown) => posted.push(m),
    onDidReceiveMessage: (l: (m: unknown) => void) => {
      listener = l;
      return { dispose: () => undefined };
    },
  });
  const el = win.document.createElement("div");
  const host = el as unknown as El;
  await r.renderOutputItem(item(await payload(0, "done")), el);
  assert.deepEqual(posted, [{ type: "seed.controls.probe", viewId: "v1" }]);
  const slider = q(host, 'input[data-control="seed"]');
  assert.equal(slider.disabled, true, "disabled until the extension answers");
  listener({ type: "seed.controls.state", viewId: "v1", live: true });
  assert.equal(slider.disabled, false);
  slider.value = "1";
  slider.dispatchEvent(new win.Event("input"));
  slider.value = "2";
  slider.dispatchEvent(new win.Event("input"));
  slider.dispatchEvent(new win.Event("change"));
  assert.deepEqual(posted.slice(1), [
    { type: "seed.controls.change", viewId: "v1", values: { steps: 4, seed: 1 }, preview: true },
    { type: "seed.controls.change", viewId: "v1", values: { steps: 4, seed: 2 }, preview: true },
    { type: "seed.controls.change", viewId: "v1", values: { steps: 4, seed: 2 }, preview: false },
  ]);
  // The kernel's update re-renders the same element: the slider element survives, values and code follow.
  await r.renderOutputItem(item(await payload(2, "running")), el);
  assert.equal(q(host, 'input[data-control="seed"]'), slider, "the same slider element");
  assert.equal(q(host, ".seed-controls-values").getAttribute("data-state"), "running");
  await r.renderOutputItem(item(await payload(2, "done")), el);
  assert.match(q(host, ".seed-controls-values").textContent ?? "", /seed 2$/);
  assert.equal(q(host, ".seed-controls-code").textContent, "await seed.decode(tok, { steps: 4, seed: 2 })");
  // The kernel stopped: every view's controls are disabled with the reason.
  listener({
    type: "seed.controls.state",
    viewId: "*",
    live: false,
    reason: "controls need a running kernel: run the cell again to use them",
  });
  assert.equal(slider.disabled, true);
  assert.match(q(host, ".seed-controls-status").textContent ?? "", /run the cell again/);
});
