// Notebooks that are not SEED's, in a VS Code where SEED is the only kernel (as in this test server): a Python
// notebook keeps its kernelspec whether the SEED controller is picked implicitly (Run All with no other kernel) or
// explicitly, and its Python cells end with an error that says why they cannot run here instead of being skipped
// silently. A notebook without a kernelspec gets the SEED kernelspec when SEED is picked for it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { api, ERROR, openNotebook, selectSeedKernel, text, waitFor, workspaceDir } from "./helpers";

interface IpynbCell {
  cell_type: "code";
  metadata: Record<string, unknown>;
  source: string;
  outputs: [];
  execution_count: null;
}

const PYTHON_METADATA = {
  kernelspec: { name: "python3", display_name: "Python 3 (ipykernel)", language: "python" },
  language_info: { name: "python", version: "3.11.2", file_extension: ".py", mimetype: "text/x-python" },
};

let counter = 0;

/** Writes an .ipynb with exactly this notebook metadata and these cells, and opens it. */
async function writeNotebook(metadata: Record<string, unknown>, cells: IpynbCell[]): Promise<vscode.NotebookDocument> {
  const file = path.join(workspaceDir(), `foreign-${process.pid}-${++counter}.ipynb`);
  fs.writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata, cells }, null, 1));
  return openNotebook(file);
}

function code(source: string, languageId?: string): IpynbCell {
  return {
    cell_type: "code",
    metadata: languageId ? { vscode: { languageId } } : {},
    source,
    outputs: [],
    execution_count: null,
  };
}

function kernelspecName(doc: vscode.NotebookDocument): unknown {
  return (doc.metadata as { metadata?: { kernelspec?: { name?: unknown } } }).metadata?.kernelspec?.name;
}

/** Waits until every listed cell has an execution summary from a run that ended after t0. */
async function waitForSummaries(doc: vscode.NotebookDocument, indexes: number[], t0: number): Promise<void> {
  const done = (c: vscode.NotebookCell) =>
    c.executionSummary !== undefined && (c.executionSummary.timing?.endTime ?? 0) >= t0;
  await waitFor(
    `summaries of cells ${indexes.join(", ")} (a Python cell must not be skipped silently)`,
    () => indexes.every((i) => done(doc.cellAt(i))),
    15_000,
  );
}

const EXPLANATION = /Python[\s\S]*TypeScript/;

export function defineForeignNotebookTests(): void {
  suite("notebooks of other kernels", () => {
    test("a Python notebook is not taken over: Run All explains why its Python cells cannot run and keeps its kernelspec", async () => {
      const doc = await writeNotebook(PYTHON_METADATA, [code('print("hello")'), code("x = 1")]);
      assert.equal(doc.cellAt(0).document.languageId, "python");
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(kernelspecName(doc), "python3", "opening the notebook changed its kernelspec");
      const t0 = Date.now();
      // Run All with no kernel picked: VS Code uses the only kernel it has, SEED.
      await vscode.commands.executeCommand("notebook.execute", doc.uri);
      await waitForSummaries(doc, [0], t0);
      const first = doc.cellAt(0);
      assert.equal(first.executionSummary?.success, false);
      assert.match(text(first, ERROR), EXPLANATION);
      assert.equal(doc.cellAt(1).executionSummary?.success, undefined, "the cells after the failed one are not run");
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(kernelspecName(doc), "python3", "running the notebook rewrote its kernelspec");
      assert.equal((await api()).kernelPid(doc.uri), undefined, "no kernel process is started for Python cells");
    });

    test("picking SEED explicitly for a Python notebook keeps its kernelspec; a Python cell ends with a clear error", async () => {
      const doc = await writeNotebook(PYTHON_METADATA, [code("import numpy as np\nnp.zeros(3)")]);
      await selectSeedKernel(doc);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(kernelspecName(doc), "python3", "selecting SEED rewrote the Python notebook's kernelspec");
      const t0 = Date.now();
      await vscode.commands.executeCommand("notebook.cell.execute", {
        ranges: [{ start: 0, end: 1 }],
        document: doc.uri,
      });
      await waitForSummaries(doc, [0], t0);
      const cell = doc.cellAt(0);
      assert.equal(cell.executionSummary?.success, false);
      const error = JSON.parse(text(cell, ERROR)) as { name: string; message: string };
      assert.match(error.message, EXPLANATION);
      assert.match(error.message, /python3/, "the message names the notebook's kernelspec");
    });

    test("TypeScript cells in a Python notebook run on SEED when it is picked; the kernelspec stays", async () => {
      const doc = await writeNotebook(PYTHON_METADATA, [code("return 6 * 7", "typescript")]);
      assert.equal(doc.cellAt(0).document.languageId, "typescript");
      await selectSeedKernel(doc);
      const t0 = Date.now();
      await vscode.commands.executeCommand("notebook.cell.execute", {
        ranges: [{ start: 0, end: 1 }],
        document: doc.uri,
      });
      await (await api()).whenIdle(doc.uri);
      await waitForSummaries(doc, [0], t0);
      assert.equal(doc.cellAt(0).executionSummary?.success, true, text(doc.cellAt(0), ERROR));
      assert.equal(text(doc.cellAt(0), "text/plain"), "42");
      assert.equal(kernelspecName(doc), "python3");
    });

    test("picking SEED for a notebook without a kernelspec writes the SEED kernelspec; empty cells become TypeScript", async () => {
      const doc = await writeNotebook({}, [code("return 1", "typescript"), code("")]);
      assert.equal(
        doc.cellAt(1).document.languageId,
        "python",
        "VS Code's default language for a notebook that names none",
      );
      await selectSeedKernel(doc);
      await waitFor("the SEED kernelspec edit", () => kernelspecName(doc) === "seed");
      const inner = (doc.metadata as { metadata?: { language_info?: { name?: string } } }).metadata;
      assert.equal(inner?.language_info?.name, "typescript");
      await waitFor("the empty cell to become TypeScript", () => doc.cellAt(1).document.languageId === "typescript");
    });
  });
}
