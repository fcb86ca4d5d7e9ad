// The Jupyter protocol logic with a fake session and fake IO: reply types, busy/idle around each request,
// execute_input / outputs / execute_reply for ok, error and aborted cells, silent and store_history, shutdown.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { CompleteStatus, CompletionItemInfo } from "../../../kernel/executor/tslab-adapter";
import type { KernelIO, SessionPort } from "../../../kernel/jupyter/handler";
import { JupyterHandler } from "../../../kernel/jupyter/handler";
import type { JupyterMessage } from "../../../kernel/jupyter/wire";
import { newHeader } from "../../../kernel/jupyter/wire";
import type { ExecuteResult } from "../../../kernel/protocol/rpc";
import type { ExecuteOptions, OutputSink } from "../../../kernel/session/kernel-session";

interface Sent {
  channel: string;
  msgType: string;
  content: Record<string, unknown>;
  parent: string;
}

function request(msgType: string, content: Record<string, unknown> = {}): JupyterMessage {
  return {
    identities: [Buffer.from("id")],
    header: newHeader(msgType, "client"),
    parent_header: {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** A session whose execute() plays a script (outputs, then a result), or answers "aborted" without starting. */
function fakeSession(
  script: (code: string, sink: OutputSink) => ExecuteResult,
  aborted = false,
): SessionPort & { interrupts: number; lastOptions?: ExecuteOptions } {
  let count = 0;
  const s = {
    interrupts: 0,
    lastOptions: undefined as ExecuteOptions | undefined,
    get executionCount() {
      return count;
    },
    async execute(code: string, sink: OutputSink, options: ExecuteOptions = {}): Promise<ExecuteResult> {
      s.lastOptions = options;
      // Like KernelSession: an aborted cell never starts; a started one reports onStart before any output.
      if (aborted) return { status: "aborted", executionCount: null };
      if (options.storeHistory !== false && !options.silent) count++;
      options.onStart?.(count);
      return { ...script(code, sink), executionCount: count };
    },
    interrupt() {
      s.interrupts++;
      return { interrupted: true, droppedQueued: 0 };
    },
    async complete(_code: string, offset: number) {
      const items: CompletionItemInfo[] = [
        {
          name: "floor",
          kind: "method",
          detail: "(method) Math.floor(x: number): number",
          documentation: "Greatest integer <= x.",
        },
        { name: "fround", kind: "method" },
        { name: "flag", kind: "property", detail: "(property) Math.flag: boolean" },
      ];
      return { start: offset - 2, end: offset, candidates: items.map((i) => i.name), items };
    },
    async inspect() {
      return { start: 0, end: 1, text: "const x: number" };
    },
    async isComplete(code: string): Promise<CompleteStatus> {
      return code.endsWith("{")
        ? { status: "incomplete", indent: "  " }
        : code.startsWith(")")
          ? { status: "invalid" }
          : { status: "complete" };
    },
  };
  return s;
}

function harness(session: SessionPort) {
  const sent: Sent[] = [];
  const io: KernelIO = {
    send(channel, msgType, content, parent) {
      sent.push({ channel, msgType, content, parent: parent.header.msg_id });
    },
  };
  const shutdowns: boolean[] = [];
  const handler = new JupyterHandler(session, io, { shutdown: (r) => shutdowns.push(r), log: () => undefined });
  return { sent, handler, shutdowns };
}

test("execute ok: busy, execute_input, outputs, execute_reply with the count, idle; all parented to the request", async () => {
  const session = fakeSession((_code, sink) => {
    sink.emit({ kind: "stream", name: "stdout", text: "hi\n" });
    sink.emit({ kind: "display", data: { "image/png": "AAAA" }, displayId: "d1" });
    sink.emit({ kind: "update", data: { "image/png": "BBBB" }, displayId: "d1" });
    sink.emit({ kind: "result", data: { "text/plain": "42" }, executionCount: 1 });
    return { status: "ok", executionCount: 1 };
  });
  const { sent, handler } = harness(session);
  const req = request("execute_request", { code: "x", silent: false });
  await handler.handle("shell", req);
  assert.deepEqual(
    sent.map((s) => `${s.channel}:${s.msgType}`),
    [
      "iopub:status",
      "iopub:execute_input",
      "iopub:stream",
      "iopub:display_data",
      "iopub:update_display_data",
      "iopub:execute_result",
      "shell:execute_reply",
      "iopub:status",
    ],
  );
  assert.ok(sent.every((s) => s.parent === req.header.msg_id));
  assert.deepEqual(sent[0]?.content, { execution_state: "busy" });
  assert.equal(sent[1]?.content.execution_count, 1);
  assert.deepEqual(sent[3]?.content.transient, { display_id: "d1" });
  assert.deepEqual(sent[4]?.content.transient, { display_id: "d1" });
  assert.equal(sent[6]?.content.status, "ok");
  assert.equal(sent[6]?.content.execution_count, 1);
  assert.deepEqual(sent[7]?.content, { execution_state: "idle" });
});

test("execute error: error on iopub and execute_reply status error with ename/evalue/traceback; stop_on_error passed on", async () => {
  const error = { ename: "RangeError", evalue: "boom", traceback: ["RangeError: boom"] };
  const session = fakeSession((_c, sink) => {
    sink.emit({ kind: "error", error });
    return { status: "error", executionCount: 1, error };
  });
  const { sent, handler } = harness(session);
  await handler.handle("shell", request("execute_request", { code: "throw", stop_on_error: false }));
  const reply = sent.find((s) => s.msgType === "execute_reply");
  assert.deepEqual(reply?.content, { status: "error", execution_count: 1, ...error });
  assert.ok(sent.some((s) => s.msgType === "error" && s.content.ename === "RangeError"));
  assert.equal(session.lastOptions?.stopOnError, false);
});

test("an aborted execute gets busy, an 'aborted' reply and idle, and no execute_input", async () => {
  const { sent, handler } = harness(fakeSession(() => ({ status: "ok", executionCount: 0 }), true));
  await handler.handle("shell", request("execute_request", { code: "1" }));
  assert.deepEqual(
    sent.map((s) => s.msgType),
    ["status", "execute_reply", "status"],
  );
  assert.equal(sent[1]?.content.status, "aborted");
});

test("silent execution publishes no execute_input and does not store history", async () => {
  const session = fakeSession(() => ({ status: "ok", executionCount: 0 }));
  const { sent, handler } = harness(session);
  await handler.handle("shell", request("execute_request", { code: "1", silent: true }));
  assert.equal(sent.filter((s) => s.msgType === "execute_input").length, 0);
  assert.equal(session.lastOptions?.silent, true);
  assert.equal(session.lastOptions?.storeHistory, false);
});

test("kernel_info, complete, inspect, is_complete, comm_info, history answer with the right reply types", async () => {
  const { sent, handler } = harness(fakeSession(() => ({ status: "ok", executionCount: 0 })));
  await handler.handle("shell", request("kernel_info_request"));
  await handler.handle("shell", request("complete_request", { code: "Math.fl", cursor_pos: 7 }));
  await handler.handle("shell", request("inspect_request", { code: "x", cursor_pos: 1 }));
  await handler.handle("shell", request("is_complete_request", { code: "function f() {" }));
  await handler.handle("shell", request("comm_info_request"));
  await handler.handle("shell", request("history_request"));
  await handler.handle("shell", request("is_complete_request", { code: ")" }));
  const replies = sent.filter((s) => s.channel === "shell");
  assert.deepEqual(
    replies.map((r) => r.msgType),
    [
      "kernel_info_reply",
      "complete_reply",
      "inspect_reply",
      "is_complete_reply",
      "comm_info_reply",
      "history_reply",
      "is_complete_reply",
    ],
  );
  assert.equal(replies[0]?.content.protocol_version, "5.3");
  // The version is package.json's, the one place it is written.
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8")) as {
    version: string;
  };
  assert.equal(replies[0]?.content.implementation_version, pkg.version);
  assert.deepEqual(replies[1]?.content.matches, ["floor", "fround", "flag"]);
  assert.equal(replies[1]?.content.cursor_start, 5);
  // ipykernel's experimental types: one per match, with a function's signature (parameters and return type).
  assert.deepEqual((replies[1]!.content.metadata as Record<string, unknown>)._jupyter_types_experimental, [
    { start: 5, end: 7, text: "floor", type: "function", signature: "(x: number): number" },
    { start: 5, end: 7, text: "fround", type: "function", signature: "" },
    { start: 5, end: 7, text: "flag", type: "property", signature: "" },
  ]);
  assert.deepEqual(replies[6]?.content, { status: "invalid" });
  assert.deepEqual(replies[2]?.content.data, { "text/plain": "const x: number" });
  assert.deepEqual(replies[3]?.content, { status: "incomplete", indent: "  " });
  assert.deepEqual(replies[4]?.content, { status: "ok", comms: {} });
  assert.deepEqual(replies[5]?.content, { status: "ok", history: [] });
  // busy/idle around every request
  assert.equal(sent.filter((s) => s.msgType === "status").length, 14);
});

test("interrupt_request interrupts the session; shutdown_request replies with the restart flag, then shuts down", async () => {
  const session = fakeSession(() => ({ status: "ok", executionCount: 0 }));
  const { sent, handler, shutdowns } = harness(session);
  await handler.handle("control", request("interrupt_request"));
  assert.equal(session.interrupts, 1);
  assert.equal(sent.find((s) => s.msgType === "interrupt_reply")?.channel, "control");
  await handler.handle("control", request("shutdown_request", { restart: true }));
  assert.deepEqual(sent.find((s) => s.msgType === "shutdown_reply")?.content, { status: "ok", restart: true });
  assert.deepEqual(shutdowns, [true]);
});
