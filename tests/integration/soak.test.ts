// Soak: 200 tokenize + decode cells through Jupyter on the tiny test model; the kernel process's RSS (VmRSS) after
// the last cell must be within 20% of its RSS after the first 20 (warm-up: converter caches, model sessions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { kernelspecEnv, runDriver } from "./kernelspec-env";

test("200 tokenize+decode cells: all ok, RSS growth < 20%", () => {
  const r = runDriver(kernelspecEnv(), ["soak", "200"], 590_000) as { failed: number; failures: unknown[]; cells: number; rss_after_20_kb: number; rss_end_kb: number; rss_every_20_kb: number[] };
  assert.equal(r.failed, 0, JSON.stringify(r.failures));
  assert.equal(r.cells, 200);
  const growth = (r.rss_end_kb - r.rss_after_20_kb) / r.rss_after_20_kb;
  console.log(`soak: RSS ${r.rss_after_20_kb} kB after 20 cells, ${r.rss_end_kb} kB after 200 (${(growth * 100).toFixed(1)}%); every 20 cells: ${r.rss_every_20_kb.join(" ")}`);
  assert.ok(growth < 0.2, `RSS grew ${(growth * 100).toFixed(1)}% (${r.rss_after_20_kb} -> ${r.rss_end_kb} kB)`);
});
