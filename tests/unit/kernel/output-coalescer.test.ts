// Stream coalescing and display-update collapsing for the JSON-RPC output notifications.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { OutputItem } from "../../../kernel/protocol/rpc";
import type { CoalescerTimer } from "../../../kernel/rpc/output-coalescer";
import { OutputCoalescer } from "../../../kernel/rpc/output-coalescer";

/** A timer fired by hand. */
function manualTimer(): CoalescerTimer & { fire(): void; armed: number } {
  let fn: (() => void) | undefined;
  const t = {
    armed: 0,
    set(f: () => void) {
      fn = f;
      t.armed++;
      return () => (fn = undefined);
    },
    fire() {
      const f = fn;
      fn = undefined;
      f?.();
    },
  };
  return t;
}

test("consecutive chunks of one stream become one message when the timer fires", () => {
  const sent: OutputItem[] = [];
  const timer = manualTimer();
  const c = new OutputCoalescer((o) => sent.push(o), { timer });
  for (let i = 0; i < 100; i++) c.push({ kind: "stream", name: "stdout", text: `line ${i}\n` });
  assert.equal(sent.length, 0);
  timer.fire();
  assert.equal(sent.length, 1);
  const first = sent[0];
  assert.ok(first?.kind === "stream");
  assert.equal(first.text.split("\n").length, 101);
});

test("stdout and stderr are not merged, and order is kept", () => {
  const sent: OutputItem[] = [];
  const c = new OutputCoalescer((o) => sent.push(o), { timer: manualTimer() });
  c.push({ kind: "stream", name: "stdout", text: "a" });
  c.push({ kind: "stream", name: "stderr", text: "b" });
  c.push({ kind: "stream", name: "stdout", text: "c" });
  c.flush();
  assert.deepEqual(
    sent.map((o) => (o.kind === "stream" ? `${o.name}:${o.text}` : o.kind)),
    ["stdout:a", "stderr:b", "stdout:c"],
  );
});

test("a display flushes pending streams first; updates of one displayId collapse to the latest", () => {
  const sent: OutputItem[] = [];
  const timer = manualTimer();
  const c = new OutputCoalescer((o) => sent.push(o), { timer });
  c.push({ kind: "stream", name: "stdout", text: "before" });
  c.push({ kind: "display", data: { "text/plain": "d" }, displayId: "x" });
  assert.deepEqual(
    sent.map((o) => o.kind),
    ["stream", "display"],
  );
  for (let i = 0; i < 50; i++) c.push({ kind: "update", data: { "text/plain": `step ${i}` }, displayId: "x" });
  c.push({ kind: "update", data: { "text/plain": "other" }, displayId: "y" });
  timer.fire();
  const updates = sent.filter((o) => o.kind === "update");
  assert.equal(updates.length, 2);
  assert.deepEqual(updates[0]?.kind === "update" ? updates[0].data : undefined, { "text/plain": "step 49" });
});

test("no stream message exceeds maxChunkChars", () => {
  const sent: OutputItem[] = [];
  const c = new OutputCoalescer((o) => sent.push(o), { timer: manualTimer(), maxChunkChars: 10 });
  c.push({ kind: "stream", name: "stdout", text: "x".repeat(35) });
  c.flush();
  assert.deepEqual(
    sent.map((o) => (o.kind === "stream" ? o.text.length : -1)),
    [10, 10, 10, 5],
  );
});
