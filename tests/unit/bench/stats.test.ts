// bench/stats.ts: quantiles, summaries and formatting of benchmark samples; bench/interleave.ts: the rotation of
// implementations, warm-ups, failure handling and skip reasons, with fake drivers (no models, no timing asserts).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ImplDriver, runInterleaved, skippedDriver, withDeadline } from "../../../bench/interleave";
import { fmtMs, fmtSummary, measure, quantile, summarize } from "../../../bench/stats";
import type { Impl, MemoryCells } from "../../../bench/types";

describe("bench stats", () => {
  it("quantile interpolates linearly between sorted samples", () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([10, 20], 0.1), 11);
    assert.equal(quantile([7], 0.9), 7);
    assert.throws(() => quantile([], 0.5), /no samples/);
    assert.throws(() => quantile([1], 1.5), /q must be in \[0, 1\]/);
  });

  it("summarize sorts and reports median, p10, p90, min, max", () => {
    const s = summarize([9, 1, 5, 3, 7, 2, 8, 4, 6, 10, 0]);
    assert.deepEqual(s, { n: 11, median: 5, p10: 1, p90: 9, min: 0, max: 10 });
    assert.throws(() => summarize([]), /ran zero times/);
  });

  it("fmtSummary uses p10-p90 from 5 samples and min-max below", () => {
    assert.equal(fmtSummary(summarize([1, 2, 3])), "2.00 (1.00-3.00)");
    assert.equal(fmtSummary(summarize([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110])), "60.0 (20.0-100)");
    assert.equal(fmtMs(0.51234), "0.512");
    assert.equal(fmtMs(1234.4), "1234");
  });

  it("measure runs the warm-ups untimed and returns one sample per repetition", async () => {
    let calls = 0;
    const s = await measure(
      () => {
        calls++;
      },
      4,
      2,
    );
    assert.equal(calls, 6);
    assert.equal(s.ms.length, 4);
    assert.equal(s.warmup, 2);
    assert.ok(s.ms.every((x) => x >= 0));
    await assert.rejects(
      measure(() => undefined, 0),
      /reps must be an integer >= 1/,
    );
  });
});

function fakeDriver(impl: Impl, order: string[], opts: { failAt?: number; samples?: number } = {}): ImplDriver {
  let n = 0;
  return {
    impl,
    ops: {
      "tokenize.b1": async () => {
        n++;
        order.push(impl);
        if (opts.failAt !== undefined && n === opts.failAt) throw new Error(`${impl} broke`);
        return Array.from({ length: opts.samples ?? 1 }, () => n);
      },
    },
    skipped: { "decode.25": `${impl} has no decoder` },
    missing: `${impl}: no such row`,
    peak: { reset: async () => undefined, read: async () => 1000 + n },
  };
}

describe("bench interleave", () => {
  it("warms each implementation up once, then rotates the order every repetition", async () => {
    const order: string[] = [];
    const mem: MemoryCells = {};
    const out = await runInterleaved(
      [fakeDriver("inproc", order), fakeDriver("raw", order), fakeDriver("torch", order, { samples: 2 })],
      ["tokenize.b1"],
      () => ({ max: 3, min: 1, budgetMs: 60_000 }),
      mem,
      () => undefined,
    );
    assert.deepEqual(order, [
      "inproc",
      "raw",
      "torch",
      "inproc",
      "raw",
      "torch",
      "raw",
      "torch",
      "inproc",
      "torch",
      "inproc",
      "raw",
    ]);
    const raw = out.raw["tokenize.b1"];
    assert.ok(raw && "samples" in raw);
    assert.deepEqual(raw.samples.ms, [2, 3, 4]); // the warm-up (call 1) is not a sample
    const torch = out.torch["tokenize.b1"];
    assert.ok(torch && "samples" in torch);
    assert.equal(torch.samples.ms.length, 6); // 2 samples per repetition (like an LM decode round)
    assert.equal(mem["raw ORT session.run: tokenize 1"], 1001); // peak read right after the warm-up
  });

  it("gives rows without an op their skip reason, and a failing implementation a 'not measured' cell", async () => {
    const order: string[] = [];
    const out = await runInterleaved(
      [
        fakeDriver("inproc", order),
        fakeDriver("raw", order, { failAt: 3 }),
        skippedDriver("worker", "not measured: worker did not start"),
      ],
      ["tokenize.b1", "decode.25"],
      () => ({ max: 4, min: 4, budgetMs: 60_000 }),
      {},
      () => undefined,
    );
    assert.deepEqual(out.inproc["decode.25"], { skipped: "inproc has no decoder" });
    assert.deepEqual(out.worker["tokenize.b1"], { skipped: "not measured: worker did not start" });
    const broken = out.raw["tokenize.b1"];
    assert.ok(broken && "skipped" in broken);
    assert.match(broken.skipped, /^not measured: failed at repetition 2: raw broke/);
    assert.equal(order.filter((x) => x === "raw").length, 3); // stopped after the failure
    const ok = out.inproc["tokenize.b1"];
    assert.ok(ok && "samples" in ok && ok.samples.ms.length === 4);
  });

  it("stops adding repetitions when the row's budget is spent, but runs at least min", async () => {
    const order: string[] = [];
    const out = await runInterleaved(
      [fakeDriver("inproc", order), fakeDriver("raw", order)],
      ["tokenize.b1"],
      () => ({ max: 50, min: 2, budgetMs: 0 }),
      {},
      () => undefined,
    );
    const c = out.inproc["tokenize.b1"];
    assert.ok(c && "samples" in c);
    assert.equal(c.samples.ms.length, 2);
    assert.equal(order.length, 6); // 2 warm-ups + 2 repetitions x 2 implementations
  });

  it("withDeadline rejects a promise that never settles", async () => {
    await assert.rejects(
      withDeadline(new Promise<never>(() => undefined), 20, "the hung thing"),
      /the hung thing did not finish within 0.02 s/,
    );
    assert.equal(await withDeadline(Promise.resolve(7), 1000, "x"), 7);
  });
});
