// Renders the benchmark results as Markdown (printed to stdout and written to BENCHMARKS.md): machine, settings,
// one table per section with median (spread) per implementation, same-run ratios, and each goal of issue 8 beside
// the ratio it judges, marked pass or miss.

import type { KernelRun } from "./kernel-rpc";
import { fmtLoad, type Machine } from "./machine";
import { fmtBytes, fmtMs, fmtSummary, summarize } from "./stats";
import {
  type BenchSettings,
  type Cell,
  IMPL_LABEL,
  type Impl,
  isSkipped,
  type MemoryCells,
  type ModelCells,
  type ModelRow,
  ROW_LABEL,
} from "./types";

export interface KernelResults {
  readonly rpc: KernelRun | string;
  readonly jupyter: KernelRun | string;
  readonly ipykernel: KernelRun | string;
}

export interface Report {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly loadEnd: readonly number[];
  readonly wallSeconds: number;
  readonly settings: BenchSettings;
  readonly modelNote: string;
  readonly torchVersions: Record<string, string | number>;
  readonly cells: Record<Impl, ModelCells>;
  readonly loadMs: { readonly inproc: Cell; readonly worker: Cell };
  readonly kernel: KernelResults;
  readonly memory: MemoryCells;
  readonly notes: readonly string[];
  /** Hand-written profiling notes (bench/analysis.md), appended verbatim under their own heading and date. */
  readonly analysis?: string;
}

function median(c: Cell | undefined): number | undefined {
  if (!c || isSkipped(c) || c.samples.ms.length === 0) return undefined;
  return summarize(c.samples.ms).median;
}

function cellText(c: Cell | undefined): string {
  if (!c) return "–";
  if (isSkipped(c)) return c.skipped;
  if (c.samples.ms.length === 0) return "no samples";
  const sum = summarize(c.samples.ms);
  return `${fmtSummary(sum)} n=${sum.n}`;
}

/** "1.04 pass (goal <= 1.1)", or the bare ratio without a goal; "–" when either side is missing. */
function ratioText(
  num: number | undefined,
  den: number | undefined,
  goal?: { op: "<=" | ">="; value: number },
): string {
  if (num === undefined || den === undefined || den === 0) return "–";
  const r = num / den;
  if (!goal) return `${r.toFixed(2)}x`;
  const ok = goal.op === "<=" ? r <= goal.value : r >= goal.value;
  return `${r.toFixed(2)}x **${ok ? "pass" : "miss"}** (goal ${goal.op} ${goal.value})`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function modelTable(
  r: Report,
  rows: readonly ModelRow[],
  impls: readonly Impl[],
  speedGoal: (row: ModelRow) => number | undefined,
): string {
  const header = [
    "",
    ...impls.map((i) => IMPL_LABEL[i]),
    "in-process / raw",
    ...(impls.includes("worker") ? ["worker / raw"] : []),
    "torch / in-process (speed-up)",
  ];
  const body = rows.map((row) => {
    const m = (i: Impl): number | undefined => median(r.cells[i][row]);
    const goal = speedGoal(row);
    return [
      ROW_LABEL[row],
      ...impls.map((i) => cellText(r.cells[i][row])),
      ratioText(m("inproc"), m("raw"), { op: "<=", value: 1.1 }),
      ...(impls.includes("worker") ? [ratioText(m("worker"), m("raw"), { op: "<=", value: 1.1 })] : []),
      ratioText(m("torch"), m("inproc"), goal === undefined ? undefined : { op: ">=", value: goal }),
    ];
  });
  return table(header, body);
}

function growthLines(r: Report): string {
  const lines: string[] = [];
  for (const impl of ["inproc", "raw", "torch"] as const) {
    const c = r.cells[impl];
    const g = (a: ModelRow, b: ModelRow): string => {
      const x = median(c[a]);
      const y = median(c[b]);
      return x !== undefined && y !== undefined ? `${(y / x).toFixed(2)}x` : "–";
    };
    lines.push(
      `- ${IMPL_LABEL[impl]}: context 32 -> 256 costs ${g("lm.decode32", "lm.decode256")} per token with the KV cache, ${g("lm.nocache32", "lm.nocache256")} without it.`,
    );
  }
  return lines.join("\n");
}

function kernelCell(k: KernelRun | string, f: (k: KernelRun) => string): string {
  return typeof k === "string" ? k : f(k);
}

function kernelTable(r: Report): string {
  const { rpc, jupyter, ipykernel } = r.kernel;
  const cols = [rpc, jupyter, ipykernel];
  const empty = (k: KernelRun): string => (k.emptyCellMs.length ? fmtSummary(summarize(k.emptyCellMs)) : "no samples");
  const expr = (k: KernelRun): string => (k.exprCellMs.length ? fmtSummary(summarize(k.exprCellMs)) : "no samples");
  const start = (k: KernelRun): string =>
    k.startToFirstMs.length ? fmtSummary(summarize(k.startToFirstMs)) : "no samples";
  const goalOf = (k: KernelRun | string, pick: (k: KernelRun) => number[], limit: number): string => {
    if (typeof k === "string" || pick(k).length === 0) return "–";
    const m = summarize(pick(k)).median;
    return `${fmtMs(m)} ms **${m <= limit ? "pass" : "miss"}** (goal <= ${limit})`;
  };
  const rows: string[][] = [
    ["empty cell round trip (ms)", ...cols.map((k) => kernelCell(k, empty))],
    ["cell `1` round trip (ms): compiled and run", ...cols.map((k) => kernelCell(k, expr))],
    ["start -> first result of `1 + 1` (ms)", ...cols.map((k) => kernelCell(k, start))],
    ["RSS after 10 empty cells", ...cols.map((k) => kernelCell(k, (x) => fmtBytes(x.rssAfter10)))],
    ["RSS after N empty cells (N)", ...cols.map((k) => kernelCell(k, (x) => `${fmtBytes(x.rssAfterN)} (${x.nCells})`))],
    ["peak RSS of the kernel process", ...cols.map((k) => kernelCell(k, (x) => fmtBytes(x.peakRss)))],
    [
      "JS heap used after 10 / after N cells (seed/status)",
      ...cols.map((k) =>
        kernelCell(k, (x) =>
          x.heapAfter10 !== undefined && x.heapAfterN !== undefined
            ? `${fmtBytes(x.heapAfter10)} / ${fmtBytes(x.heapAfterN)}`
            : "–",
        ),
      ),
    ],
  ];
  const goals = [
    `- Goal, empty cell on the VS Code path: ${goalOf(rpc, (k) => k.emptyCellMs, 5)}; on the Jupyter path: ${goalOf(jupyter, (k) => k.emptyCellMs, 10)}.`,
    `- Goal, start -> first result <= 5000 ms: JSON-RPC ${goalOf(rpc, (k) => k.startToFirstMs, 5000)}; Jupyter ${goalOf(jupyter, (k) => k.startToFirstMs, 5000)}.`,
  ];
  return `${table(["", "ours, JSON-RPC (VS Code path)", "ours, Jupyter (jupyter_client)", "ipykernel (Debian)"], rows)}\n\n${goals.join("\n")}`;
}

function memoryTable(mem: MemoryCells): string {
  const rows = Object.entries(mem).map(([k, v]) => [k, typeof v === "number" ? fmtBytes(v) : v.skipped]);
  return table(["stage (peak RSS of that process during the stage)", "peak RSS"], rows);
}

export function renderReport(r: Report): string {
  const m = r.machine;
  const s = r.settings;
  const gpu = m.gpu
    ? `GPU present: ${m.gpu}. GPU rows: not measured yet by this command (it runs the CPU provider).`
    : "No GPU on this machine (nvidia-smi absent): GPU rows not measured on this machine.";
  const imageRows: ModelRow[] = ["tokenize.b1", "tokenize.b16", "decode.25", "api.call"];
  const lmRows: ModelRow[] = [
    "lm.prefill64",
    "lm.decode32",
    "lm.decode128",
    "lm.decode256",
    "lm.nocache32",
    "lm.nocache128",
    "lm.nocache256",
    "lm.generate",
  ];
  return `# SEED Notebook benchmarks

Written by \`${r.command}\` (bench/run.ts) on ${r.date}; the whole run took ${r.wallSeconds.toFixed(0)} s. Do not edit by hand.

## Machine
- CPU: ${m.cpu}, ${m.cores} cores visible; RAM ${m.ramGiB.toFixed(1)} GiB; ${m.os}
- ${m.node === process.version ? `Node ${m.node}` : m.node}, ${m.ort}, PyTorch ${r.torchVersions.torch ?? "not run"} (Python ${r.torchVersions.python ?? "?"}, BLAS ${m.blas}, OPENBLAS_NUM_THREADS=${r.torchVersions.openblas_num_threads ?? "?"})
- Threads: ONNX Runtime intra-op ${s.threads} (inter-op 1, sequential, graph optimisation "all", CPU provider); torch.set_num_threads(${r.torchVersions.torch_threads ?? s.threads})
- Load average (1/5/15 min) at start: ${fmtLoad(m.loadStart)}; at end: ${fmtLoad(r.loadEnd)}. The machine is shared; with a load above the core count every number is pessimistic and noisy.
- ${gpu}
- Model: ${r.modelNote}

Each cell: median (p10-p90) in ms over n samples (min-max when n < 5). Ratios are of medians measured in this same
run. Repetitions: up to image ${s.reps.image}, decode ${s.reps.decode}, LM ${s.reps.lm} (a decode repetition gives 4 samples), kernel starts ${s.reps.kernelStarts}, kernel cells ${s.reps.kernelCells};
fewer when a row's time budget ran out (a busy machine); one warm-up each.

## Image stages
${modelTable(r, imageRows, ["inproc", "worker", "raw", "torch"], (row) => (row === "api.call" ? undefined : 1.5))}

## Language model (batch 1; ids teacher-forced from one prompt, no sampling)
${modelTable(r, lmRows, ["inproc", "worker", "raw", "torch"], (row) => (row.startsWith("lm.decode") ? 2 : undefined))}

Growth with context:
${growthLines(r)}

## Kernel
${kernelTable(r)}

Model load (package -> ready): SeedModel.load in-process ${cellText(r.loadMs.inproc)} ms; openModelWorker ${cellText(r.loadMs.worker)} ms.

## Memory
${memoryTable(r.memory)}

## Notes
${r.notes.map((n) => `- ${n}`).join("\n")}
${r.analysis ? `\n${r.analysis.trim()}\n` : ""}`;
}
