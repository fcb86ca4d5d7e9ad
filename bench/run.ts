// `npm run bench`: every stage of SEED-mini on our runtime (in-process and worker), on bare onnxruntime and on
// PyTorch eager, in one run on one machine; then the kernel on its JSON-RPC and Jupyter paths (and ipykernel).
// Prints the Markdown tables and rewrites BENCHMARKS.md (issue 8). Must finish in under 5 minutes on 2 cores.
//
//   node --import tsx bench/run.ts [--quick] [--model DIR] [--threads N] [--no-kernel] [--out FILE]
//     --quick      tiny repetition counts, for development (the table says so)
//     --model      package folder (default model/seed-mini; falls back to tests/helpers/tiny-seed, and says so)
//     --out        where to write the report (default BENCHMARKS.md; "-" prints only)
//     --kernel-cpu-prof DIR   run the JSON-RPC kernels with node --cpu-prof into DIR (see bench/analysis.md)

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SeedModel } from "../model/runtime";
import { makeInputs } from "./inputs";
import { type ImplDriver, type RepPlan, runInterleaved, skippedDriver, withDeadline } from "./interleave";
import { jupyterIpykernel, jupyterOurs } from "./kernel-jupyter";
import { type KernelRun, kernelRpcRun } from "./kernel-rpc";
import { describeMachine } from "./machine";
import { inProcessDriver, openWorkerDriver, type WorkerHandle } from "./ours";
import { type OurReference, parityNotes } from "./parity";
import { openRawDriver } from "./raw-ort";
import { type Report, renderReport } from "./report";
import { measure, nowMs } from "./stats";
import { openTorchDriver } from "./torch";

const REMOTE_START = "<!-- remote-lm:start -->";
const REMOTE_END = "<!-- remote-lm:end -->";

import { type BenchSettings, type Cell, type MemoryCells, MODEL_ROWS, type ModelRow } from "./types";

const { values: opt } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    model: { type: "string" },
    threads: { type: "string", default: "2" },
    "no-kernel": { type: "boolean", default: false },
    out: { type: "string", default: "BENCHMARKS.md" },
    "kernel-cpu-prof": { type: "string" },
  },
});

function pickModel(): { dir: string; note: string } {
  if (opt.model) return { dir: resolve(opt.model), note: `${opt.model} (--model)` };
  const shipped = resolve("model/seed-mini");
  if (existsSync(join(shipped, "seed.json")))
    return { dir: shipped, note: "model/seed-mini (the shipped SEED-mini package)" };
  const tiny = resolve("tests/helpers/tiny-seed");
  return {
    dir: tiny,
    note: "**tests/helpers/tiny-seed, NOT SEED-mini**: model/seed-mini/seed.json does not exist yet, so these numbers are for the tiny synthetic test package and say little about SEED-mini",
  };
}

function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith("not measured") ? msg : `not measured: ${msg}`;
}

async function kernelSection(s: BenchSettings, notes: string[]): Promise<Report["kernel"]> {
  if (opt["no-kernel"])
    return {
      rpc: "not measured: --no-kernel",
      jupyter: "not measured: --no-kernel",
      ipykernel: "not measured: --no-kernel",
    };
  const script = resolve("dist/kernel.js");
  const extra = ["--model", s.modelDir, "--execution-provider", "cpu", "--threads", String(s.threads)];
  const attempt = async (what: string, f: () => Promise<KernelRun> | KernelRun): Promise<KernelRun | string> => {
    try {
      return await f();
    } catch (e) {
      notes.push(`${what}: ${reason(e)}`);
      return reason(e);
    }
  };
  const { kernelStarts: starts, kernelCells: cells } = s.reps;
  const profDir = opt["kernel-cpu-prof"];
  const profFlags = profDir ? ["--cpu-prof", `--cpu-prof-dir=${resolve(profDir)}`] : [];
  if (profDir)
    notes.push(
      `The JSON-RPC kernels ran under --cpu-prof (profiles in ${profDir}); their times include the profiler's overhead.`,
    );
  return {
    rpc: await attempt("kernel JSON-RPC", () =>
      kernelRpcRun(script, ["--rpc", "--cwd", process.cwd(), ...extra], starts, cells, 60_000, profFlags),
    ),
    jupyter: await attempt("kernel Jupyter", () => jupyterOurs(script, extra, starts, cells)),
    ipykernel: await attempt("ipykernel", () => jupyterIpykernel(starts, cells)),
  };
}

async function main(): Promise<void> {
  const t0 = nowMs();
  const machine = describeMachine();
  const model = pickModel();
  const threads = Number(opt.threads);
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`--threads must be an integer >= 1, got ${opt.threads}`);
  const s: BenchSettings = {
    modelDir: model.dir,
    threads,
    reps: opt.quick
      ? { image: 3, decode: 2, lm: 2, kernelCells: 20, kernelStarts: 1 }
      : { image: 15, decode: 5, lm: 8, kernelCells: 200, kernelStarts: 3 },
    workDir: resolve("bench/results/work"),
  };
  const notes: string[] = [];
  if (opt.quick) notes.push("--quick: development repetition counts; not for comparison.");
  const memory: MemoryCells = {};
  const log = (m: string): void => console.error(`[bench ${((nowMs() - t0) / 1000).toFixed(0)}s] ${m}`);

  log(`model ${model.dir}`);
  const loadOpts = { threads, executionProvider: "cpu" as const };
  const inprocLoad: Cell = {
    samples: await measure(async () => (await SeedModel.load(model.dir, loadOpts)).dispose(), opt.quick ? 1 : 3, 1),
  };
  const seed = await SeedModel.load(model.dir, loadOpts);
  const inputs = await makeInputs(
    seed,
    resolve("notebooks/assets"),
    s.workDir,
    seed.languageModel?.contextLength ?? 256,
  );
  const ref: OurReference = {
    ids16: (await seed.tokenize(inputs.images)).ids,
    logits: await prefillLogits(seed, inputs.promptIds),
  };

  log("opening raw onnxruntime, the worker and the PyTorch baseline");
  const raw = await openRawDriver(inputs, s);
  let worker: WorkerHandle | undefined;
  let workerLoad: Cell;
  let workerDriver: ImplDriver;
  try {
    worker = await withDeadline(openWorkerDriver(inputs, s), 120_000, "openModelWorker");
    workerLoad = { samples: { ms: [worker.loadMs], warmup: 0 } };
    workerDriver = worker.driver;
  } catch (e) {
    workerLoad = { skipped: reason(e) };
    workerDriver = skippedDriver("worker", reason(e));
    notes.push(`worker: ${reason(e)}`);
  }
  const torch = await openTorchDriver(s, s.modelDir);
  if (torch.lmCheckpoint) notes.push(`PyTorch LM weights: ${torch.lmCheckpoint}.`);
  const drivers = [inProcessDriver(seed, inputs), workerDriver, raw.driver, torch.driver];
  // Budgets keep the whole command under 5 minutes even when the machine is busy (then with fewer repetitions).
  const plan = (row: ModelRow): RepPlan => {
    if (row.startsWith("lm.")) return { max: s.reps.lm, min: 2, budgetMs: opt.quick ? 4_000 : 6_000 };
    if (row === "decode.25") return { max: s.reps.decode, min: 2, budgetMs: opt.quick ? 10_000 : 30_000 };
    if (row === "api.call") return { max: 100, min: 10, budgetMs: 2_000 };
    return { max: s.reps.image, min: 3, budgetMs: opt.quick ? 5_000 : 15_000 };
  };
  const cells = await runInterleaved(drivers, MODEL_ROWS, plan, memory, log);
  try {
    notes.push(...parityNotes(ref, await torch.parity()));
  } catch (e) {
    notes.push(`Same weights check: ${reason(e)}`);
  }
  await torch.close();
  await worker?.runtime.dispose();
  await raw.release();
  await seed.dispose();

  if (Math.max(machine.loadStart[0] ?? 0, os.loadavg()[0] ?? 0) > machine.cores) {
    notes.push(
      `The load average exceeded the ${machine.cores} cores during this run. PyTorch's OpenMP threads degrade far more than ONNX Runtime's when the other core is busy, so the torch speed-ups here are overstated; re-run on a quiet machine.`,
    );
  }
  log("kernel");
  const kernel = await kernelSection(s, notes);
  notes.push(
    "Implementations run interleaved: after one warm-up each, repetition r runs every implementation once, in an order rotated by r, so load drift on this shared machine hits all of them alike.",
    "LM rows time the model forward with its KV cache (our LanguageModel.forward, a bare session.run with the present -> past hand-over, the torch module with its cache), ids teacher-forced; each decode repetition prefills C-4 ids untimed and times the 4 single-token steps up to context C.",
    "Peak RSS is read after each implementation's warm-up of the stage, after resetting VmHWM (/proc/<pid>/clear_refs). Our three implementations share one Node process holding all three loaded models, so their peaks are of that process; torch's are of its own process.",
  );

  const report: Report = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    command: `npm run bench${opt.quick ? " -- --quick" : ""}`,
    machine,
    loadEnd: os.loadavg(),
    wallSeconds: (nowMs() - t0) / 1000,
    settings: s,
    modelNote: model.note,
    torchVersions: torch.versions,
    cells,
    loadMs: { inproc: inprocLoad, worker: workerLoad },
    kernel,
    memory,
    notes,
    analysis: existsSync("bench/analysis.md")
      ? readFileSync("bench/analysis.md", "utf8").replace(/^<!--[\s\S]*?-->\s*/, "")
      : undefined,
  };
  const md = renderReport(report);
  console.log(md);
  if (opt.out !== "-") {
    // Keep the remote-LM section (bench/remote-lm.ts writes it; it needs llama-server, which this run does not start).
    const out = opt.out ?? "BENCHMARKS.md";
    const old = existsSync(out) ? readFileSync(out, "utf8") : "";
    const a = old.indexOf(REMOTE_START);
    const b = old.indexOf(REMOTE_END);
    writeFileSync(out, a >= 0 && b > a ? `${md.trimEnd()}\n\n${old.slice(a, b + REMOTE_END.length)}\n` : md);
    log(`wrote ${out}`);
  }
}

async function prefillLogits(seed: SeedModel, ids: readonly number[]): Promise<Float32Array | undefined> {
  if (!seed.languageModel || ids.length < 64) return undefined;
  const cache = seed.languageModel.newCache();
  try {
    return await seed.languageModel.forward(ids.slice(0, 64), cache);
  } finally {
    cache.dispose();
  }
}

main().then(
  () => process.exit(0), // a worker or kernel left behind by a failed row must not keep the process alive
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
