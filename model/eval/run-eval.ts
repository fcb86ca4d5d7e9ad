// Evaluation through the runtime users run: loads a model package in-process (model/runtime's SeedModel, CPU), builds
// the kernel's `seed` object on it (kernel/api/create-seed-api.ts, as a notebook session does), runs a request file
// with the API's default options and writes OUT/results.json plus the decoded PNGs. Progress goes to stderr.
//
//   node --import tsx model/eval/run-eval.ts REQUEST.json OUT_DIR [--model DIR] [--threads N]
//
// --model defaults to $SEED_MODEL_PATH, else model/seed-mini; --threads is ONNX Runtime's intra-op thread count
// (default 2, the kernel's). Exit status: 0 when the run completed (items may still have failed: see their "error"),
// 1 when the request or the model could not be read, 2 on a usage error.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { DisplayHandle, DisplaySink, MimeBundle } from "../../kernel/api/context";
import { createSeedApi, SEED_API_VERSION } from "../../kernel/api/create-seed-api";
import type { SeedRuntime } from "../../model/runtime/index";
import { SeedModel } from "../../model/runtime/index";
import type { EvaluationResults } from "./evaluate";
import { runEvaluation } from "./evaluate";
import type { EvalResult } from "./request";
import { parseRequest } from "./request";

const USAGE = "usage: node --import tsx model/eval/run-eval.ts REQUEST.json OUT_DIR [--model DIR] [--threads N]";
const DEFAULT_THREADS = 2;

class UsageError extends Error {}

/** The kernel routes displays to the executing cell; here nothing is shown, and displays are only counted. */
class CountingSink implements DisplaySink {
  count = 0;
  display(_bundle: MimeBundle, opts?: { displayId?: string }): DisplayHandle {
    this.count++;
    const displayId = opts?.displayId ?? `eval-${this.count}`;
    return { displayId, update: () => void this.count++ };
  }
  update(): void {
    this.count++;
  }
}

interface Args {
  request: string;
  outDir: string;
  model: string;
  threads: number;
}

function readArgs(argv: readonly string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { model: { type: "string" }, threads: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e)); // parseArgs names the option
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError("");
  const envModel = process.env.SEED_MODEL_PATH;
  const model = resolve(values.model ?? envModel ?? resolve(__dirname, "..", "seed-mini"));
  const threads = values.threads === undefined ? DEFAULT_THREADS : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1)
    throw new UsageError(`--threads must be a positive integer, got "${values.threads}"`);
  const [request, outDir] = positionals;
  if (positionals.length !== 2 || !request || !outDir)
    throw new UsageError(`expected REQUEST.json and OUT_DIR, got ${positionals.length} argument(s)`);
  return { request: resolve(request), outDir: resolve(outDir), model, threads };
}

/** Writes JSON through a temporary file, so that a reader never sees half a file. */
function writeJson(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 1)}\n`);
  renameSync(`${path}.tmp`, path);
}

async function main(argv: readonly string[]): Promise<number> {
  const args = readArgs(argv);
  const request = parseRequest(readFileSync(args.request, "utf8"), args.request);
  mkdirSync(args.outDir, { recursive: true });
  const resultPath = join(args.outDir, "results.json");
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  const t0 = performance.now();

  let runtime: SeedRuntime | undefined;
  const sink = new CountingSink();
  const never = new AbortController().signal;
  const seed = createSeedApi({
    model: async () =>
      (runtime ??= await SeedModel.load(args.model, { executionProvider: "cpu", threads: args.threads })),
    display: sink,
    signal: () => never,
    cwd: dirname(args.request),
  });
  progress(`loading ${args.model} (cpu, ${args.threads} threads)`);
  const info = await seed.info();
  const loadSeconds = (performance.now() - t0) / 1000;
  progress(
    `${info.name} loaded in ${loadSeconds.toFixed(1)} s; ${request.reconstruct.length} images, ${request.draw.length} draw prompts, ${request.ask.length} questions`,
  );

  const result = (r: EvaluationResults): EvalResult => ({
    version: request.version,
    request: args.request,
    model: {
      name: info.name,
      path: info.path,
      executionProvider: info.executionProvider,
      threads: args.threads,
      numTokens: info.numTokens,
      decodeDefaults: { steps: info.decodeDefaults.steps, guidance: info.decodeDefaults.guidance },
    },
    seedApiVersion: SEED_API_VERSION,
    loadSeconds: Math.round(loadSeconds * 1000) / 1000,
    seconds: Math.round(performance.now() - t0) / 1000,
    totals: r.totals,
    displays: sink.count,
    reconstruct: r.reconstruct,
    draw: r.draw,
    ask: r.ask,
  });
  try {
    const r = await runEvaluation(seed, request, {
      requestDir: dirname(args.request),
      outDir: args.outDir,
      numTokens: info.numTokens,
      progress,
      checkpoint: (partial) => writeJson(resultPath, result(partial)),
    });
    writeJson(resultPath, result(r));
    const failed = [...r.reconstruct, ...r.draw, ...r.ask].filter((x) => x.error !== undefined).length;
    progress(
      `wrote ${resultPath} (${((performance.now() - t0) / 1000).toFixed(1)} s${failed ? `, ${failed} item(s) failed` : ""})`,
    );
  } finally {
    await runtime?.dispose();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      if (e.message) console.error(`error: ${e.message}`);
      console.error(USAGE);
      process.exit(e.message ? 2 : 0);
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
