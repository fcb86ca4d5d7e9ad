// The `seed-notebook` command (bundled to dist/cli.js):
//   seed-notebook run IN.ipynb [--out OUT.ipynb] [--html OUT.html] [--timeout S] [kernel options]
//   seed-notebook kernel install [--user | --prefix P | --sys-prefix] [--name N] [kernel options]
// kernel options: [--model DIR] [--execution-provider auto|cpu|cuda|webgpu] [--threads N]
//                 [--lm-endpoint URL] [--lm-model NAME] [--lm-timeout-ms N] (the language model on a server)
// `run` executes with its own kernel process (no Jupyter needed), always writes the notebook (and HTML) it has, and
// exits 1 naming the failing cell (number, first line) and its error; a --timeout stops any cell, loops included.
// Exit code 2: bad arguments or a file that is not a notebook (one line saying what is wrong).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { InstallOptions } from "./jupyter/kernelspec";
import { DEFAULT_KERNEL_NAME, installKernelspec } from "./jupyter/kernelspec";
import { ChildKernel } from "./runner/child-kernel";
import { notebookToHtml } from "./runner/html-export";
import type { Notebook } from "./runner/notebook";
import { firstLine, NotebookFormatError, parseNotebook } from "./runner/notebook";
import type { RunSummary } from "./runner/run-notebook";
import { runNotebook } from "./runner/run-notebook";
import type { KernelOptions } from "./session/kernel-options";
import { type OptionSpec, parseCommandLine } from "./session/kernel-options";

const USAGE = `usage:
  seed-notebook run IN.ipynb [--out OUT.ipynb] [--html OUT.html] [--timeout SECONDS] [--model DIR] [--execution-provider P] [--threads N] [--lm-endpoint URL] [--lm-model NAME] [--lm-timeout-ms N]
  seed-notebook kernel install [--user | --prefix PREFIX | --sys-prefix] [--name NAME] [--model DIR] [--execution-provider P] [--threads N] [--lm-endpoint URL] [--lm-model NAME] [--lm-timeout-ms N]`;

class UsageError extends Error {}

const RUN_OPTIONS = { out: { type: "string" }, html: { type: "string" }, timeout: { type: "string" } } as const;
const INSTALL_OPTIONS = {
  name: { type: "string" },
  prefix: { type: "string" },
  user: { type: "boolean" },
  "sys-prefix": { type: "boolean" },
} as const;

/** parseCommandLine (node:util parseArgs over the kernel options and `extra`), its errors as usage errors. */
function parse<E extends OptionSpec>(args: string[], extra: E, allowPositionals = false) {
  try {
    return parseCommandLine(args, extra, allowPositionals);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** The kernel process entry beside this one: dist/kernel.js, or kernel/main.ts when run from source (tsx). */
function kernelScript(): string {
  return __filename.endsWith(".ts") ? join(__dirname, "main.ts") : join(__dirname, "kernel.js");
}

/** The kernel options back as command-line arguments, for the runner's kernel process. */
function kernelArgs(options: KernelOptions): string[] {
  return [
    "--cwd",
    options.cwd,
    ...(options.model ? ["--model", options.model] : []),
    "--execution-provider",
    options.executionProvider,
    ...(options.threads ? ["--threads", String(options.threads)] : []),
    ...(options.lmEndpoint ? ["--lm-endpoint", options.lmEndpoint] : []),
    ...(options.lmModel ? ["--lm-model", options.lmModel] : []),
    ...(options.lmTimeoutMs ? ["--lm-timeout-ms", String(options.lmTimeoutMs)] : []),
  ];
}

function writeResults(nb: Notebook, outPath: string, html: string | undefined, title: string): void {
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(nb, null, 1)}\n`);
  console.log(`notebook: ${outPath}`);
  if (html) {
    mkdirSync(dirname(html), { recursive: true });
    writeFileSync(html, notebookToHtml(nb, title));
    console.log(`html: ${html}`);
  }
}

async function run(args: string[]): Promise<number> {
  // Resolve output paths against the caller's folder now: the kernel runs in the notebook's folder.
  const { values, positionals, kernel: options } = parse(args, RUN_OPTIONS, true);
  const out = values.out === undefined ? undefined : resolve(values.out);
  const html = values.html === undefined ? undefined : resolve(values.html);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0))
    throw new UsageError(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  const [input, ...extra] = positionals;
  if (!input) throw new UsageError("run needs the notebook to execute");
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(" ")}`);
  const inPath = resolve(input);
  if (!existsSync(inPath)) throw new UsageError(`no such notebook: ${inPath}`);
  if (values.cwd === undefined) options.cwd = dirname(inPath);

  const nb = parseNotebook(readFileSync(inPath, "utf8"), inPath);
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  progress(`running ${inPath} (${nb.cells.filter((c) => c.cell_type === "code").length} code cells)`);
  // The kernel runs in a child process: a timeout can stop any cell, and whatever a cell does to its process, the
  // notebook so far is written and the failing cell named.
  const kernel = new ChildKernel({
    script: kernelScript(),
    args: kernelArgs(options),
    onKernelStream: (text) => progress(`kernel: ${text.trimEnd()}`),
  });
  const onSigint = (): void => {
    progress("interrupted: stopping the running cell");
    kernel.interrupt();
  };
  process.on("SIGINT", onSigint);
  let summary: RunSummary | undefined;
  try {
    summary = await runNotebook(nb, kernel, { timeoutSeconds: timeout, progress });
  } finally {
    process.off("SIGINT", onSigint);
    await kernel.close();
    writeResults(nb, resolve(out ?? inPath), html, basename(inPath));
  }
  if (summary.failure) {
    const { cellNumber, error } = summary.failure;
    const cell = nb.cells[cellNumber - 1];
    const first = cell ? firstLine(cell) : "";
    console.error(
      `error: cell ${cellNumber}${first ? ` (${JSON.stringify(first)})` : ""} failed: ${error.ename}: ${error.evalue}`,
    );
    return 1;
  }
  console.log(`ok: ${summary.executed} cells in ${summary.seconds.toFixed(1)} s`);
  return 0;
}

function kernelInstall(args: string[]): number {
  const { values } = parse(args, INSTALL_OPTIONS);
  const name = values.name ?? DEFAULT_KERNEL_NAME;
  const { prefix, user, "sys-prefix": sys } = values;
  if (values.cwd !== undefined)
    throw new UsageError("kernel install takes no --cwd (the kernel runs in the notebook's folder)");
  const extraArgs: string[] = [];
  for (const key of ["model", "execution-provider", "threads", "lm-endpoint", "lm-model", "lm-timeout-ms"] as const) {
    const v = values[key];
    if (v !== undefined) extraArgs.push(`--${key}`, key === "model" ? resolve(v) : v);
  }
  if ([prefix !== undefined, user, sys].filter(Boolean).length > 1)
    throw new UsageError("choose one of --user, --prefix P, --sys-prefix");
  const target: InstallOptions["target"] =
    prefix !== undefined ? { kind: "prefix", prefix } : sys ? { kind: "system" } : { kind: "user" };
  const kernelScript = join(__dirname, "kernel.js");
  if (!existsSync(kernelScript)) throw new Error(`${kernelScript} not found; run "npm run build" first`);
  const dir = installKernelspec({ name, target, kernelScript, extraArgs });
  console.log(`installed kernelspec "${name}" in ${dir}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const cmd = args.shift();
  if (cmd === "run") return run(args);
  if (cmd === "kernel" && args[0] === "install") return kernelInstall(args.slice(1));
  if (cmd === "--help" || cmd === "-h" || cmd === "help") {
    console.log(USAGE);
    return 0;
  }
  throw new UsageError(cmd ? `unknown command "${[cmd, ...args.slice(0, 1)].join(" ")}"` : "no command given");
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) console.error(`seed-notebook: ${e.message}\n${USAGE}`);
    else if (e instanceof NotebookFormatError) console.error(`seed-notebook: ${e.message}`);
    else console.error(`seed-notebook: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(2);
  },
);
