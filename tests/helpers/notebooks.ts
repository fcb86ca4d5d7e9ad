// The teaching notebooks (notebooks/*.ipynb) as data, for tests/integration/notebooks.test.ts and
// scripts/refresh-notebooks.mjs's checks: a typed reading of nbformat 4 JSON, the errors a run left in it, the output
// types each code cell was declared to produce (cell metadata `seed.expect`), and a per-cell "signature" of output
// types used to check that the committed outputs are current. No processes here: see notebooks-run.ts.

import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

/** One output of a code cell (nbformat 4): a stream, rich data, or an error. */
export type NotebookOutput =
  | { output_type: "stream"; name: string; text: string | string[] }
  | {
      output_type: "display_data" | "execute_result";
      data: Record<string, unknown>;
      metadata?: Record<string, unknown>;
    }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: { seed?: { expect?: string[] } } & Record<string, unknown>;
  outputs?: NotebookOutput[];
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: {
    kernelspec?: { name?: string; display_name?: string; language?: string };
    language_info?: { name?: string };
  } & Record<string, unknown>;
  cells: NotebookCell[];
}

/** Where a problem was found: the notebook's file name and the 0-based index among ALL its cells. */
export interface CellProblem {
  notebook: string;
  cell: number;
  message: string;
}

/** Reads and shape-checks an .ipynb file; throws naming the file and the field that is wrong. */
export function readNotebook(path: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not a readable JSON notebook (${(e as Error).message})`);
  }
  const nb = raw as Partial<Notebook>;
  if (nb.nbformat !== 4) throw new Error(`${path}: nbformat is ${String(nb.nbformat)}; expected 4`);
  if (!Array.isArray(nb.cells)) throw new Error(`${path}: "cells" is missing or not an array`);
  nb.cells.forEach((c, i) => {
    if (!["code", "markdown", "raw"].includes(c.cell_type))
      throw new Error(`${path}: cell ${i} has cell_type ${String(c.cell_type)}`);
    if (c.cell_type === "code" && !Array.isArray(c.outputs))
      throw new Error(`${path}: code cell ${i} has no "outputs" array`);
  });
  return nb as Notebook;
}

/** The teaching notebooks in `dir`, sorted by file name. */
export function listNotebooks(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => join(dir, f));
}

/** A cell's source as one string. */
export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Every error output, with its cell and the first line of the message. */
export function cellErrors(nb: Notebook, name: string): CellProblem[] {
  const out: CellProblem[] = [];
  nb.cells.forEach((cell, i) => {
    for (const o of cell.outputs ?? []) {
      if (o.output_type === "error") {
        const source =
          cellSource(cell)
            .split("\n")
            .find((l) => l.trim() && !l.trim().startsWith("//")) ?? "";
        out.push({
          notebook: name,
          cell: i,
          message: `${o.ename}: ${o.evalue.split("\n")[0]} (cell starts: ${source.trim().slice(0, 80)})`,
        });
      }
    }
  });
  return out;
}

/** The MIME types of every rich output of a cell (display_data and execute_result), unique and sorted. */
export function mimeTypes(cell: NotebookCell): string[] {
  const types = new Set<string>();
  for (const o of cell.outputs ?? []) {
    if (o.output_type === "display_data" || o.output_type === "execute_result")
      for (const t of Object.keys(o.data)) types.add(t);
  }
  return [...types].sort();
}

/** Output types a code cell must produce (metadata `seed.expect`) that a run did not produce. */
export function missingExpected(nb: Notebook, name: string): CellProblem[] {
  const out: CellProblem[] = [];
  nb.cells.forEach((cell, i) => {
    const expect = cell.metadata.seed?.expect ?? [];
    const have = mimeTypes(cell);
    const missing = expect.filter((t) => !have.includes(t));
    if (missing.length > 0)
      out.push({
        notebook: name,
        cell: i,
        message: `missing ${missing.join(", ")}; the cell produced [${have.join(", ")}]`,
      });
  });
  return out;
}

/**
 * The output types of one cell as a stable string: its MIME types plus "stdout" when it printed and "error" when it
 * failed. stderr is left out on purpose: native libraries may log there in one frontend and not in another.
 */
export function cellSignature(cell: NotebookCell, ignore: readonly string[] = []): string {
  const parts = mimeTypes(cell).filter((m) => !ignore.includes(m));
  const outputs = cell.outputs ?? [];
  if (outputs.some((o) => o.output_type === "stream" && o.name === "stdout")) parts.push("stdout");
  if (outputs.some((o) => o.output_type === "error")) parts.push("error");
  return parts.join(" ");
}

/** Differences between two runs' output types: cell count, cell kinds, and per code cell its signature. */
export function compareOutputTypes(
  expected: Notebook,
  actual: Notebook,
  name: string,
  labels = ["committed", "re-run"],
  ignoreMimes: readonly string[] = [],
): CellProblem[] {
  const [a, b] = labels;
  if (expected.cells.length !== actual.cells.length) {
    return [
      { notebook: name, cell: -1, message: `${a} has ${expected.cells.length} cells, ${b} has ${actual.cells.length}` },
    ];
  }
  const out: CellProblem[] = [];
  expected.cells.forEach((cell, i) => {
    const other = actual.cells[i]!;
    if (cell.cell_type !== other.cell_type) {
      out.push({ notebook: name, cell: i, message: `${a} is ${cell.cell_type}, ${b} is ${other.cell_type}` });
    } else if (cell.cell_type === "code") {
      const s1 = cellSignature(cell, ignoreMimes);
      const s2 = cellSignature(other, ignoreMimes);
      if (s1 !== s2) out.push({ notebook: name, cell: i, message: `${a} outputs [${s1}], ${b} outputs [${s2}]` });
    }
  });
  return out;
}

/** Problems with the notebook's kernel metadata (the SEED kernelspec and TypeScript language info). */
export function kernelMetadataProblems(nb: Notebook, name: string): CellProblem[] {
  const ks = nb.metadata.kernelspec;
  const problems: string[] = [];
  if (ks?.name !== "seed") problems.push(`kernelspec.name is ${JSON.stringify(ks?.name)}; expected "seed"`);
  if (ks?.display_name !== "SEED (TypeScript)")
    problems.push(`kernelspec.display_name is ${JSON.stringify(ks?.display_name)}; expected "SEED (TypeScript)"`);
  if (ks?.language !== "typescript")
    problems.push(`kernelspec.language is ${JSON.stringify(ks?.language)}; expected "typescript"`);
  if (nb.metadata.language_info?.name !== "typescript")
    problems.push(`language_info.name is ${JSON.stringify(nb.metadata.language_info?.name)}; expected "typescript"`);
  return problems.map((message) => ({ notebook: name, cell: -1, message }));
}

/** One readable line per problem, for assertion messages. */
export function formatProblems(problems: readonly CellProblem[]): string {
  return problems.map((p) => `${p.notebook}${p.cell >= 0 ? ` cell ${p.cell}` : ""}: ${p.message}`).join("\n");
}

/** "tour.ipynb" for ".../notebooks/tour.ipynb". */
export function notebookName(path: string): string {
  return basename(path);
}
