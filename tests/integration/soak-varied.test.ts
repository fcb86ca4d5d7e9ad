// Soak with a different cell each time (new names, functions, interfaces, classes, strings), sent back to back through
// Jupyter as "Run All" does, so the kernel is never idle long enough for its idle collection: the case that grew the
// kernel ~1.2 MB a cell (255 -> 490 MB over 200 cells), every cell's TypeScript program piling up as garbage. The RSS
// is read every 30 cells while the cells keep coming; a leak or a pile-up is a trend, so the median of the last three
// samples must be within 40% of the median of the first three. The pile-up this guards against grew 92% over 200
// cells; what the cells keep (their declarations) is a few kB each (1,000 such cells measured 262 -> 293 MB); but V8
// sometimes keeps a one-time step of ~75 MB (+27%) for the rest of the run when the cells come back to back on an
// idle machine (seen once in four runs: 281 -> 355 MB at cell ~180, then flat), which is not a trend.

import assert from "node:assert/strict";
import { test } from "node:test";
import { kernelspecEnv, runDriver } from "./kernelspec-env";

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

test("300 different cells back to back: all ok, no RSS growth trend (< 40%)", () => {
  const r = runDriver(kernelspecEnv(), ["soak_varied", "300", "busy"], 590_000) as {
    failed: number;
    failures: unknown[];
    cells: number;
    rss_samples_kb: number[];
  };
  assert.equal(r.failed, 0, JSON.stringify(r.failures));
  assert.equal(r.cells, 300);
  const s = r.rss_samples_kb;
  assert.equal(s.length, 10, `expected 10 RSS samples, got ${s.length}`);
  const early = median(s.slice(0, 3));
  const late = median(s.slice(-3));
  const growth = (late - early) / early;
  console.log(
    `soak (varied, busy): RSS median ${early} kB at cells 30-90, ${late} kB at cells 240-300 (${(growth * 100).toFixed(1)}%); every 30 cells: ${s.join(" ")}`,
  );
  assert.ok(
    growth < 0.4,
    `RSS grew ${(growth * 100).toFixed(1)}% (${early} -> ${late} kB); every 30 cells: ${s.join(" ")}`,
  );
});
