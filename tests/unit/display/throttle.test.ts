// The live-view throttle, driven by a fake clock: at most one emit per interval with the latest value, a timer
// for the trailing value, flush() for the final update, cancel() drops the pending one.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clock } from "../../../kernel/display/throttle";
import { throttle } from "../../../kernel/display/throttle";

/** A manual clock: advance(ms) moves time and fires due timers in order. */
function fakeClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 0;
  return {
    now: () => now,
    setTimer(fn, ms) {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return () => {
        timers = timers.filter((t) => t.id !== id);
      };
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
    pending: () => timers.length,
  };
}

test("1000 pushes over 2 s emit about 10 per second, always the latest value, plus the final one", () => {
  const clock = fakeClock();
  const seen: number[] = [];
  const t = throttle<number>((v) => seen.push(v), 100, clock);
  for (let i = 0; i < 1000; i++) {
    t.push(i);
    clock.advance(2);
  }
  t.flush();
  assert.ok(seen.length >= 19 && seen.length <= 22, `emitted ${seen.length} times`);
  assert.equal(seen[0], 0, "the first push is shown at once");
  assert.equal(seen.at(-1), 999, "the final value is always shown");
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, "values only move forward");
  assert.equal(t.emitted, seen.length);
});

test("a trailing value is emitted by the timer when the interval ends", () => {
  const clock = fakeClock();
  const seen: string[] = [];
  const t = throttle<string>((v) => seen.push(v), 100, clock);
  t.push("a");
  clock.advance(10);
  t.push("b");
  t.push("c");
  assert.deepEqual(seen, ["a"]);
  clock.advance(89);
  assert.deepEqual(seen, ["a"]);
  clock.advance(1);
  assert.deepEqual(seen, ["a", "c"]);
  assert.equal(clock.pending(), 0);
});

test("flush sends nothing when nothing is pending, and cancel drops the pending value", () => {
  const clock = fakeClock();
  const seen: number[] = [];
  const t = throttle<number>((v) => seen.push(v), 100, clock);
  t.push(1);
  t.flush();
  assert.deepEqual(seen, [1]);
  t.push(2);
  t.cancel();
  clock.advance(500);
  t.flush();
  assert.deepEqual(seen, [1]);
  assert.equal(clock.pending(), 0);
  assert.throws(() => throttle(() => undefined, -1, clock), /intervalMs must be >= 0/);
});
