// The call queue behind "a second call while one runs is queued": FIFO order, a failure does not block later
// tasks, and a task whose signal fired before its turn is rejected without running.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SeedError } from "../../../model/runtime/errors";
import { TaskQueue } from "../../../model/runtime/task-queue";

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("tasks run one at a time in call order", async () => {
  const q = new TaskQueue();
  const log: string[] = [];
  const task = (name: string, turns: number) => async () => {
    log.push(`${name}+`);
    for (let i = 0; i < turns; i++) await tick();
    log.push(`${name}-`);
    return name;
  };
  const results = await Promise.all([q.run("a", task("a", 3)), q.run("b", task("b", 1)), q.run("c", task("c", 0))]);
  assert.deepEqual(results, ["a", "b", "c"]);
  assert.deepEqual(log, ["a+", "a-", "b+", "b-", "c+", "c-"]);
  assert.equal(q.size, 0);
});

test("a failing task rejects its caller only; the next task still runs", async () => {
  const q = new TaskQueue();
  const failed = q.run("bad", async () => {
    throw new Error("boom");
  });
  const ok = q.run("good", async () => 42);
  await assert.rejects(failed, /boom/);
  assert.equal(await ok, 42);
});

test("a task aborted while waiting is rejected with code aborted and never runs", async () => {
  const q = new TaskQueue();
  const ctrl = new AbortController();
  let ran = false;
  const first = q.run("first", async () => {
    await tick();
    ctrl.abort();
  });
  const second = q.run(
    "second",
    async () => {
      ran = true;
    },
    ctrl.signal,
  );
  await first;
  await assert.rejects(
    second,
    (e: unknown) =>
      e instanceof SeedError && e.code === "aborted" && /second was aborted before it started/.test(e.message),
  );
  assert.equal(ran, false);
});

test("an AbortSignal fired while waiting rejects at once, before the running task ends", async () => {
  const q = new TaskQueue();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const log: string[] = [];
  const first = q.run("first", async () => {
    await gate;
    log.push("first done");
  });
  const ctrl = new AbortController();
  const second = q.run("second", async () => log.push("second ran"), ctrl.signal);
  const third = q.run("third", async () => log.push("third ran"));
  ctrl.abort();
  await assert.rejects(second, /second was aborted before it started/);
  log.push("second rejected");
  release();
  await first;
  await third;
  assert.deepEqual(log, ["second rejected", "first done", "third ran"]);
});

test("waiting counts the tasks still in line: not the running one, nor those their signal dropped", async () => {
  const q = new TaskQueue();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const first = q.run("first", () => gate);
  const drop = new AbortController();
  const second = q.run("second", async () => "second", drop.signal);
  const third = q.run("third", async () => "third");
  await tick();
  assert.deepEqual([q.size, q.waiting], [3, 2]);
  drop.abort();
  await assert.rejects(second, /second was aborted before it started/);
  assert.equal(q.waiting, 1);
  release();
  await first;
  assert.equal(await third, "third");
  assert.deepEqual([q.size, q.waiting], [0, 0]);
});
