// KernelSession on the real tslab engine, in this process (no Jupyter): declarations across cells, top-level await,
// stdout/stderr captured per cell and restored afterwards, rich results through toMimeBundle, structured compile and
// runtime errors, stop-on-error and interrupt semantics of the queue, silent runs, and `seed` injected with its
// types. One session serves every case (creating tslab's converter takes seconds).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { KernelSession } from "../../kernel/session/kernel-session";
import type { OutputItem } from "../../kernel/protocol/rpc";
import { ROOT } from "./kernelspec-env";

const session = new KernelSession({
  cwd: ROOT,
  loadModel: () => Promise.reject(new Error("no model in this test (loadModel called)")),
});
after(() => session.close());

async function run(code: string, options = {}) {
  const outputs: OutputItem[] = [];
  const result = await session.execute(code, { emit: (o) => outputs.push(o) }, options);
  return { result, outputs };
}

const plain = (outputs: OutputItem[]): string | undefined => {
  const r = outputs.find((o) => o.kind === "result");
  return r?.kind === "result" ? (r.data["text/plain"] as string) : undefined;
};

test("declarations and types carry across cells; top-level await; the last value is the result", async () => {
  const a = await run("interface Pt { x: number }\nconst base: number = 40;\nlet pts: Pt[] = [];");
  assert.equal(a.result.status, "ok");
  assert.equal(a.outputs.length, 0);
  const b = await run("pts.push({ x: base + 2 });\nconst later = await new Promise<number>((r) => setTimeout(() => r(pts[0].x), 10));\nlater");
  assert.equal(b.result.status, "ok");
  assert.equal(b.result.executionCount, 2);
  assert.equal(plain(b.outputs), "42");
});

test("stdout and stderr of a cell become stream outputs, and process.stdout.write is restored afterwards", async () => {
  const before = process.stdout.write;
  const r = await run('console.log("out", 1);\nconsole.error("err");\nprocess.stdout.write("raw");');
  assert.equal(process.stdout.write, before);
  const streams = r.outputs.filter((o) => o.kind === "stream").map((o) => (o.kind === "stream" ? `${o.name}:${o.text}` : ""));
  assert.deepEqual(streams, ["stdout:out 1\n", "stderr:err\n", "stdout:raw"]);
});

test("an object with toMimeBundle() renders through it; seed.display shows a display output", async () => {
  const r = await run('const rich = { toMimeBundle: () => ({ "text/html": "<b>hi</b>", "text/plain": "hi" }) };\nseed.display("shown");\nrich');
  assert.equal(r.result.status, "ok", JSON.stringify(r.outputs));
  const display = r.outputs.find((o) => o.kind === "display");
  assert.deepEqual(display?.kind === "display" ? display.data : undefined, { "text/plain": "shown" });
  const result = r.outputs.find((o) => o.kind === "result");
  assert.deepEqual(result?.kind === "result" ? result.data : undefined, { "text/html": "<b>hi</b>", "text/plain": "hi" });
});

test("`seed` has its declared types: a wrong argument is a compile error naming the parameter type", async () => {
  const r = await run("seed.splice(1, 2, 3)");
  assert.equal(r.result.status, "error");
  assert.equal(r.result.error?.ename, "TSError");
  assert.match(r.result.error?.evalue ?? "", /Tokens/);
});

test("compile errors come from the converter's diagnostics; runtime errors keep name and message; state survives", async () => {
  const c = await run('const n: number = "x";');
  assert.equal(c.result.error?.ename, "TSError");
  assert.match(c.result.error?.evalue ?? "", /^1:7 - Type 'string' is not assignable to type 'number'\. \(TS2322\)$/);
  const e = await run('throw new RangeError("bad " + base)');
  assert.deepEqual([e.result.error?.ename, e.result.error?.evalue], ["RangeError", "bad 40"]);
  assert.ok(e.outputs.some((o) => o.kind === "error"));
  assert.equal(plain((await run("base")).outputs), "40");
});

test("a failing cell aborts the cells queued behind it (stopOnError); with stopOnError false they run", async () => {
  const results = await Promise.all([run('throw new Error("stop")'), run("base + 1"), run("base + 2")]);
  assert.deepEqual(results.map((r) => r.result.status), ["error", "aborted", "aborted"]);
  assert.equal(results[1]?.result.executionCount, null);
  const tolerant = await Promise.all([run('throw new Error("go on")', { stopOnError: false }), run("base + 1")]);
  assert.deepEqual(tolerant.map((r) => r.result.status), ["error", "ok"]);
});

test("interrupt ends an awaited cell within 1 s as KeyboardInterrupt, drops the queue, keeps state", async () => {
  const running = run("await new Promise((r) => setTimeout(r, 30000));");
  const queued = run("base");
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  assert.deepEqual(session.interrupt(), { interrupted: true, droppedQueued: 1 });
  const [a, b] = await Promise.all([running, queued]);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(a.result.error?.ename, "KeyboardInterrupt");
  assert.equal(b.result.status, "aborted");
  assert.equal(plain((await run("base")).outputs), "40");
});

test("silent runs produce no outputs and do not advance the execution count", async () => {
  const before = session.executionCount;
  const r = await run('console.log("hidden"); 5', { silent: true });
  assert.equal(r.result.status, "ok");
  assert.equal(r.outputs.length, 0);
  assert.equal(session.executionCount, before);
});

test("a model that cannot load fails the cell with the loader's message, and the next cell may retry", async () => {
  const r = await run("await seed.info()");
  assert.equal(r.result.status, "error");
  assert.match(r.result.error?.evalue ?? "", /no model in this test/);
});
