// A notebook written for SEED-mini runs unchanged on the real SEED shapes: tokenizer-anatomy.ipynb's cells, through the
// headless runner (the kernel session, the `seed` API, the displays), on the reduced-depth real-SEED package
// (tests/helpers/real-seed.ts: 224 px, 16x16 patches, 8192 codes, the unCLIP I/O, SEED-LLaMA's vocabulary). Every cell
// runs as written; the two prefix-decoding cells need a detokenizer token mask, which real SEED does not have, so they
// run in a second notebook where the first of them must fail with the runtime's capability error and nothing else.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  cellErrors,
  cellSource,
  mimeTypes,
  type Notebook,
  type NotebookCell,
  readNotebook,
} from "../helpers/notebooks";
import { runHeadless } from "../helpers/notebooks-run";
import { ROOT, realSeedFixture } from "../helpers/real-seed";

const fixture = realSeedFixture();
const skip = typeof fixture === "string" ? fixture : false;
const SOURCE = join(ROOT, "notebooks", "tokenizer-anatomy.ipynb");
const TOKENS = "application/vnd.seed.tokens+json";
const isPrefixCell = (c: NotebookCell): boolean => c.cell_type === "code" && /prefix:\s*k/.test(cellSource(c));

describe("tokenizer-anatomy.ipynb on the real SEED shapes", { skip }, () => {
  let dir = "";
  const env = (): Record<string, string> => ({
    SEED_MODEL_PATH: typeof fixture === "string" ? "" : fixture.packageDir,
  });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "seed-real-nb-"));
    symlinkSync(join(ROOT, "notebooks", "assets"), join(dir, "assets"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, cells: NotebookCell[]): string => {
    const nb: Notebook = {
      ...readNotebook(SOURCE),
      cells: cells.map((c) => ({ ...c, outputs: c.cell_type === "code" ? [] : undefined })),
    };
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(nb));
    return path;
  };

  it("every cell but the prefix decodes runs unchanged; token strips carry 32 tokens and 16x16 attention maps", async () => {
    const cells = readNotebook(SOURCE).cells;
    const prefixCells = cells.filter(isPrefixCell);
    assert.equal(prefixCells.length, 2, "the notebook's two prefix-decoding cells");
    const run = await runHeadless(
      write(
        "anatomy.ipynb",
        cells.filter((c) => !isPrefixCell(c)),
      ),
      {
        root: ROOT,
        outDir: join(dir, "out1"),
        timeoutMs: 900_000,
        env: env(),
        cellTimeoutSeconds: 600,
      },
    );
    assert.deepEqual(cellErrors(run.notebook, "anatomy"), []);
    const code = run.notebook.cells.filter((c) => c.cell_type === "code");
    const printed = JSON.stringify(code[0]?.outputs ?? []);
    assert.match(printed, /224x224 input, 16x16 patches, 32 tokens, codebook of 8192/);
    const strip = code.find((c) => mimeTypes(c).includes(TOKENS));
    assert.ok(strip, "the token strip cell rendered the tokens bundle");
    console.log(`  ${code.length} code cells in ${run.seconds.toFixed(0)} s`);
  });

  it("a prefix decode fails with the capability error (the package has no token_mask)", async () => {
    const cells = readNotebook(SOURCE).cells;
    const firstPrefix = cells.findIndex(isPrefixCell);
    const upTo = cells
      .slice(0, firstPrefix + 1)
      .filter((c) => c.cell_type === "markdown" || !/names = \[/.test(cellSource(c)));
    const run = await runHeadless(write("prefix.ipynb", upTo), {
      root: ROOT,
      outDir: join(dir, "out2"),
      timeoutMs: 900_000,
      env: env(),
      cellTimeoutSeconds: 600,
    });
    const errors = cellErrors(run.notebook, "prefix");
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]?.message ?? "", /cannot decode a prefix of 1 tokens \(its detokenizer has no token_mask\)/);
  });
});
