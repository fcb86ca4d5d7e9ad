// The kernel's execution queue: one task at a time in order, pending tasks dropped with their own "aborted" answer.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ExecutionQueue } from "../../../kernel/session/execution-queue";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test("tasks run one at a time, in arrival order", async () => {
  const q = new ExecutionQueue<string>();
  const log: string[] = [];
  const gate = deferred();
  const a = q.enqueue(
    async () => {
      log.push("a start");
      await gate.promise;
      log.push("a end");
      return "a";
    },
    () => "a aborted",
  );
  const b = q.enqueue(
    async () => {
      log.push("b start");
      return "b";
    },
    () => "b aborted",
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ["a start"]);
  assert.equal(q.busy, true);
  assert.equal(q.waiting, 1);
  gate.resolve();
  assert.deepEqual(await Promise.all([a, b]), ["a", "b"]);
  assert.deepEqual(log, ["a start", "a end", "b start"]);
  assert.equal(q.busy, false);
});

test("abortPending drops only waiting tasks; each resolves with its aborted value and never runs", async () => {
  const q = new ExecutionQueue<string>();
  const gate = deferred();
  let ranC = false;
  const a = q.enqueue(
    async () => {
      await gate.promise;
      return "a";
    },
    () => "a aborted",
  );
  const b = q.enqueue(
    async () => "b",
    () => "b aborted",
  );
  const c = q.enqueue(
    async () => {
      ranC = true;
      return "c";
    },
    () => "c aborted",
  );
  await new Promise((r) => setImmediate(r));
  assert.equal(q.abortPending(), 2);
  gate.resolve();
  assert.deepEqual(await Promise.all([a, b, c]), ["a", "b aborted", "c aborted"]);
  assert.equal(ranC, false);
  // Tasks queued after the drop run normally (no timed abort window).
  assert.equal(
    await q.enqueue(
      async () => "d",
      () => "d aborted",
    ),
    "d",
  );
});

test("a task that throws rejects its own promise and the queue goes on", async () => {
  const q = new ExecutionQueue<string>();
  const a = q.enqueue(
    async () => {
      throw new Error("boom");
    },
    () => "x",
  );
  const b = q.enqueue(
    async () => "b",
    () => "x",
  );
  await assert.rejects(a, /boom/);
  assert.equal(await b, "b");
});

test("the running task's answer settles before the answers of the tasks it dropped", async () => {
  const q = new ExecutionQueue<string>();
  const order: string[] = [];
  const a = q.enqueue(
    async () => {
      await new Promise((r) => setImmediate(r));
      q.abortPending(); // what a failed cell with stop_on_error does
      return "a failed";
    },
    () => "a aborted",
  );
  const b = q.enqueue(
    async () => "b",
    () => "b aborted",
  );
  void a.then((v) => order.push(v));
  void b.then((v) => order.push(v));
  await Promise.all([a, b]);
  assert.deepEqual(order, ["a failed", "b aborted"]);
});
