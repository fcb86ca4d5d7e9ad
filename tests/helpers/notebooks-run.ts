// Runs a teaching notebook top to bottom through the two real frontends, for tests/integration/notebooks.test.ts:
//   headless: `node dist/cli.js run <in> --out <out> --html <html>` (its own kernel process)
//   Jupyter:  `/usr/bin/jupyter nbconvert --to notebook --execute` with our kernelspec, installed into a temporary
//             JUPYTER_PATH by `node dist/cli.js kernel install --prefix <tmp>` (the real Jupyter client and wire protocol)
// Each run returns the executed notebook and the wall time. Processes run one at a time (the CPU is shared) in their
// own process group, so a timeout ends the frontend and the kernel it started, and nothing else.

import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import type { Notebook } from "./notebooks";
import { readNotebook } from "./notebooks";

export const JUPYTER = "/usr/bin/jupyter";

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
  timedOut: boolean;
}

export interface RunOptions {
  /** Repository root (where dist/cli.js is). */
  root: string;
  /** Folder for the executed notebook and the HTML. */
  outDir: string;
  /** Kill the run after this long. */
  timeoutMs: number;
  /** Extra environment (e.g. SEED_MODEL_PATH). */
  env?: Record<string, string>;
  /** Headless runner only: interrupt a cell that runs longer than this (it then counts as failed). */
  cellTimeoutSeconds?: number;
}

export interface NotebookRun {
  notebook: Notebook;
  outPath: string;
  seconds: number;
}

/** Runs a command to completion, capturing its output; kills its process group after `timeoutMs`. */
export function runProcess(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env?: Record<string, string>; timeoutMs: number },
): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL"); // the group this spawn created: the frontend and its kernel
        } catch {
          child.kill("SIGKILL");
        }
      }
    }, opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${cmd}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000, timedOut });
    });
  });
}

/** The last lines of a process's output, for error messages. */
function tail(r: ProcessResult, lines = 25): string {
  return `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-lines).join("\n");
}

function failed(what: string, r: ProcessResult, timeoutMs: number): Error {
  if (r.timedOut) return new Error(`${what} did not finish within ${timeoutMs / 1000} s; output so far:\n${tail(r)}`);
  return new Error(`${what} exited with ${r.code ?? r.signal}; output:\n${tail(r)}`);
}

/** The CLI bundle; throws with the command to build it when it is missing. */
export function cliPath(root: string): string {
  const cli = join(root, "dist", "cli.js");
  if (!existsSync(cli)) throw new Error(`${cli} does not exist; build it first with \`node esbuild.mjs\``);
  return cli;
}

/** Executes `input` with the headless runner; the executed copy goes to outDir (the input is not changed). */
export async function runHeadless(input: string, opts: RunOptions): Promise<NotebookRun> {
  const outPath = join(opts.outDir, basename(input));
  const html = outPath.replace(/\.ipynb$/, ".html");
  const timeout = opts.cellTimeoutSeconds === undefined ? [] : ["--timeout", String(opts.cellTimeoutSeconds)];
  const r = await runProcess(
    process.execPath,
    [cliPath(opts.root), "run", input, "--out", outPath, "--html", html, ...timeout],
    {
      cwd: opts.root,
      env: opts.env,
      timeoutMs: opts.timeoutMs,
    },
  );
  // The runner may exit non-zero when a cell failed; the notebook it wrote then says which cell and why.
  if (!existsSync(outPath)) throw failed(`headless run of ${basename(input)}`, r, opts.timeoutMs);
  if (!existsSync(html))
    throw new Error(`headless run of ${basename(input)} wrote no HTML at ${html}; output:\n${tail(r)}`);
  return { notebook: readNotebook(outPath), outPath, seconds: r.seconds };
}

/** Installs the SEED kernelspec under `prefix`; returns the JUPYTER_PATH that makes Jupyter find it. */
export async function installKernelspec(root: string, prefix: string): Promise<string> {
  const r = await runProcess(process.execPath, [cliPath(root), "kernel", "install", "--prefix", prefix], {
    cwd: root,
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw failed("`kernel install --prefix`", r, 60_000);
  const jupyterPath = join(prefix, "share", "jupyter");
  const kernels = join(jupyterPath, "kernels");
  const found = existsSync(kernels) ? readdirSync(kernels) : [];
  if (!found.includes("seed"))
    throw new Error(
      `kernel install put no "seed" kernelspec under ${kernels} (found: ${found.join(", ") || "nothing"})`,
    );
  return jupyterPath;
}

/** Executes `input` through Jupyter's own client (nbconvert + nbclient) with the kernelspec "seed". */
export async function runJupyter(input: string, jupyterPath: string, opts: RunOptions): Promise<NotebookRun> {
  const name = basename(input);
  const outPath = join(opts.outDir, name);
  const perCell = Math.ceil(opts.timeoutMs / 1000);
  const args = [
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    input,
    "--output-dir",
    opts.outDir,
    "--output",
    name,
    "--ExecutePreprocessor.kernel_name=seed",
    `--ExecutePreprocessor.timeout=${perCell}`,
    "--ExecutePreprocessor.startup_timeout=120",
    "--allow-errors", // keep going so that every failing cell is reported, not only the first
  ];
  const r = await runProcess(JUPYTER, args, {
    cwd: opts.root,
    env: { JUPYTER_PATH: jupyterPath, ...opts.env },
    timeoutMs: opts.timeoutMs,
  });
  if (r.code !== 0 || !existsSync(outPath)) throw failed(`jupyter nbconvert --execute ${name}`, r, opts.timeoutMs);
  return { notebook: readNotebook(outPath), outPath, seconds: r.seconds };
}
