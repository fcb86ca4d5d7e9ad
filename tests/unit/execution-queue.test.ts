// The extension's per-notebook execution queue: order, cancel-after-error, interrupt, removal, idle.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type CancelReason, ExecutionQueue, type JobOutcome, type QueueJob } from "../../extension/src/execution-queue";

/** A job whose run() resolves when the test says so; records what happened to it. */
class Job implements QueueJob {
  events: string[];
  private release: ((o: JobOutcome) => void) | undefined;
  started = false;
  constructor(
    readonly name: string,
    log: string[],
  ) {
    this.events = log;
  }
  run(): Promise<JobOutcome> {
    this.started = true;
    this.events.push(`run ${this.name}`);
    return new Promise((resolve) => (this.release = resolve));
  }
  cancel(reason: CancelReason): void {
    this.events.push(`cancel ${this.name} ${reason}`);
  }
  finish(outcome: JobOutcome): void {
    assert.ok(this.release, `${this.name} is not running`);
    this.release(outcome);
  }
}

const tick = () => new Promise((r) => setImmediate(r));

test("runs jobs one at a time in order", async () => {
  const log: string[] = [];
  const q = new ExecutionQueue<Job>();
  const [a, b] = [new Job("a", log), new Job("b", log)];
  q.enqueue(a);
  q.enqueue(b);
  await tick();
  assert.deepEqual(log, ["run a"]);
  assert.equal(q.running, a);
  a.finish("ok");
  await tick();
  assert.deepEqual(log, ["run a", "run b"]);
  b.finish("ok");
  await q.whenIdle();
  assert.equal(q.isIdle, true);
});

test("an error cancels the queued jobs", async () => {
  const log: string[] = [];
  const q = new ExecutionQueue<Job>();
  const jobs = ["a", "b", "c"].map((n) => new Job(n, log));
  jobs.forEach((j) => q.enqueue(j));
  await tick();
  jobs[0].finish("error");
  await q.whenIdle();
  assert.deepEqual(log, ["run a", "cancel b previous-failed", "cancel c previous-failed"]);
});

test("a thrown run counts as an error", async () => {
  const log: string[] = [];
  const q = new ExecutionQueue<QueueJob>();
  q.enqueue({ run: () => Promise.reject(new Error("boom")), cancel: () => log.push("cancel 1") });
  q.enqueue({ run: async () => (log.push("run 2"), "ok"), cancel: (r) => log.push(`cancel 2 ${r}`) });
  await q.whenIdle();
  assert.deepEqual(log, ["cancel 2 previous-failed"]);
});

test("cancelQueued drops waiting jobs but not the running one; remove drops one", async () => {
  const log: string[] = [];
  const q = new ExecutionQueue<Job>();
  const jobs = ["a", "b", "c", "d"].map((n) => new Job(n, log));
  jobs.forEach((j) => q.enqueue(j));
  await tick();
  assert.equal(q.remove(jobs[2]), true);
  assert.equal(q.remove(jobs[0]), false, "the running job cannot be removed");
  assert.equal(q.cancelQueued("interrupted"), 2);
  assert.deepEqual(log, ["run a", "cancel c cancelled", "cancel b interrupted", "cancel d interrupted"]);
  jobs[0].finish("aborted");
  await q.whenIdle();
  assert.equal(jobs[1].started, false);
});

test("after dispose, new jobs are cancelled instead of run", async () => {
  const log: string[] = [];
  const q = new ExecutionQueue<Job>();
  q.dispose();
  q.enqueue(new Job("late", log));
  await tick();
  assert.deepEqual(log, ["cancel late disposed"]);
});
