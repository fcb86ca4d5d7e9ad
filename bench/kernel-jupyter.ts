// The Jupyter path of the kernel, driven by a real jupyter_client (bench/python/jupyter_roundtrip.py, Debian's
// /usr/bin/python3): our kernel (`node dist/kernel.js --jupyter {connection_file}` through a temporary kernelspec)
// and, for comparison, Debian's ipykernel when python3-ipykernel is installed.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KernelRun } from "./kernel-rpc";
import { EXPR_CELLS } from "./kernel-rpc";
import { PYTHON } from "./torch";

interface JupyterJson {
  error: string | null;
  start_to_first_result_ms?: number[];
  empty_cell_ms?: number[];
  expr_cell_ms?: number[];
  rss_after_10?: number;
  rss_after_n?: number;
  n_cells?: number;
  peak_rss?: number;
}

function run(args: readonly string[], timeoutMs: number): KernelRun {
  const script = join("bench", "python", "jupyter_roundtrip.py");
  const r = spawnSync(PYTHON, ["-Xfrozen_modules=off", script, ...args], {
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
  });
  if (r.error) throw new Error(`not measured: jupyter_roundtrip.py did not finish: ${r.error.message}`);
  let j: JupyterJson;
  try {
    j = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as JupyterJson;
  } catch {
    throw new Error(
      `not measured: jupyter_roundtrip.py printed no JSON (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-2).join(" | ")}`,
    );
  }
  if (j.error) throw new Error(`not measured: ${j.error}`);
  return {
    startToFirstMs: j.start_to_first_result_ms ?? [],
    emptyCellMs: j.empty_cell_ms ?? [],
    exprCellMs: j.expr_cell_ms ?? [],
    rssAfter10: j.rss_after_10 ?? 0,
    rssAfterN: j.rss_after_n ?? 0,
    nCells: j.n_cells ?? 0,
    peakRss: j.peak_rss ?? 0,
  };
}

/** Our kernel over the Jupyter wire protocol; `kernelArgs` are appended after `--jupyter {connection_file}`. */
export function jupyterOurs(script: string, kernelArgs: readonly string[], starts: number, cells: number): KernelRun {
  if (!existsSync(script))
    throw new Error(`not measured: ${script} does not exist (the build did not produce the kernel)`);
  const argv = [process.execPath, script, "--jupyter", "{connection_file}", ...kernelArgs];
  return run(
    [
      "--argv",
      JSON.stringify(argv),
      "--starts",
      String(starts),
      "--cells",
      String(cells),
      "--expr-cells",
      String(EXPR_CELLS),
    ],
    240_000,
  );
}

/** Debian's ipykernel (kernelspec python3), if importable by /usr/bin/python3. */
export function jupyterIpykernel(starts: number, cells: number): KernelRun {
  const probe = spawnSync(PYTHON, ["-c", "import ipykernel"], { encoding: "utf8" });
  if (probe.status !== 0)
    throw new Error("not measured: ipykernel is not installed (apt-get install python3-ipykernel)");
  return run(
    ["--kernel", "python3", "--starts", String(starts), "--cells", String(cells), "--expr-cells", String(EXPR_CELLS)],
    240_000,
  );
}
