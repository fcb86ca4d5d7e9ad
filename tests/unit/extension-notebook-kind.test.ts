// Whose notebook it is (extension/src/kernelspec.ts notebookKind, prefersSeed) and what the controller says about
// cells it cannot run (extension/src/cell-language.ts): pure functions, under plain Node.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTROLLER_LANGUAGES, foreignNotebookNotice, unsupportedCellError } from "../../extension/src/cell-language";
import { notebookKind, prefersSeed } from "../../extension/src/kernelspec";

/** NotebookDocument.metadata as VS Code's ipynb serializer exposes it: the Jupyter metadata one level down. */
const nb = (metadata: Record<string, unknown>) => ({ nbformat: 4, nbformat_minor: 5, metadata });
const PYTHON = nb({
  kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
  language_info: { name: "python" },
});

test("notebookKind: SEED's, another TypeScript kernel's, another language's, nobody's", () => {
  assert.deepEqual(notebookKind(nb({ kernelspec: { name: "seed", language: "typescript" } })), { kind: "seed" });
  assert.deepEqual(
    notebookKind(nb({ kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } })),
    { kind: "typescript" },
  );
  assert.deepEqual(notebookKind(nb({ language_info: { name: "typescript" } })), { kind: "typescript" });
  assert.deepEqual(notebookKind(PYTHON), { kind: "other", kernel: "python3", language: "python" });
  assert.deepEqual(notebookKind(nb({ kernelspec: { name: "ir", language: "R" } })), {
    kind: "other",
    kernel: "ir",
    language: "R",
  });
  // A kernelspec without a language: the language_info tells it.
  assert.deepEqual(notebookKind(nb({ kernelspec: { name: "julia-1.10" }, language_info: { name: "julia" } })), {
    kind: "other",
    kernel: "julia-1.10",
    language: "julia",
  });
  // What VS Code's ipynb support makes of a notebook that names nothing: language_info python, no kernelspec.
  assert.deepEqual(notebookKind(nb({ language_info: { name: "python" } })), { kind: "none" });
  assert.deepEqual(notebookKind(nb({})), { kind: "none" });
  assert.deepEqual(notebookKind(undefined), { kind: "none" });
});

test("prefersSeed: Preferred for SEED and TypeScript notebooks only", () => {
  assert.equal(prefersSeed(nb({ kernelspec: { name: "seed", language: "typescript" } })), true);
  assert.equal(prefersSeed(nb({ kernelspec: { name: "tslab", language: "typescript" } })), true);
  assert.equal(prefersSeed(PYTHON), false);
  assert.equal(prefersSeed(nb({ language_info: { name: "python" } })), false);
  assert.equal(prefersSeed(nb({})), false);
});

test("the controller takes Python cells (to answer them) with TypeScript first (new cells' language)", () => {
  assert.deepEqual([...CONTROLLER_LANGUAGES], ["typescript", "python"]);
});

test("unsupportedCellError: TypeScript runs; a Python cell is told why not and what to do", () => {
  assert.equal(unsupportedCellError("typescript", notebookKind(PYTHON)), undefined);
  const inPython = unsupportedCellError("python", notebookKind(PYTHON));
  assert.ok(inPython);
  assert.equal(inPython.ename, "UnsupportedLanguage");
  assert.match(inPython.evalue, /Python cell.*runs TypeScript only/);
  assert.match(inPython.evalue, /"python3" \(Python\).*pick that kernel/);
  const inSeed = unsupportedCellError(
    "python",
    notebookKind(nb({ kernelspec: { name: "seed", language: "typescript" } })),
  );
  assert.ok(inSeed);
  assert.match(inSeed.evalue, /change the cell's language to TypeScript/);
  assert.doesNotMatch(inSeed.evalue, /another kernel/);
});

test("foreignNotebookNotice: names the notebook's kernel and counts the cells that will not run", () => {
  const notice = foreignNotebookNotice(notebookKind(PYTHON), ["python", "python", "typescript"]);
  assert.ok(notice);
  assert.match(notice, /runs TypeScript cells only/);
  assert.match(notice, /"python3" \(Python\).*leaves its kernelspec as it is/);
  assert.match(notice, /2 Python cells will not run/);
  assert.match(foreignNotebookNotice({ kind: "seed" }, ["python"]) ?? "", /1 Python cell will not run/);
  assert.equal(foreignNotebookNotice({ kind: "seed" }, ["typescript"]), undefined);
  assert.equal(foreignNotebookNotice({ kind: "none" }, []), undefined);
});
