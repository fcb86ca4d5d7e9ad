// The SEED kernel through a REAL Jupyter client: jupyter_driver.py (Debian's jupyter_client) talks to our kernelspec
// in a temporary JUPYTER_PATH and reports what it saw; these tests assert on it. One kernel serves every protocol
// case (converter start-up costs seconds), plus one restart.

import assert from "node:assert/strict";
import { test } from "node:test";
import { kernelspecEnv, runDriver } from "./kernelspec-env";

interface Msg {
  type: string;
  content: Record<string, unknown>;
}
interface Exec {
  reply: Record<string, unknown>;
  outputs: Msg[];
}

const obs = runDriver(kernelspecEnv(), ["protocol"], 420_000);
const exec = (key: string): Exec => obs[key] as Exec;
const only = (e: Exec, type: string): Msg[] => e.outputs.filter((m) => m.type === type);

test("execute: execute_input, stream, execute_result with execution counts, busy/idle around each request", () => {
  const first = exec("first");
  assert.deepEqual(
    first.outputs.map((m) => m.type),
    ["status", "execute_input", "stream", "execute_result", "status"],
  );
  assert.equal(first.reply.status, "ok");
  assert.equal(first.reply.execution_count, 1);
  assert.deepEqual(only(first, "stream")[0]?.content, { name: "stdout", text: "hi\n" });
  const result = only(first, "execute_result")[0]?.content;
  assert.equal(result?.execution_count, 1);
  assert.deepEqual(result?.data, { "text/plain": "42" });
  // declarations carry over: n was 41, `n += 1` makes it 42
  const second = exec("second");
  assert.equal(second.reply.execution_count, 2);
  assert.deepEqual(only(second, "execute_result")[0]?.content.data, { "text/plain": "42" });
});

test("display_data carries a PNG that decodes (16x8, from the cell's own encoder)", () => {
  const png = exec("png");
  assert.equal(png.reply.status, "ok");
  const data = only(png, "display_data")[0]?.content.data as Record<string, string> | undefined;
  assert.ok(data?.["image/png"], "no image/png in display_data");
  const bytes = Buffer.from(data["image/png"], "base64");
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(bytes.readUInt32BE(16), 16);
  assert.equal(bytes.readUInt32BE(20), 8);
  assert.equal(data["text/plain"], "<PNG image 16x8>");
});

test("runtime and type errors are error messages with ename/evalue/traceback, and error replies", () => {
  const err = exec("error");
  const msg = only(err, "error")[0]?.content;
  assert.equal(msg?.ename, "RangeError");
  assert.equal(msg?.evalue, "bad value 42");
  assert.ok(Array.isArray(msg?.traceback) && (msg.traceback as string[])[0] === "RangeError: bad value 42");
  assert.equal(err.reply.status, "error");
  assert.equal(err.reply.ename, "RangeError");
  const typeErr = exec("type_error");
  assert.equal(only(typeErr, "error")[0]?.content.ename, "TSError");
  assert.match(String(typeErr.reply.evalue), /Type 'number' is not assignable to type 'string'/);
});

test("stop_on_error aborts the requests queued behind a failed cell, and only those", () => {
  const replies = obs.stop_on_error as Record<string, unknown>[];
  assert.deepEqual(
    replies.map((r) => r.status),
    ["error", "aborted", "aborted"],
  );
  assert.equal(exec("after_abort").reply.status, "ok");
  const tolerant = obs.no_stop_on_error as Record<string, unknown>[];
  assert.deepEqual(
    tolerant.map((r) => r.status),
    ["error", "ok"],
  );
});

test("a message with a bad signature is dropped; the kernel still answers good ones, its state untouched", () => {
  assert.equal(obs.bad_signature_answered, false);
  const after = exec("after_bad_signature");
  assert.deepEqual(
    only(after, "execute_result")[0]?.content.data,
    { "text/plain": "42" },
    "the forged `n = 999` must not have run",
  );
});

test("interrupt_request ends a busy loop and a long await within 1 s as KeyboardInterrupt; state is kept", () => {
  for (const key of ["interrupt_busy_loop", "interrupt_await"]) {
    const r = obs[key] as { seconds: number; reply: Record<string, unknown> };
    assert.ok(r.seconds < 1, `${key}: took ${r.seconds} s`);
    assert.equal(r.reply.status, "error");
    assert.equal(r.reply.ename, "KeyboardInterrupt");
  }
  assert.deepEqual(only(exec("after_interrupt"), "execute_result")[0]?.content.data, { "text/plain": "42" });
});

test("errors outside the running cell and process.exit are reported; the kernel and its state live on", () => {
  const stray = obs.stray as Record<
    string,
    {
      cell?: Exec;
      reply?: Record<string, unknown>;
      late?: (Msg & { parent: string })[];
      after: Exec;
      kernel_level?: Msg[];
    }
  >;
  const n = (e: Exec | undefined): unknown => (e ? only(e, "execute_result")[0]?.content.data : undefined);
  for (const [key, r] of Object.entries(stray))
    assert.deepEqual(
      n(r.after),
      { "text/plain": "42" },
      `${key}: the kernel lost its state: ${JSON.stringify(r.after)}`,
    );
  // An unawaited rejection and a throw in a timer fail the cell that started them, with the error and how it escaped.
  for (const [key, evalue, how] of [
    ["rejection", "unawaited", /unhandled promise rejection/],
    ["timer_throw", "in a timer", /uncaught exception in a callback/],
  ] as const) {
    const cell = stray[key]?.cell;
    assert.equal(cell?.reply.status, "error", `${key}: ${JSON.stringify(cell)}`);
    assert.equal(cell?.reply.evalue, evalue);
    const error = cell ? only(cell, "error")[0]?.content : undefined;
    assert.match((error?.traceback as string[] | undefined)?.[0] ?? "", how);
  }
  for (const key of ["exit0", "exit1"]) {
    const cell = stray[key]?.cell;
    assert.equal(cell?.reply.status, "error");
    assert.equal(cell?.reply.ename, "ExitRefusedError");
    assert.match(String(cell?.reply.evalue), /cannot end the kernel from a cell.*restart the kernel/);
  }
  // After its cell ended: a stderr stream under that cell's request, so the frontend shows it in that cell.
  for (const [key, text] of [
    ["late_rejection", /after the cell/],
    ["late_exit", /ExitRefusedError: process\.exit\(1\)/],
  ] as const) {
    const r = stray[key];
    assert.equal(r?.reply?.status, "ok");
    const streams = (r?.late ?? []).filter((m) => m.type === "stream");
    assert.equal(streams.length, 1, `${key}: ${JSON.stringify(r?.late)}`);
    assert.equal(streams[0]?.content.name, "stderr");
    assert.match(String(streams[0]?.content.text), text);
  }
  // No cell owns it: a kernel-level stderr stream (no parent header).
  const kernelLevel = (stray.no_owner?.kernel_level ?? []).filter((m) => m.type === "stream");
  assert.equal(kernelLevel.length, 1, JSON.stringify(stray.no_owner));
  assert.equal(kernelLevel[0]?.content.name, "stderr");
  assert.match(String(kernelLevel[0]?.content.text), /outside any cell[\s\S]*no cell owns this/);
});

test("interrupt_request ends an awaited seed.decode within 1 s; the model answers the next call", () => {
  assert.equal(exec("seed_tokenize").reply.status, "ok", JSON.stringify(exec("seed_tokenize").outputs));
  const r = obs.interrupt_seed as { seconds: number; reply: Record<string, unknown> };
  assert.ok(r.seconds < 1, `took ${r.seconds} s`);
  assert.equal(r.reply.ename, "KeyboardInterrupt");
  const after = exec("after_seed_interrupt");
  assert.equal(after.reply.status, "ok", JSON.stringify(after.outputs));
  assert.deepEqual(only(after, "execute_result")[0]?.content.data, { "text/plain": "2" });
});

test("complete, inspect, is_complete and comm_info answer from the live state with the right reply types", () => {
  assert.deepEqual((obs.complete as Record<string, unknown>).matches, ["greeting"]);
  const inspect = obs.inspect as { found: boolean; data: Record<string, string> };
  assert.equal(inspect.found, true);
  assert.match(inspect.data["text/plain"] ?? "", /const greeting: string/);
  assert.deepEqual(obs.is_complete, { status: "incomplete", indent: "  " });
  assert.deepEqual(obs.comm_info, { msg_type: "comm_info_reply", content: { status: "ok", comms: {} } });
});

test("complete_reply types each match with its signature; inspect of an unknown name is not found; is_complete can be invalid", () => {
  const seed = obs.complete_seed as {
    matches: string[];
    cursor_start: number;
    metadata: { _jupyter_types_experimental?: Record<string, unknown>[] };
  };
  assert.deepEqual(seed.matches, ["tokenize", "tokens"]);
  assert.equal(seed.cursor_start, 5);
  const types = seed.metadata._jupyter_types_experimental ?? [];
  assert.deepEqual(
    types.map((t) => [t.text, t.type, t.start, t.end]),
    [
      ["tokenize", "function", 5, 8],
      ["tokens", "function", 5, 8],
    ],
  );
  assert.match(String(types[0]?.signature), /^\(image: ImageSource\): Promise<Tokens>$/);
  const unknown = obs.inspect_unknown as { status: string; found: boolean; data: Record<string, unknown> };
  assert.deepEqual(unknown, { status: "ok", found: false, data: {}, metadata: {} });
  assert.deepEqual(obs.is_complete_more, {
    ")": { status: "invalid" },
    "x = 1;": { status: "complete" },
    "[1, 2)": { status: "invalid" },
  });
});

test("restart gives a new process with fresh state and no orphan; shutdown ends the process", () => {
  const r = obs.restart as { old_pid: number; new_pid: number; old_alive: boolean; fresh: Exec };
  assert.notEqual(r.old_pid, r.new_pid);
  assert.equal(r.old_alive, false);
  assert.equal(r.fresh.reply.status, "error");
  assert.match(String(r.fresh.reply.evalue), /Cannot find name 'n'/);
  const s = obs.shutdown as { pid: number | null; alive: boolean | null };
  assert.equal(typeof s.pid, "number");
  assert.equal(s.alive, false);
});

interface Timed {
  t: number;
  sent?: number;
  type: string;
  state?: string;
  display_id?: string;
  text?: string;
}
const timedRun = (key: string): { outputs: Timed[]; reply: Record<string, unknown> } =>
  obs[key] as { outputs: Timed[]; reply: Record<string, unknown> };

test("a live decode's updates leave the kernel while it runs, throttled and in order, not in a burst at the end", () => {
  const { outputs, reply } = timedRun("live_decode");
  assert.equal(reply.status, "ok", JSON.stringify(outputs));
  const shown = outputs.find((m) => m.type === "display_data");
  const updates = outputs.filter((m) => m.type === "update_display_data");
  const idle = outputs.find((m) => m.state === "idle")!;
  assert.ok(
    shown && updates.length >= 3,
    `display + ${updates.length} updates: ${JSON.stringify(outputs.map((m) => [m.type, m.t.toFixed(3)]))}`,
  );
  assert.ok(
    updates.every((u) => u.display_id === shown.display_id),
    "all for the one live display",
  );
  // The kernel's own send times (header dates): a loaded client may read a burst of messages at once, but what is
  // checked is when the kernel let them go.
  const sent = (m: Timed): number => m.sent ?? Number.NaN;
  const span = sent(idle) - sent(shown);
  assert.ok(
    sent(updates[0]!) - sent(shown) < span / 2,
    `the first update left ${(sent(updates[0]!) - sent(shown)).toFixed(3)} s into a ${span.toFixed(3)} s run`,
  );
  const live = updates.slice(0, -1);
  for (let i = 1; i < live.length; i++)
    assert.ok(
      sent(live[i]!) - sent(live[i - 1]!) >= 0.05,
      `updates ${i - 1} and ${i} left only ${(sent(live[i]!) - sent(live[i - 1]!)).toFixed(3)} s apart (throttle ~100 ms)`,
    );
  const steps = updates.map((u) => Number(/steps (?:\d+, )*(\d+) of/.exec(u.text ?? "")?.[1] ?? NaN));
  assert.deepEqual(
    [...steps].sort((a, b) => a - b),
    steps,
    `the step shown only moves forward: ${steps}`,
  );
  assert.match(updates.at(-1)!.text ?? "", /done/);
});

test("a streaming generation's updates reach its cell while it runs; the final one before idle", () => {
  const { outputs, reply } = timedRun("live_generate");
  assert.equal(reply.status, "ok", JSON.stringify(outputs));
  const updates = outputs.filter((m) => m.type === "update_display_data");
  assert.ok(updates.length >= 2, `${updates.length} updates`);
  assert.match(updates[0]!.text ?? "", / …$/, "an update while generating");
  assert.doesNotMatch(
    updates[0]!.text ?? "",
    /decoding image/,
    `the first update shows tokens as they stream, got ${JSON.stringify(updates.map((u) => u.text))}`,
  );
  assert.doesNotMatch(updates.at(-1)!.text ?? "", / …$/, "the final one");
});

test("an interrupted live view sends its final, interrupted state before the cell's idle, and nothing after", () => {
  const { outputs, reply } = timedRun("live_interrupted");
  assert.equal(reply.ename, "KeyboardInterrupt");
  const idleAt = outputs.findIndex((m) => m.state === "idle");
  assert.ok(idleAt > 0);
  const late = outputs.slice(idleAt + 1);
  assert.deepEqual(
    late.map((m) => `${m.type} ${m.text ?? ""}`),
    [],
    "no message of the cell after its idle status",
  );
  const lastDisplay = outputs.filter((m) => m.type === "display_data").at(-1)!;
  const finalState = outputs
    .filter((m) => m.type === "update_display_data" && m.display_id === lastDisplay.display_id)
    .at(-1);
  assert.match(
    finalState?.text ?? "",
    /^<Filmstrip \d+ frames, interrupted: /,
    `the running view ends as interrupted, got ${finalState?.text}`,
  );
  for (const m of outputs.filter((x) => x.type === "display_data")) {
    const last = outputs.filter((x) => x.type === "update_display_data" && x.display_id === m.display_id).at(-1);
    assert.doesNotMatch(last?.text ?? "running", /running/, `display ${m.display_id} left running`);
  }
});
