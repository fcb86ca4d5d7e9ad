// The PyTorch eager baseline as a benchmark driver: bench/python/torch_baseline.py runs as a line-oriented server
// under the project's Python venv (.venv, made by scripts/setup-python.sh), so its repetitions interleave with ours. Each request is one repetition, timed on
// the Python side (the pipe round trip is not in the samples). If the server cannot start, every torch row says why.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type ImplDriver, skippedDriver } from "./interleave";
import type { Ops } from "./lm-protocol";
import { type BenchSettings, MODEL_ROWS, type ModelRow } from "./types";

/** Debian's Python: the Jupyter client and ipykernel the Jupyter rows use. */
export const PYTHON = "/usr/bin/python3";
/** The project's venv (scripts/setup-python.sh): PyTorch for the baseline. */
export const VENV_PYTHON = join(".venv", "bin", "python");

type Reply = Record<string, unknown>;

interface Ready {
  kind: "ready";
  ops: string[];
  skipped: Record<string, string>;
  versions: Record<string, string | number>;
  lm_checkpoint: string | null;
}

export interface TorchParity {
  readonly ids16?: number[][];
  readonly prefill64_logits?: number[];
}

export interface TorchHandle {
  readonly driver: ImplDriver;
  readonly versions: Record<string, string | number>;
  readonly lmCheckpoint: string | null;
  parity(): Promise<TorchParity>;
  close(): Promise<void>;
}

class LineServer {
  private readonly waiting: { resolve(r: Reply): void; reject(e: Error): void }[] = [];
  private readonly stderr: string[] = [];
  private exited: Error | undefined;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      try {
        w.resolve(JSON.parse(line) as Reply);
      } catch {
        w.reject(new Error(`torch baseline printed a non-JSON line: ${line.slice(0, 200)}`));
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      this.stderr.push(d.toString());
      if (this.stderr.length > 40) this.stderr.shift();
    });
    child.on("exit", (code, sig) => {
      this.exited = new Error(`torch baseline exited (${code ?? sig}): ${this.stderrTail()}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
  }

  stderrTail(): string {
    return this.stderr.join("").trim().split("\n").slice(-2).join(" | ").slice(0, 300);
  }

  /** The next line (the ready line, or the answer to the request just written). */
  next(): Promise<Reply> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async request(req: Record<string, string>): Promise<Reply> {
    const answer = this.next();
    this.child.stdin.write(`${JSON.stringify(req)}\n`);
    const r = await answer;
    if (typeof r.error === "string") throw new Error(r.error);
    return r;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.write(`${JSON.stringify({ op: "quit" })}\n`);
    const t = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(t);
  }
}

/** Starts the server after bench/inputs.ts has written the shared inputs; never throws (failures become reasons). */
export async function openTorchDriver(s: BenchSettings, packageDir: string): Promise<TorchHandle> {
  const none = (reason: string): TorchHandle => ({
    driver: skippedDriver("torch", reason),
    versions: {},
    lmCheckpoint: null,
    parity: async () => ({}),
    close: async () => undefined,
  });
  if (!existsSync(VENV_PYTHON))
    return none(`not measured: ${VENV_PYTHON} not found (run: bash scripts/setup-python.sh)`);
  const args = [
    join("bench", "python", "torch_baseline.py"),
    "--work",
    s.workDir,
    "--threads",
    String(s.threads),
    "--package",
    packageDir,
  ];
  const child = spawn(VENV_PYTHON, args, {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1" },
  });
  const server = new LineServer(child);
  let ready: Ready;
  try {
    ready = (await server.next()) as unknown as Ready;
    if (ready.kind !== "ready") throw new Error(`expected a ready line, got ${JSON.stringify(ready).slice(0, 200)}`);
  } catch (e) {
    child.kill("SIGKILL");
    return none(`not measured: torch baseline did not start: ${(e as Error).message}`);
  }
  const ops: Ops = {};
  for (const row of MODEL_ROWS) {
    if (ready.ops.includes(row)) ops[row] = async () => (await server.request({ op: row })).ms as number[];
  }
  const skipped = ready.skipped as Partial<Record<ModelRow, string>>;
  const driver: ImplDriver = {
    impl: "torch",
    ops,
    skipped,
    missing: "not measured: the torch baseline has no such row",
    peak: {
      reset: async () => void (await server.request({ op: "peak_reset" })),
      read: async () => (await server.request({ op: "peak" })).bytes as number,
    },
  };
  return {
    driver,
    versions: ready.versions,
    lmCheckpoint: ready.lm_checkpoint,
    parity: async () => (await server.request({ op: "parity" })) as TorchParity,
    close: () => server.close(),
  };
}
