// openModelWorker: the same API off-thread. Results equal the in-process model's; abort mid-decode returns after
// the current step; the main event loop keeps turning while the worker computes; calls queue; errors cross the
// thread boundary as SeedErrors with their code; dispose ends the worker.

import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { openModelWorker, SeedError, SeedModel, type SeedRuntime } from "../../../model/runtime/index";
import { copyPackage, loadOptions, TINY_PACKAGE } from "../../helpers/packages";

const { cacheDir } = copyPackage();
let worker: SeedRuntime;
let local: SeedModel;
let png: Uint8Array;

before(async () => {
  worker = await openModelWorker(TINY_PACKAGE, loadOptions(cacheDir));
  local = await SeedModel.load(TINY_PACKAGE, loadOptions(cacheDir));
  png = new Uint8Array(
    await sharp({ create: { width: 20, height: 12, channels: 3, background: "#3366aa" } })
      .png()
      .toBuffer(),
  );
});
after(async () => {
  await worker.dispose();
  await local.dispose();
});

test("the worker gives the same ids, images and text as the in-process model", async () => {
  assert.deepEqual(worker.info.numTokens, local.info.numTokens);
  const [wi, li] = [await worker.loadImage(png), await local.loadImage(png)];
  const [wt, lt] = [await worker.tokenize(wi), await local.tokenize(li)];
  assert.deepEqual(wt.ids, lt.ids);
  assert.deepEqual(wt.attentionMaps.data, lt.attentionMaps.data);
  const codes = wt.ids[0] ?? [];
  const steps: number[] = [];
  const wd = await worker.decode(codes, { steps: 3, seed: 5, onStep: (e) => steps.push(e.step) });
  const ld = await local.decode(codes, { steps: 3, seed: 5 });
  assert.deepEqual(wd.image.data, ld.image.data);
  assert.deepEqual(steps, [0, 1, 2]);
  const prompt = [{ role: "user" as const, content: ["hi ", wi] }];
  const tokens: number[] = [];
  const wg = await worker.generate(prompt, {
    temperature: 0.8,
    seed: 4,
    maxNewTokens: 5,
    onToken: (e) => tokens.push(e.id),
  });
  const lg = await local.generate([{ role: "user", content: ["hi ", li] }], {
    temperature: 0.8,
    seed: 4,
    maxNewTokens: 5,
  });
  assert.deepEqual(wg.ids, lg.ids);
  assert.deepEqual(tokens, wg.ids);
  assert.equal(await worker.decodeText(await worker.encodeText("the cat")), "<s>the cat");
  assert.equal(await worker.decodeText(await worker.encodeText("the cat"), { skipSpecial: true }), "the cat");
});

test("abort mid-decode rejects after the current step, and the worker stays usable", async () => {
  const codes = new Array<number>(worker.info.numTokens).fill(3);
  const ctrl = new AbortController();
  let last = -1;
  const err = await worker
    .decode(codes, { steps: 500, signal: ctrl.signal, onStep: (e) => ((last = e.step), e.step === 3 && ctrl.abort()) })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(err instanceof SeedError && err.code === "aborted", String(err));
  assert.ok(last >= 3 && last < 499, `stopped after step ${last} of 500`); // events may trail the flag by a few steps
  assert.equal((await worker.decode(codes, { steps: 2 })).steps, 2);
});

test("the main event loop keeps turning while the worker decodes", async () => {
  const codes = new Array<number>(worker.info.numTokens).fill(1);
  let ticks = 0;
  let stepsDone = 0;
  const timer = setInterval(() => ticks++, 0);
  const ticksAtStep: number[] = [];
  await worker.decode(codes, { steps: 300, onStep: () => (stepsDone++, ticksAtStep.push(ticks)) });
  clearInterval(timer);
  assert.equal(stepsDone, 300);
  assert.ok(ticks > 0, "timers ran during the decode");
  assert.ok(new Set(ticksAtStep).size > 1, "timers ran between step events, not only after the call");
});

test("onStep and onToken run in the async context of the call, not of the worker's start", async () => {
  // The kernel routes a live view's updates to the cell whose code made the call through an AsyncLocalStorage;
  // a callback run in the context where the worker was opened would send them to the cell that loaded the model.
  const cell = new AsyncLocalStorage<string>();
  const fresh = await cell.run("cell that loaded the model", () =>
    openModelWorker(TINY_PACKAGE, loadOptions(cacheDir)),
  );
  try {
    const codes = new Array<number>(fresh.info.numTokens).fill(4);
    const seen: (string | undefined)[] = [];
    await cell.run("decoding cell", () => fresh.decode(codes, { steps: 3, onStep: () => seen.push(cell.getStore()) }));
    await cell.run("chat cell", () =>
      fresh.generate([1], { maxNewTokens: 2, temperature: 0, stopIds: [], onToken: () => seen.push(cell.getStore()) }),
    );
    assert.deepEqual(seen, ["decoding cell", "decoding cell", "decoding cell", "chat cell", "chat cell"]);
  } finally {
    await fresh.dispose();
  }
});

test("a second call while one runs is queued and runs after it", async () => {
  const codes = new Array<number>(worker.info.numTokens).fill(2);
  const order: string[] = [];
  await Promise.all([
    worker.decode(codes, { steps: 3, onStep: () => order.push("a") }).then(() => order.push("a-done")),
    worker.decode(codes, { steps: 2, onStep: () => order.push("b") }).then(() => order.push("b-done")),
    worker.encodeText("x").then(() => order.push("c-done")),
  ]);
  assert.deepEqual(order, ["a", "a", "a", "a-done", "b", "b", "b-done", "c-done"]);
});

test("errors cross the thread with their code and message; a throwing callback aborts the call", async () => {
  const N = worker.info.numTokens;
  await assert.rejects(
    worker.decode([1]),
    (e: unknown) =>
      e instanceof SeedError && e.code === "input" && new RegExp(`exactly ${N} codes, got 1`).test(e.message),
  );
  await assert.rejects(
    worker.loadImage(new Uint8Array([1, 2, 3])),
    (e: unknown) => e instanceof SeedError && e.code === "image",
  );
  await assert.rejects(
    worker.decode(new Array<number>(N).fill(0), {
      steps: 100,
      onStep: (e) => {
        if (e.step === 1) throw new Error("callback broke");
      },
    }),
    /callback broke/,
  );
  assert.equal((await worker.decode(new Array<number>(N).fill(0), { steps: 1 })).steps, 1);
});

test("a bad package fails openModelWorker with the loader's error; dispose ends the worker", async () => {
  await assert.rejects(
    openModelWorker("/nonexistent/pkg", loadOptions(cacheDir)),
    (e: unknown) => e instanceof SeedError && e.code === "manifest" && /no seed\.json/.test(e.message),
  );
  const w = await openModelWorker(TINY_PACKAGE, loadOptions(cacheDir));
  await w.dispose();
  await assert.rejects(w.encodeText("x"), (e: unknown) => e instanceof SeedError && e.code === "disposed");
});

test("the esbuild bundle dist/model-worker.js (what the kernel bundle starts) serves the same API", async () => {
  const bundle = join(__dirname, "..", "..", "..", "dist", "model-worker.js");
  assert.ok(existsSync(bundle), `${bundle} is missing; run "npm run build" (npm test builds first)`);
  const w = await openModelWorker(TINY_PACKAGE, { ...loadOptions(cacheDir), workerScript: bundle });
  try {
    const codes = new Array<number>(w.info.numTokens).fill(5);
    const [a, b] = [await w.decode(codes, { steps: 2, seed: 9 }), await local.decode(codes, { steps: 2, seed: 9 })];
    assert.deepEqual(a.image.data, b.image.data);
  } finally {
    await w.dispose();
  }
});
