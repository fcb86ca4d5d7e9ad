// The kernel's garbage collections (kernel/session/idle-gc.ts): after a second idle, and after a cell that left the
// heap grown past the limit since the last collection (a busy kernel is never idle). A fake heap gauge drives it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { IdleCollector } from "../../../kernel/session/idle-gc";

const MB = 1 << 20;

test("a cell that grew the heap past the limit since the last collection collects at once; smaller growth waits", () => {
  let heap = 100 * MB;
  let collections = 0;
  const collector = new IdleCollector(
    () => {
      collections++;
      heap = 100 * MB + collections * MB; // what survives: a little more each time
    },
    60_000,
    48 * MB,
    () => heap,
  );
  heap += 40 * MB;
  collector.afterCell();
  assert.equal(collections, 0, "40 MB of growth stays under the 48 MB limit");
  heap += 10 * MB;
  collector.afterCell();
  assert.equal(collections, 1, "50 MB of growth collects");
  // The limit counts from what the collection left (101 MB), not from the start.
  heap = 101 * MB + 47 * MB;
  collector.afterCell();
  assert.equal(collections, 1);
  heap += 2 * MB;
  collector.afterCell();
  assert.equal(collections, 2);
  collector.cancel();
});

test("idle: one collection once nothing happened for the delay; new work cancels it", async () => {
  let collections = 0;
  const collector = new IdleCollector(
    () => collections++,
    20,
    48 * MB,
    () => 0,
  );
  collector.poke();
  collector.cancel();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(collections, 0);
  collector.poke();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(collections, 1);
});
