// DisplayRouter's live views: their updates go to the execution that opened them, and settle() makes the final state
// of each one go out before the cell's reply - awaited after success, ended at once (as interrupted / failed) after an
// interrupt or an error - with every later update of an ended view dropped.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { OutputItem } from "../../../kernel/protocol/rpc";
import type { OutputSink } from "../../../kernel/session/display-router";
import { DisplayRouter } from "../../../kernel/session/display-router";

function recorder(): OutputSink & { items: string[] } {
  const items: string[] = [];
  return {
    items,
    emit: (o: OutputItem) =>
      items.push(`${o.kind}:${o.kind === "display" || o.kind === "update" ? String(o.data["text/plain"]) : ""}`),
  };
}

const ending = (how: string) => ({ "text/plain": `ended ${how}` });

test("a view that finishes by itself: settle after success returns at once, the updates in order", async () => {
  let current: OutputSink | undefined;
  const router = new DisplayRouter(() => current);
  const cell = recorder();
  current = cell;
  const view = router.live({ "text/plain": "0" }, ending);
  view.update({ "text/plain": "1" });
  view.finish({ "text/plain": "done" });
  view.update({ "text/plain": "late" });
  assert.equal(await router.settle(cell, "ok", new AbortController().signal), "ok");
  assert.deepEqual(cell.items, ["display:0", "update:1", "update:done"]);
});

test("after an interrupt or an error, open views are ended now and their later updates dropped", async () => {
  for (const how of ["interrupted", "error"] as const) {
    let current: OutputSink | undefined;
    const router = new DisplayRouter(() => current);
    const cell = recorder();
    current = cell;
    const a = router.live({ "text/plain": "a" }, ending);
    const b = router.live({ "text/plain": "b" }, ending);
    a.update({ "text/plain": "a1" });
    assert.equal(await router.settle(cell, how, new AbortController().signal), how);
    a.finish({ "text/plain": `a ${how} (too late)` });
    b.update({ "text/plain": "b1 (too late)" });
    assert.deepEqual(cell.items, ["display:a", "display:b", "update:a1", `update:ended ${how}`, `update:ended ${how}`]);
  }
});

test("after success, a view the cell did not await is waited for; an interrupt while waiting ends it", async () => {
  let current: OutputSink | undefined;
  const router = new DisplayRouter(() => current);
  const cell = recorder();
  current = cell;
  const view = router.live({ "text/plain": "0" }, ending);
  let settled = false;
  const settling = router.settle(cell, "ok", new AbortController().signal).then((r) => ((settled = true), r));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, false, "the cell's reply waits for its live view");
  view.update({ "text/plain": "1" });
  view.finish({ "text/plain": "done" });
  assert.equal(await settling, "ok");
  assert.deepEqual(cell.items, ["display:0", "update:1", "update:done"]);

  const other = recorder();
  current = other;
  const stuck = router.live({ "text/plain": "s" }, ending);
  const controller = new AbortController();
  const waiting = router.settle(other, "ok", controller.signal);
  setTimeout(() => controller.abort(), 20);
  assert.equal(await waiting, "interrupted");
  stuck.finish({ "text/plain": "too late" });
  assert.deepEqual(other.items, ["display:s", "update:ended interrupted"]);
});

test("a view's updates go to the execution that opened it, even while another cell runs", async () => {
  let current: OutputSink | undefined;
  const router = new DisplayRouter(() => current);
  const first = recorder();
  const second = recorder();
  current = first;
  const view = router.live({ "text/plain": "0" }, ending);
  current = second;
  view.update({ "text/plain": "1" });
  assert.deepEqual(first.items, ["display:0", "update:1"]);
  assert.deepEqual(second.items, []);
  assert.equal(
    await router.settle(second, "interrupted", new AbortController().signal),
    "interrupted",
    "the other cell has no views of its own",
  );
  assert.deepEqual(first.items, ["display:0", "update:1"]);
});
