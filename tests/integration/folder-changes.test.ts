// Files changing in the notebook folder while the kernel runs (a cell writing output files, a module created after
// an import of it failed, node_modules touched): TypeScript's watchers see them and schedule work next to the
// per-cell compile, which tslab's converter could not hold, so every later cell failed with "Unexpected pending
// rebuildTimer" until a restart. Driven through the kernel's JSON-RPC side (dist/kernel.js --rpc) in a fresh folder.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import type { ExecuteResult, KernelStreamParams, OutputItem, OutputParams } from "../../kernel/protocol/rpc";
import { RPC } from "../../kernel/protocol/rpc";
import { ROOT, TINY_MODEL } from "./kernelspec-env";

const folder = mkdtempSync(join(tmpdir(), "seed-folder-"));
const child = spawn(
  process.execPath,
  [
    join(ROOT, "dist", "kernel.js"),
    "--rpc",
    "--cwd",
    folder,
    "--model",
    TINY_MODEL,
    "--execution-provider",
    "cpu",
    "--threads",
    "1",
  ],
  { stdio: ["pipe", "pipe", "pipe"] },
);
let stderr = "";
child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const outputs = new Map<string, OutputItem[]>();
conn.onNotification(
  RPC.output,
  (p: OutputParams) => void outputs.set(p.executionId, [...(outputs.get(p.executionId) ?? []), p.output]),
);
const kernelStreams: KernelStreamParams[] = [];
conn.onNotification(RPC.kernelStream, (p: KernelStreamParams) => void kernelStreams.push(p));
conn.listen();
const ready = conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });

after(async () => {
  await conn.sendRequest("shutdown").catch(() => undefined);
  await conn.sendNotification("exit").catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode === null) child.kill("SIGKILL");
});

async function execute(executionId: string, code: string): Promise<ExecuteResult> {
  await ready;
  return conn.sendRequest(RPC.execute, { executionId, code });
}

const result = (id: string): unknown => {
  const r = (outputs.get(id) ?? []).find((o) => o.kind === "result");
  return r?.kind === "result" ? r.data["text/plain"] : undefined;
};

test("files written in the notebook folder do not break later cells; a module created after a failed import resolves", async () => {
  const failed = await execute("f1", 'import { later } from "./later";\nlater');
  assert.equal(failed.status, "error");
  assert.match(failed.error?.evalue ?? "", /Cannot find module '\.\/later'/);
  // One file per cell, each cell waiting for the watchers to see it (as a notebook saving outputs does).
  for (const [id, file, text] of [
    ["f2", "later.ts", "export const later = 42;\\n"],
    ["f2b", "notes.txt", "x"],
  ]) {
    const write = await execute(
      id,
      `require("node:fs").writeFileSync(${JSON.stringify(file)}, "${text}");\nawait new Promise((r) => setTimeout(r, 1500));`,
    );
    assert.equal(write.status, "ok", `${id}: ${JSON.stringify(write)}`);
  }
  const next = await execute("f3", "[1, 2].map((x) => x * 2).length");
  assert.equal(next.status, "ok", `${JSON.stringify(next)}\n${stderr.slice(-1500)}`);
  assert.equal(result("f3"), "2");
  const resolved = await execute("f4", 'import { later } from "./later";\nlater');
  assert.equal(resolved.status, "ok", JSON.stringify(resolved));
  assert.equal(result("f4"), "42");
  assert.deepEqual(kernelStreams, [], "no error outside the cells");
});
