// KernelSession on the real tslab engine, no Jupyter: declarations across cells, top-level await, stdout/stderr
// captured per cell and restored afterwards, rich results through toMimeBundle, structured compile and runtime
// errors, stop-on-error and interrupt semantics of the queue, silent runs, and `seed` injected with its types.
// The cells run in a child process (session-scenarios.ts; see why there) and these tests assert on its report.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import type { OutputItem } from "../../kernel/protocol/rpc";
import { ROOT } from "./kernelspec-env";
import type { Ran } from "./session-scenarios";

const obs = JSON.parse(
  execFileSync(process.execPath, ["--import", "tsx", join(__dirname, "session-scenarios.ts")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 240_000,
    maxBuffer: 16 << 20,
  })
    .trim()
    .split("\n")
    .pop() ?? "{}",
) as Record<string, unknown>;
const ran = (key: string): Ran => obs[key] as Ran;
const plain = (outputs: OutputItem[]): string | undefined => {
  const r = outputs.find((o) => o.kind === "result");
  return r?.kind === "result" ? (r.data["text/plain"] as string) : undefined;
};

test("declarations and types carry across cells; top-level await; the last value is the result", () => {
  assert.equal(ran("declare").result.status, "ok");
  assert.equal(ran("declare").outputs.length, 0);
  assert.equal(ran("await").result.status, "ok");
  assert.equal(ran("await").result.executionCount, 2);
  assert.equal(plain(ran("await").outputs), "42");
});

test("stdout and stderr of a cell become stream outputs, and process.stdout.write is restored afterwards", () => {
  assert.equal(obs.stdoutRestored, true);
  const streams = ran("streams")
    .outputs.filter((o) => o.kind === "stream")
    .map((o) => (o.kind === "stream" ? `${o.name}:${o.text}` : ""));
  assert.deepEqual(streams, ["stdout:out 1\n", "stderr:err\n", "stdout:raw"]);
});

test("an object with toMimeBundle() renders through it; seed.display shows a display output", () => {
  const r = ran("rich");
  assert.equal(r.result.status, "ok", JSON.stringify(r.outputs));
  const display = r.outputs.find((o) => o.kind === "display");
  assert.deepEqual(display?.kind === "display" ? display.data : undefined, { "text/plain": "shown" });
  const result = r.outputs.find((o) => o.kind === "result");
  assert.deepEqual(result?.kind === "result" ? result.data : undefined, {
    "text/html": "<b>hi</b>",
    "text/plain": "hi",
  });
});

test("`seed` has its declared types: a wrong argument is a compile error naming the parameter type", () => {
  const r = ran("seedTypes");
  assert.equal(r.result.status, "error");
  assert.equal(r.result.error?.ename, "TSError");
  assert.match(r.result.error?.evalue ?? "", /Tokens/);
});

test("compile errors come from the converter's diagnostics; runtime errors keep name and message; state survives", () => {
  const c = ran("compileError");
  assert.equal(c.result.error?.ename, "TSError");
  assert.match(c.result.error?.evalue ?? "", /^1:7 - Type 'string' is not assignable to type 'number'\. \(TS2322\)$/);
  const e = ran("runtimeError");
  assert.deepEqual([e.result.error?.ename, e.result.error?.evalue], ["RangeError", "bad 40"]);
  assert.ok(e.outputs.some((o) => o.kind === "error"));
  assert.equal(plain(ran("afterErrors").outputs), "40");
});

test("a failing cell aborts the cells queued behind it (stopOnError); with stopOnError false they run", () => {
  const results = obs.stopOnError as Ran[];
  assert.deepEqual(
    results.map((r) => r.result.status),
    ["error", "aborted", "aborted"],
  );
  assert.equal(results[1]?.result.executionCount, null);
  assert.deepEqual(
    (obs.noStopOnError as Ran[]).map((r) => r.result.status),
    ["error", "ok"],
  );
});

test("interrupt ends an awaited cell within 1 s as KeyboardInterrupt, drops the queue, keeps state", () => {
  assert.deepEqual(obs.interruptResult, { interrupted: true, droppedQueued: 1 });
  const [a, b] = obs.interrupted as Ran[];
  assert.ok((obs.interruptMs as number) < 1000, `${String(obs.interruptMs)} ms`);
  assert.equal(a?.result.error?.ename, "KeyboardInterrupt");
  assert.equal(b?.result.status, "aborted");
  assert.equal(plain(ran("afterInterrupt").outputs), "40");
});

test("the abandoned code of an interrupted cell gets AbortError from its next seed call, not a fresh signal", () => {
  assert.equal(ran("zombieCell").result.error?.ename, "KeyboardInterrupt");
  assert.equal(ran("newCellWhileZombie").result.status, "ok");
  assert.equal(plain(ran("zombieEnd").outputs), "'AbortError'");
});

test("a display made by a cell's timer after the cell ended goes to that cell, not to the cell running then", () => {
  const shown = (key: string): unknown[] =>
    ran(key)
      .outputs.filter((o) => o.kind === "display")
      .map((o) => (o.kind === "display" ? o.data["text/plain"] : undefined));
  assert.deepEqual(shown("lateOwner"), ["late"]);
  assert.deepEqual(shown("lateBystander"), []);
});

test("silent runs produce no outputs and do not advance the execution count", () => {
  assert.equal(ran("silent").result.status, "ok");
  assert.equal(ran("silent").outputs.length, 0);
  assert.equal(obs.silentCountUnchanged, true);
});

test("a model that cannot load fails the cell with the loader's message", () => {
  const r = ran("modelFails");
  assert.equal(r.result.status, "error");
  assert.match(r.result.error?.evalue ?? "", /no model in this test/);
});

test("a blank cell succeeds with no outputs, takes an execution count, and leaves state as it was", () => {
  const blank = ran("blank");
  assert.equal(blank.result.status, "ok");
  assert.equal(blank.outputs.length, 0);
  assert.equal(ran("afterBlank").result.executionCount, (blank.result.executionCount ?? 0) + 1);
  assert.equal(plain(ran("afterBlank").outputs), "43");
});
