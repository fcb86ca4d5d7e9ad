// Live controls on SEED-mini: control change -> first updated frame, and -> finished view, for a decode view with
// the package's default steps, through the kernel's own path (the ControlHub over the model worker, the `seed` API's
// live decode producing the frames, the controls bundle built for every update). Same-run baseline: the plain
// `seed.decode` of the same tokens and values (what re-running the cell's computation costs, without any display).
// Modes: "final" (a VS Code slider released: the full run at once) and "preview" (a slider being dragged: 4 steps).
//   node --import tsx bench/controls.ts [--model DIR] [--reps N] [--threads N]
// Prints a Markdown table with the machine's load at start and end.

import { existsSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { DisplaySink } from "../kernel/api/context";
import { ControlHub } from "../kernel/api/control-hub";
import { createSeedApi } from "../kernel/api/create-seed-api";
import type { ControlsPayload } from "../kernel/protocol/controls";
import type { MimeBundle } from "../kernel/protocol/mime";
import { MIME } from "../kernel/protocol/mime";
import { openModelWorker } from "../model/runtime";
import { fmtLoad } from "./machine";
import { fmtSummary, nowMs, summarize } from "./stats";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: join(process.cwd(), "model", "seed-mini") },
    reps: { type: "string", default: "12" },
    threads: { type: "string", default: "2" },
  },
});
const reps = Number(args.reps);

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  const built = join(process.cwd(), "dist", "model-worker.js");
  const model = await openModelWorker(args.model, {
    threads: Number(args.threads),
    executionProvider: "cpu",
    workerScript: existsSync(built) ? built : undefined,
  });
  // Every update of the view, with its time and state.
  let updates: { t: number; state: string; frames: number }[] = [];
  const sink: DisplaySink = {
    display: (_b: MimeBundle, o) => ({ displayId: o?.displayId ?? "x", update: () => undefined }),
    update: (_id, b) => {
      const p = b[MIME.controls] as ControlsPayload;
      const frames = (p.view?.data as { frames?: unknown[] } | undefined)?.frames?.length ?? 0;
      updates.push({ t: nowMs(), state: p.state, frames });
    },
  };
  const hub = new ControlHub(sink);
  const never = new AbortController();
  const seed = createSeedApi({
    model: async () => model,
    display: sink,
    signal: () => never.signal,
    cwd: process.cwd(),
    controls: hub,
  });
  const tok = await seed.tokenize(join(process.cwd(), "notebooks", "assets", "fox.png"));
  const view = await seed.controls.decode(tok);
  const steps = view.values.steps!;
  const guidance = view.values.guidance!;
  const rows: Record<string, { first: number[]; done: number[] }> = {
    final: { first: [], done: [] },
    preview: { first: [], done: [] },
  };
  const plain: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    // Rotated, so that load changes hit every row alike; the first round warms up and is dropped.
    for (const mode of ["final", "preview", "plain"] as const) {
      const s = 1 + i;
      if (mode === "plain") {
        const t0 = nowMs();
        await seed.decode(tok, { steps, guidance, seed: s });
        if (i > 0) plain.push(nowMs() - t0);
        continue;
      }
      updates = [];
      const t0 = nowMs();
      await hub.change(view.id, { seed: s }, mode, "frontend");
      // The first update that shows an image of the new run (a denoising step), not the "running" placeholder.
      const first = updates.find((u) => u.frames > 0);
      const last = updates.at(-1);
      if (!first || !last) throw new Error(`no update for a ${mode} change`);
      if (i > 0) {
        rows[mode]!.first.push(first.t - t0);
        rows[mode]!.done.push(last.t - t0);
      }
    }
  }
  await model.dispose();
  const f = (ms: number[]) => fmtSummary(summarize(ms));
  const med = (ms: number[]) => summarize(ms).median;
  console.log(
    `Live controls on ${model.info.name}: decode view, ${steps} steps, guidance ${guidance}; ${reps} changes per row after 1 warm-up (ms, median (p10-p90))`,
  );
  console.log("");
  console.log("| change | -> first frame with an image | -> finished view | finished / plain seed.decode |");
  console.log("|---|---|---|---|");
  console.log(
    `| slider released ("final", ${steps} steps) | ${f(rows.final!.first)} | ${f(rows.final!.done)} | ${(med(rows.final!.done) / med(plain)).toFixed(2)}x |`,
  );
  console.log(
    `| slider dragged ("preview", 4 steps) | ${f(rows.preview!.first)} | ${f(rows.preview!.done)} | ${(med(rows.preview!.done) / med(plain)).toFixed(2)}x |`,
  );
  console.log(`| plain seed.decode, same values (baseline) | – | ${f(plain)} | 1.00x |`);
  console.log("");
  console.log(
    `Load average (1/5/15 min) at start ${fmtLoad(loadStart)}, at end ${fmtLoad(os.loadavg())}; ${os.cpus().length} cores, --threads ${args.threads}.`,
  );
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
