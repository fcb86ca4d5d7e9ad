// Soak: 200 tokenize + decode cells through Jupyter on the tiny test model. The kernel process's RSS (VmRSS) is
// sampled every 20 cells once the kernel has collected garbage; a leak is a trend, so the median of the last three
// samples (cells 160-200) must be within 15% of the median of the first three (cells 20-60, after warm-up:
// converter caches, model sessions). Medians, because one sample can still catch a late collection (CI once saw
// a flat 330-345 MB series whose last sample read 413 MB). At ~330 MB, 15% over the 140 cells between the two
// windows catches leaks above ~350 kB per cell: a retained tslab program (~1.5 MB per cell) or a retained decode
// with its intermediate tensors; smaller leaks hide in the noise of a 200-cell run.

import assert from "node:assert/strict";
import { test } from "node:test";
import { kernelspecEnv, runDriver } from "./kernelspec-env";

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("200 tokenize+decode cells: all ok, no RSS growth trend (< 15%)", () => {
  const r = runDriver(kernelspecEnv(), ["soak", "200"], 590_000) as {
    failed: number;
    failures: unknown[];
    cells: number;
    rss_every_20_kb: number[];
  };
  assert.equal(r.failed, 0, JSON.stringify(r.failures));
  assert.equal(r.cells, 200);
  const s = r.rss_every_20_kb;
  assert.equal(s.length, 10, `expected 10 RSS samples, got ${s.length}`);
  const early = median(s.slice(0, 3));
  const late = median(s.slice(-3));
  const growth = (late - early) / early;
  console.log(
    `soak: RSS median ${early} kB at cells 20-60, ${late} kB at cells 160-200 (${(growth * 100).toFixed(1)}%); every 20 cells: ${s.join(" ")}`,
  );
  assert.ok(
    growth < 0.15,
    `RSS grew ${(growth * 100).toFixed(1)}% (${early} -> ${late} kB); every 20 cells: ${s.join(" ")}`,
  );
});
