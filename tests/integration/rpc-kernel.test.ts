// The kernel's JSON-RPC side (dist/kernel.js --rpc) as the VS Code extension uses it, driven with vscode-jsonrpc over
// the child's stdio: LSP initialize, seed/execute with seed/output notifications keyed by executionId (stream chunks
// coalesced), completion and hover from the live state, interrupt of an awaited cell and of a busy loop (SIGINT),
// seed/status, live views (updates keyed to their own cell, all before its reply, an interrupted one ended), and a
// clean exit.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import type {
  ExecuteResult,
  InterruptResult,
  KernelStatus,
  KernelStreamParams,
  OutputItem,
  OutputParams,
} from "../../kernel/protocol/rpc";
import { RPC } from "../../kernel/protocol/rpc";
import { ROOT, TINY_MODEL } from "./kernelspec-env";

const child = spawn(
  process.execPath,
  [join(ROOT, "dist", "kernel.js"), "--rpc", "--model", TINY_MODEL, "--execution-provider", "cpu", "--threads", "1"],
  {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, SEED_TEST_IMAGE: join(ROOT, "notebooks", "assets", "dog.png") },
  },
);
let stderr = "";
child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const outputs = new Map<string, OutputItem[]>();
/** Every notification and reply in arrival order ("out <executionId> <kind>", "reply <executionId>"). */
const arrivals: string[] = [];
conn.onNotification(RPC.output, (p: OutputParams) => {
  const list = outputs.get(p.executionId) ?? [];
  list.push(p.output);
  outputs.set(p.executionId, list);
  arrivals.push(`out ${p.executionId} ${p.output.kind}`);
});
const kernelStreams: KernelStreamParams[] = [];
conn.onNotification(RPC.kernelStream, (p: KernelStreamParams) => void kernelStreams.push(p));
conn.listen();
const CELL = "vscode-notebook-cell:/nb.ipynb#cell1";
const ready = (async () => {
  await conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  await conn.sendNotification("initialized", {});
})();

after(async () => {
  try {
    await conn.sendRequest("shutdown");
    await conn.sendNotification("exit");
  } catch {
    // the process may already be gone
  }
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode === null) child.kill("SIGKILL");
});

async function execute(executionId: string, code: string): Promise<ExecuteResult> {
  await ready;
  const result: ExecuteResult = await conn.sendRequest(RPC.execute, { executionId, code, cellUri: CELL });
  arrivals.push(`reply ${executionId}`);
  return result;
}

test("execute: outputs keyed by executionId; 500 printed lines arrive in a few coalesced stream messages", async () => {
  const r = await execute(
    "e1",
    'const word: string = "seed";\nfor (let i = 0; i < 500; i++) console.log(`line ${i}`);\nword.length',
  );
  assert.equal(r.status, "ok", stderr.slice(-2000));
  assert.equal(r.executionCount, 1);
  const outs = outputs.get("e1") ?? [];
  const streams = outs.filter((o): o is Extract<OutputItem, { kind: "stream" }> => o.kind === "stream");
  assert.ok(streams.length >= 1 && streams.length < 20, `${streams.length} stream messages`);
  assert.equal(
    streams
      .map((s) => s.text)
      .join("")
      .split("\n").length,
    501,
  );
  const result = outs.find((o) => o.kind === "result");
  assert.deepEqual(result?.kind === "result" ? result.data : undefined, { "text/plain": "4" });
});

test("completion and hover on a cell document answer from the kernel's live declarations", async () => {
  await ready;
  await conn.sendNotification("textDocument/didOpen", {
    textDocument: { uri: CELL, languageId: "typescript", version: 1, text: "wor" },
  });
  const items = (await conn.sendRequest("textDocument/completion", {
    textDocument: { uri: CELL },
    position: { line: 0, character: 3 },
  })) as { label: string }[];
  assert.ok(
    items.some((i) => i.label === "word"),
    JSON.stringify(items.slice(0, 10)),
  );
  await conn.sendNotification("textDocument/didChange", {
    textDocument: { uri: CELL, version: 2 },
    contentChanges: [{ text: "word.length" }],
  });
  const hover = (await conn.sendRequest("textDocument/hover", {
    textDocument: { uri: CELL },
    position: { line: 0, character: 1 },
  })) as { contents: { value: string } } | null;
  assert.match(hover?.contents.value ?? "", /const word: string/);
});

test("completion items carry a kind, the signature as detail and the seed.d.ts JSDoc as documentation", async () => {
  await ready;
  const uri = "vscode-notebook-cell:/nb.ipynb#cell2";
  await conn.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "typescript", version: 1, text: "seed." },
  });
  type Item = { label: string; kind?: number; detail?: string; documentation?: { kind: string; value: string } };
  const items = (await conn.sendRequest("textDocument/completion", {
    textDocument: { uri },
    position: { line: 0, character: 5 },
  })) as (Item & { data?: unknown })[];
  assert.ok(
    items.length >= 12 && items.every((i) => typeof i.kind === "number"),
    `every seed member has a kind: ${JSON.stringify(items)}`,
  );
  assert.deepEqual(
    ["tokenize", "version"].map((name) => items.find((i) => i.label === name)?.kind),
    [2, 10],
    "Method, Property",
  );
  // Described at once (within the kernel's time budget), else on completionItem/resolve: the same text either way.
  const tokenizeItem = items.find((i) => i.label === "tokenize");
  const tokenize = tokenizeItem?.detail
    ? tokenizeItem
    : ((await conn.sendRequest("completionItem/resolve", tokenizeItem)) as Item);
  assert.match(tokenize?.detail ?? "", /^\(method\) SeedApi\.tokenize\(image: ImageSource\): Promise<Tokens>$/);
  assert.match(tokenize?.documentation?.value ?? "", /visual tokens with their attention maps/);
  const first = items[0];
  assert.ok(first?.detail, `the first items are described at once: ${JSON.stringify(first)}`);
  await conn.sendNotification("textDocument/didChange", {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: "wor" }],
  });
  const mine = (await conn.sendRequest("textDocument/completion", {
    textDocument: { uri },
    position: { line: 0, character: 3 },
  })) as Item[];
  const word = mine.find((i) => i.label === "word");
  assert.deepEqual(
    [word?.kind, word?.detail],
    [21, "const word: string"],
    "a cell's own declaration, from the live state (Constant)",
  );
});

test("an error cell reports ename/evalue as an error output and result", async () => {
  const r = await execute("e2", 'throw new TypeError("no " + word)');
  assert.equal(r.status, "error");
  assert.equal(r.error?.ename, "TypeError");
  assert.equal(r.error?.evalue, "no seed");
  assert.ok((outputs.get("e2") ?? []).some((o) => o.kind === "error"));
});

test("seed/interrupt ends an awaited cell within 1 s and drops the queued one; SIGINT ends a busy loop; state kept", async () => {
  const running = execute("e3", "await new Promise((r) => setTimeout(r, 60000));");
  const queued = execute("e4", "word");
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  const ir: InterruptResult = await conn.sendRequest(RPC.interrupt, {});
  const [r3, r4] = await Promise.all([running, queued]);
  assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
  assert.deepEqual(ir, { interrupted: true, droppedQueued: 1 });
  assert.equal(r3.error?.ename, "KeyboardInterrupt");
  assert.equal(r4.status, "aborted");

  const loop = execute("e5", "let spins = 0;\nwhile (true) { spins++; }");
  await new Promise((r) => setTimeout(r, 800));
  const t1 = Date.now();
  child.kill("SIGINT");
  const r5 = await loop;
  assert.ok(Date.now() - t1 < 1000, `took ${Date.now() - t1} ms`);
  assert.equal(r5.error?.ename, "KeyboardInterrupt");
  const r6 = await execute("e6", "word");
  assert.equal(r6.status, "ok");
  const last = (outputs.get("e6") ?? []).find((o) => o.kind === "result");
  // (strings render as their repr, quoted, like Jupyter's Out[n])
  assert.match(last?.kind === "result" ? String(last.data["text/plain"]) : "", /^'?seed'?$/);
});

test("errors outside the running cell and process.exit are reported to their cell or the kernel; state lives on", async () => {
  const stderrOf = (id: string): string =>
    (outputs.get(id) ?? []).map((o) => (o.kind === "stream" && o.name === "stderr" ? o.text : "")).join("");
  const word = async (id: string): Promise<void> => {
    const r = await execute(id, "word");
    assert.equal(r.status, "ok", `${id}: the kernel lost its state: ${JSON.stringify(r)} ${stderr.slice(-1500)}`);
  };
  const rejected = await execute("s1", 'Promise.reject(new Error("unawaited"));\n1');
  assert.deepEqual([rejected.status, rejected.error?.evalue], ["error", "unawaited"]);
  assert.match(rejected.error?.traceback[0] ?? "", /unhandled promise rejection/);
  await word("s1w");
  for (const [id, code] of [
    ["s2", "process.exit(0)"],
    ["s3", "process.exit(1)"],
  ]) {
    const r = await execute(id, code);
    assert.equal(r.error?.ename, "ExitRefusedError", JSON.stringify(r));
    assert.match(r.error?.evalue ?? "", /cannot end the kernel from a cell.*restart the kernel/);
    await word(`${id}w`);
  }
  // After the cell ended: stderr on that execution's seed/output.
  const late = await execute("s4", 'setTimeout(() => Promise.reject(new Error("after the cell")), 200);\n1');
  assert.equal(late.status, "ok");
  await new Promise((r) => setTimeout(r, 800));
  assert.match(stderrOf("s4"), /after it finished[\s\S]*Error: after the cell/);
  await word("s4w");
  // A listener on the kernel's own stdin runs outside any cell: seed/kernelStream.
  const owner = await execute("s5", 'process.stdin.once("data", () => { throw new Error("no cell owns this"); });\n1');
  assert.equal(owner.status, "ok");
  await conn.sendRequest(RPC.status, {});
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(kernelStreams.length, 1, JSON.stringify(kernelStreams));
  assert.equal(kernelStreams[0]?.name, "stderr");
  assert.match(kernelStreams[0]?.text ?? "", /outside any cell[\s\S]*no cell owns this/);
  assert.equal(stderrOf("s5"), "");
  await word("s5w");
});

test("seed/status reports idle, the pid and memory, and the model with its provider once a cell has loaded it", async () => {
  await ready;
  const s: KernelStatus = await conn.sendRequest(RPC.status, {});
  assert.equal(s.state, "idle");
  assert.equal(s.pid, child.pid);
  assert.ok(s.memory.rssBytes > 0);
  assert.equal(s.model, undefined, "the model loads lazily, on first use");
  const r = await execute("e7", "(await seed.info()).numTokens");
  assert.equal(r.status, "ok", JSON.stringify(outputs.get("e7")));
  const loaded: KernelStatus = await conn.sendRequest(RPC.status, {});
  assert.equal(loaded.model?.executionProvider, "cpu");
  assert.equal(loaded.model?.path, TINY_MODEL);
});

test("a cell ending with its own live generation shows it once (the live view); a later cell shows it again", async () => {
  const r = await execute("e8", 'const g8 = await seed.generate("a", { maxTokens: 6, seed: 1 });\ng8');
  assert.equal(r.status, "ok", JSON.stringify(outputs.get("e8")));
  const outs = outputs.get("e8") ?? [];
  const displays = outs.filter((o) => o.kind === "display");
  assert.equal(displays.length, 1, `one live display: ${JSON.stringify(outs.map((o) => o.kind))}`);
  assert.ok(
    outs.some((o) => o.kind === "update"),
    "the live display is updated in place",
  );
  assert.equal(outs.filter((o) => o.kind === "result").length, 0, "no second copy as the cell's result");
  const again = await execute("e9", "g8");
  assert.equal(again.status, "ok");
  const result = (outputs.get("e9") ?? []).find((o) => o.kind === "result");
  assert.ok(
    result?.kind === "result" && Object.keys(result.data).some((m) => m.startsWith("application/vnd.seed")),
    JSON.stringify(result),
  );
  const silent = await execute(
    "e10",
    'const g10 = await seed.generate("a", { maxTokens: 4, seed: 1, live: false });\ng10',
  );
  assert.equal(silent.status, "ok");
  assert.equal((outputs.get("e10") ?? []).filter((o) => o.kind === "result").length, 1, "live: false shows the result");
});

test("live views: every update carries its own cell's executionId and arrives before that cell's reply, interrupted too", async () => {
  // The model was loaded by an earlier cell (e7): its updates must not go to that cell's execution.
  const live = await execute(
    "e11",
    "const tk11 = await seed.tokenize(process.env.SEED_TEST_IMAGE!);\nawait seed.decode(tk11, { steps: 999, live: true });\n1",
  );
  assert.equal(live.status, "ok", JSON.stringify(outputs.get("e11")));
  const updates = (outputs.get("e11") ?? []).filter(
    (o): o is Extract<OutputItem, { kind: "update" }> => o.kind === "update",
  );
  // On a quiet machine the tiny model's 999 steps can finish inside one throttle interval (100 ms): then the final
  // update is the only one. What must hold either way: the updates come under e11, none under the loading cell e7.
  assert.ok(updates.length >= 1, `${updates.length} updates under e11; arrivals: ${arrivals.slice(-12).join(", ")}`);
  assert.match(String(updates.at(-1)!.data["text/plain"]), /frames, done/);
  assert.equal(
    (outputs.get("e7") ?? []).filter((o) => o.kind === "update").length,
    0,
    "nothing went to the cell that loaded the model",
  );

  const loop = execute("e12", "for (let i = 0; i < 1e6; i++) await seed.decode(tk11, { steps: 999, live: true });");
  await new Promise((r) => setTimeout(r, 1500));
  await conn.sendRequest(RPC.interrupt, {});
  const stopped = await loop;
  assert.equal(stopped.error?.ename, "KeyboardInterrupt");
  await new Promise((r) => setTimeout(r, 700));
  for (const id of ["e11", "e12"]) {
    const reply = arrivals.indexOf(`reply ${id}`);
    const late = arrivals.slice(reply + 1).filter((a) => a.startsWith(`out ${id} `));
    assert.deepEqual(late, [], `${id}: outputs after its reply`);
  }
  const views = new Map<string, string>();
  for (const o of outputs.get("e12") ?? [])
    if (o.kind === "display" || o.kind === "update") views.set(o.displayId ?? "", String(o.data["text/plain"]));
  const finals = [...views.values()];
  assert.ok(finals.length >= 1);
  assert.match(finals.at(-1)!, /frames, interrupted/, "the running view ends as interrupted");
  for (const f of finals) assert.doesNotMatch(f, /running/, `a view left running: ${f}`);
});
