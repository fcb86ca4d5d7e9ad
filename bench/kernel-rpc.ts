// The VS Code path of the kernel: spawn `node dist/kernel.js --rpc ...` (as extension/src/kernel-process.ts does)
// and speak LSP JSON-RPC over its stdio with vscode-jsonrpc: initialize, then seed/execute requests.
//   start -> first result: spawn to the execute response of `1 + 1` whose "result" output shows 2 (fresh process each)
//   empty cell: seed/execute("") request -> response
//   RSS of the kernel process (/proc) after 10 and after N empty cells, and its peak

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import {
  createMessageConnection,
  type MessageConnection,
  NotificationType,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import {
  type ExecuteParams,
  type ExecuteResult,
  type KernelStatus,
  type OutputParams,
  RPC,
} from "../kernel/protocol/rpc";
import { peakRssBytes, rssBytes } from "./memory";
import { nowMs } from "./stats";

export interface KernelRun {
  readonly startToFirstMs: number[];
  readonly emptyCellMs: number[];
  /** A one-expression cell (`1`): the same round trip plus tslab compiling and running a cell. */
  readonly exprCellMs: number[];
  readonly rssAfter10: number;
  readonly rssAfterN: number;
  readonly nCells: number;
  readonly peakRss: number;
  /** JS heap in use after 10 and after N cells, from seed/status (JSON-RPC path only). */
  readonly heapAfter10?: number;
  readonly heapAfterN?: number;
}

interface Kernel {
  readonly child: ChildProcess;
  readonly conn: MessageConnection;
  readonly outputs: OutputParams[];
  readonly stderr: string[];
  /** Execution ids are `bench-<pid>-<n>`; n counts this kernel's requests. */
  sent: number;
}

function startKernel(script: string, args: readonly string[], nodeFlags: readonly string[]): Kernel {
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  if (!child.stdout || !child.stdin || !child.stderr) throw new Error("kernel spawn: no stdio pipes");
  const stderr: string[] = [];
  child.stderr.on("data", (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const outputs: OutputParams[] = [];
  conn.onNotification(new NotificationType<OutputParams>(RPC.output), (p: OutputParams) => {
    outputs.push(p);
  });
  conn.listen();
  return { child, conn, outputs, stderr, sent: 0 };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string, k: Kernel): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onExit: ((code: number | null, sig: NodeJS.Signals | null) => void) | undefined;
  const died = new Promise<never>((_, reject) => {
    onExit = (code, sig) =>
      reject(
        new Error(`kernel exited (${code ?? sig}) during ${what}; stderr: ${k.stderr.join("").trim().slice(-400)}`),
      );
    k.child.once("exit", onExit);
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`${what}: no answer within ${ms} ms; kernel stderr: ${k.stderr.join("").trim().slice(-400)}`)),
      ms,
    );
  });
  try {
    return await Promise.race([p, died, timeout]);
  } finally {
    clearTimeout(timer);
    if (onExit) k.child.off("exit", onExit);
  }
}

async function initialize(k: Kernel, timeoutMs: number): Promise<void> {
  await withTimeout(
    k.conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} }),
    timeoutMs,
    "LSP initialize",
    k,
  );
  await k.conn.sendNotification("initialized", {});
}

async function execute(k: Kernel, code: string, timeoutMs: number): Promise<ExecuteResult> {
  const params: ExecuteParams = { executionId: `bench-${process.pid}-${k.sent++}`, code };
  const r = await withTimeout(
    k.conn.sendRequest<ExecuteResult>(RPC.execute, params),
    timeoutMs,
    `seed/execute ${JSON.stringify(code)}`,
    k,
  );
  if (r.status !== "ok")
    throw new Error(
      `cell ${JSON.stringify(code)} ended with status ${r.status}: ${r.error?.ename ?? ""} ${r.error?.evalue ?? ""}`,
    );
  return r;
}

/** LSP shutdown + exit (as vscode-languageclient does), then SIGTERM after 3 s and SIGKILL after 6 s. */
async function stopKernel(k: Kernel): Promise<void> {
  if (k.child.exitCode === null && k.child.signalCode === null) {
    const exited = new Promise<void>((resolve) => k.child.once("exit", () => resolve()));
    const term = setTimeout(() => k.child.kill("SIGTERM"), 3000);
    const kill = setTimeout(() => k.child.kill("SIGKILL"), 6000);
    try {
      await withTimeout(k.conn.sendRequest("shutdown"), 3000, "LSP shutdown", k);
      await k.conn.sendNotification("exit");
    } catch {
      // the timers end it; a kernel that cannot shut down cleanly is still stopped
    }
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
  }
  k.conn.dispose();
}

/** How many one-expression cells (`1`) are timed after the empty ones. */
export const EXPR_CELLS = 30;

/**
 * Up to `starts` fresh kernels (no new one after startBudgetMs), then `cells` empty cells on one more, then
 * EXPR_CELLS cells `1`.
 * nodeFlags go before the script (e.g. ["--cpu-prof", "--cpu-prof-dir=DIR"] to profile the kernel).
 */
export async function kernelRpcRun(
  script: string,
  args: readonly string[],
  starts: number,
  cells: number,
  timeoutMs = 60_000,
  nodeFlags: readonly string[] = [],
  startBudgetMs = 20_000,
): Promise<KernelRun> {
  if (!existsSync(script))
    throw new Error(`not measured: ${script} does not exist (the build did not produce the kernel)`);
  const startToFirstMs: number[] = [];
  const budgetStart = nowMs();
  for (let i = 0; i < starts && (i === 0 || nowMs() - budgetStart < startBudgetMs); i++) {
    const t0 = nowMs();
    const k = startKernel(script, args, nodeFlags);
    try {
      await initialize(k, timeoutMs);
      const params = await execute(k, "1 + 1", timeoutMs);
      const shown = JSON.stringify(k.outputs.filter((o) => o.output.kind === "result").map((o) => o.output));
      if (!shown.includes("2"))
        throw new Error(
          `\`1 + 1\` gave outputs ${shown.slice(0, 200)} (status ${params.status}), expected a result showing 2`,
        );
      startToFirstMs.push(nowMs() - t0);
    } finally {
      await stopKernel(k);
    }
  }
  const k = startKernel(script, args, nodeFlags);
  try {
    await initialize(k, timeoutMs);
    await execute(k, "1 + 1", timeoutMs); // warm-up
    const pid = k.child.pid;
    if (pid === undefined) throw new Error("kernel has no pid");
    const emptyCellMs: number[] = [];
    let rssAfter10 = 0;
    let heapAfter10: number | undefined;
    const heap = async (): Promise<number> =>
      (await withTimeout(k.conn.sendRequest<KernelStatus>(RPC.status, {}), timeoutMs, "seed/status", k)).memory
        .heapUsedBytes;
    for (let i = 0; i < cells; i++) {
      const t0 = nowMs();
      await execute(k, "", timeoutMs);
      emptyCellMs.push(nowMs() - t0);
      if (i + 1 === 10) {
        rssAfter10 = rssBytes(pid);
        heapAfter10 = await heap();
      }
    }
    const rssAfterN = rssBytes(pid);
    const heapAfterN = await heap();
    const exprCellMs: number[] = [];
    for (let i = 0; i < EXPR_CELLS; i++) {
      const t0 = nowMs();
      await execute(k, "1", timeoutMs);
      exprCellMs.push(nowMs() - t0);
    }
    return {
      startToFirstMs,
      emptyCellMs,
      exprCellMs,
      rssAfter10,
      rssAfterN,
      nCells: cells,
      peakRss: peakRssBytes(pid),
      heapAfter10,
      heapAfterN,
    };
  } finally {
    await stopKernel(k);
  }
}
