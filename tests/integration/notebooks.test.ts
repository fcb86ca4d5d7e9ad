// The teaching notebooks, end to end: every notebook in notebooks/ runs top to bottom with the headless runner AND
// through the real Jupyter client (nbconvert with our kernelspec), with no cell error and with every output type its
// cells declare (cell metadata seed.expect: the token bundle, PNG images...); the committed outputs are current (a
// re-run gives the same cell count and the same output types per cell) and honest (no live view left running, no
// malformed drawing: tests/helpers/notebook-content.ts), in the committed file and in both re-runs; and the cells
// typecheck against seed.d.ts. Needs `node esbuild.mjs` (dist/) and the SEED-mini package (model/seed-mini, or SEED_MODEL_PATH).
// Notebooks run one at a time: each lesson is meant to take under a minute on 2 cores, which CI shares.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { honestyProblems } from "../helpers/notebook-content";
import type { Notebook } from "../helpers/notebooks";
import {
  cellErrors,
  compareOutputTypes,
  formatProblems,
  kernelMetadataProblems,
  listNotebooks,
  missingExpected,
  notebookName,
  readNotebook,
} from "../helpers/notebooks";
import { installKernelspec, runHeadless, runJupyter } from "../helpers/notebooks-run";
import { typecheckNotebooks } from "../helpers/notebooks-typecheck";

const root = join(__dirname, "..", "..");
const notebooksDir = join(root, "notebooks");
const LESSONS = [
  "drawing-step-by-step.ipynb",
  "editing-and-blending.ipynb",
  "play-with-the-tokens.ipynb",
  "tokenizer-anatomy.ipynb",
  "tour.ipynb",
  "understanding.ipynb",
];
/** Per run. A lesson takes under 60 s on 2 idle cores; the margin is for a CPU shared with other suites. */
const RUN_TIMEOUT_MS = 300_000;
/** Per cell (headless runner): a hung cell fails with a TimeoutError in its notebook instead of stalling the run. */
const CELL_TIMEOUT_S = 120;
const TOKENS = "application/vnd.seed.tokens+json";
const PNG = "image/png";

const paths = listNotebooks(notebooksDir);
let tmp = "";
let jupyterPath: Promise<string> | undefined;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), "seed-notebooks-"));
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A fresh output folder per frontend and notebook. */
function outDir(kind: string, name: string): string {
  const dir = join(tmp, kind, name.replace(/\.ipynb$/, ""));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Asserts a run left no error output, produced every declared output type, and saved only finished, honest views. */
function assertRunClean(run: Notebook, name: string, frontend: string, seconds: number): void {
  const errors = cellErrors(run, name);
  assert.equal(errors.length, 0, `${frontend}: cells failed (${seconds.toFixed(0)} s):\n${formatProblems(errors)}`);
  const missing = missingExpected(run, name);
  assert.equal(missing.length, 0, `${frontend}: expected output types missing:\n${formatProblems(missing)}`);
  const dishonest = honestyProblems(run, name);
  assert.equal(dishonest.length, 0, `${frontend}: outputs left stale or malformed:\n${formatProblems(dishonest)}`);
}

describe("teaching notebooks", () => {
  it("are the five lessons, with the SEED kernelspec and declared output types that include token strips and PNGs", () => {
    assert.deepEqual(paths.map(notebookName), LESSONS);
    for (const path of paths) {
      const nb = readNotebook(path);
      const name = notebookName(path);
      assert.equal(formatProblems(kernelMetadataProblems(nb, name)), "", `${name}: wrong kernel metadata`);
      const declared = new Set(nb.cells.flatMap((c) => c.metadata.seed?.expect ?? []));
      assert.ok(declared.size > 0, `${name}: no code cell declares its expected outputs (metadata seed.expect)`);
    }
    const everywhere = new Set(
      paths.flatMap((p) => readNotebook(p).cells.flatMap((c) => c.metadata.seed?.expect ?? [])),
    );
    assert.ok(
      everywhere.has(TOKENS) && everywhere.has(PNG),
      `the lessons must declare ${TOKENS} and ${PNG} outputs somewhere`,
    );
  });

  it("have code cells that typecheck against the seed API (kernel/api/seed.d.ts)", { timeout: 180_000 }, async () => {
    const dir = outDir("typecheck", "all");
    const diagnostics = await typecheckNotebooks(
      root,
      paths.map((p) => ({ name: notebookName(p), notebook: readNotebook(p) })),
      dir,
    );
    assert.equal(diagnostics, "", `notebook cells do not typecheck:\n${diagnostics}`);
  });

  for (const path of paths) {
    const name = notebookName(path);
    describe(name, () => {
      const committed = readNotebook(path);
      let headless: Notebook | undefined;

      it("has honest committed outputs: no live view left running, no malformed drawing", () => {
        const problems = honestyProblems(committed, name);
        assert.equal(
          problems.length,
          0,
          `${name}: refresh it with \`node scripts/refresh-notebooks.mjs\`:\n${formatProblems(problems)}`,
        );
      });

      it("runs with the headless runner: no cell error, every declared output type", {
        timeout: RUN_TIMEOUT_MS + 30_000,
      }, async () => {
        const run = await runHeadless(path, {
          root,
          outDir: outDir("headless", name),
          timeoutMs: RUN_TIMEOUT_MS,
          cellTimeoutSeconds: CELL_TIMEOUT_S,
        });
        headless = run.notebook;
        assertRunClean(run.notebook, name, "headless runner", run.seconds);
      });

      it("has committed outputs that are current (same cell count and output types per cell as the re-run)", () => {
        assert.ok(headless, `${name}: the headless run did not produce a notebook (see the failure above)`);
        const diff = compareOutputTypes(committed, headless, name, ["committed", "re-run"]);
        assert.equal(
          diff.length,
          0,
          `${name}: committed outputs are stale; refresh them with \`node scripts/refresh-notebooks.mjs\`:\n${formatProblems(diff)}`,
        );
      });

      it('runs through the Jupyter client (nbconvert --execute, kernelspec "seed"): no cell error, same output types', {
        timeout: RUN_TIMEOUT_MS + 90_000,
      }, async () => {
        jupyterPath ??= installKernelspec(root, join(tmp, "jupyter-prefix"));
        const run = await runJupyter(path, await jupyterPath, {
          root,
          outDir: outDir("jupyter", name),
          timeoutMs: RUN_TIMEOUT_MS,
        });
        assertRunClean(run.notebook, name, "Jupyter (nbconvert)", run.seconds);
        // Under Jupyter a view with live controls also carries its widgets (a Jupyter-only MIME type: the headless
        // runner that wrote the committed outputs has no widget frontend).
        const widgets = ["application/vnd.jupyter.widget-view+json"];
        const diff = compareOutputTypes(committed, run.notebook, name, ["committed", "Jupyter run"], widgets);
        assert.equal(
          diff.length,
          0,
          `${name}: Jupyter's outputs differ from the committed ones:\n${formatProblems(diff)}`,
        );
      });
    });
  }
});
