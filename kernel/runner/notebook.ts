// nbformat 4 notebooks for the headless runner: read and check a .ipynb (a NotebookFormatError says what is wrong),
// and record one execution's outputs into its cell the way Jupyter stores them (streams merged, display updates
// applied in place, by display id, in whichever cell holds the display). Written back as nbformat 4.5 (cell ids).

import { randomUUID } from "node:crypto";
import type { MimeBundle } from "../protocol/mime";
import type { OutputItem } from "../protocol/rpc";

export type NbOutput =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: MimeBundle; metadata: Record<string, unknown> }
  | { output_type: "execute_result"; execution_count: number; data: MimeBundle; metadata: Record<string, unknown> }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface NbCell {
  id?: string;
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  execution_count?: number | null;
  outputs?: NbOutput[];
  attachments?: Record<string, unknown>;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NbCell[];
}

/** A cell's source as one string (nbformat allows a list of lines). */
export function sourceText(cell: NbCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** A notebook file that cannot be run: the message says what is wrong and what is expected. */
export class NotebookFormatError extends Error {
  override name = "NotebookFormatError";
}

const EXPECTED = 'expected a Jupyter notebook: nbformat 4 JSON with a "cells" array (.ipynb)';

/** Parses .ipynb JSON; throws a NotebookFormatError naming what is wrong. Upgrades to 4.5: cell ids added where missing. */
export function parseNotebook(json: string, from: string): Notebook {
  const bad = (what: string): NotebookFormatError => new NotebookFormatError(`${from}: ${what}; ${EXPECTED}`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw bad(`not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw bad(`the file holds ${Array.isArray(raw) ? "an array" : String(raw)}, not a JSON object`);
  const nb = raw as Partial<Notebook>;
  if (nb.nbformat !== 4) throw bad(`nbformat is ${JSON.stringify(nb.nbformat) ?? "missing"}`);
  if (!Array.isArray(nb.cells))
    throw bad(`"cells" is ${JSON.stringify(nb.cells) === undefined ? "missing" : "not an array"}`);
  nb.cells.forEach((c: unknown, i) => {
    if (typeof c !== "object" || c === null) throw bad(`cell ${i + 1} is not an object`);
    const cell = c as Partial<NbCell>;
    if (!["code", "markdown", "raw"].includes(cell.cell_type ?? ""))
      throw bad(`cell ${i + 1} has cell_type ${JSON.stringify(cell.cell_type) ?? "missing"} (code, markdown or raw)`);
    if (
      typeof cell.source !== "string" &&
      !(Array.isArray(cell.source) && cell.source.every((l) => typeof l === "string"))
    ) {
      throw bad(`cell ${i + 1} has no source (a string or a list of strings)`);
    }
    cell.metadata ??= {};
    cell.id ??= randomUUID().slice(0, 8);
  });
  return {
    nbformat: 4,
    nbformat_minor: Math.max(5, nb.nbformat_minor ?? 0),
    metadata: nb.metadata ?? {},
    cells: nb.cells,
  };
}

/** The first non-blank line of a cell's source (to name a cell in messages), shortened to `max` characters. */
export function firstLine(cell: NbCell, max = 60): string {
  const line =
    sourceText(cell)
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Where each display id was shown: the outputs objects to replace on update. */
export class OutputRecorder {
  private readonly displays = new Map<string, Array<{ data: MimeBundle; metadata: Record<string, unknown> }>>();
  private clearPending = false;

  /** Appends (or applies) one output of the execution of `cell`. */
  record(cell: NbCell, output: OutputItem): void {
    const outputs = (cell.outputs ??= []);
    if (output.kind === "update") {
      for (const shown of this.displays.get(output.displayId) ?? []) {
        shown.data = output.data;
        shown.metadata = output.metadata ?? {};
      }
      return;
    }
    if (output.kind === "clear") {
      if (output.wait) this.clearPending = true;
      else outputs.length = 0;
      return;
    }
    if (this.clearPending) {
      outputs.length = 0;
      this.clearPending = false;
    }
    switch (output.kind) {
      case "stream": {
        const last = outputs[outputs.length - 1];
        if (last?.output_type === "stream" && last.name === output.name) last.text += output.text;
        else outputs.push({ output_type: "stream", name: output.name, text: output.text });
        return;
      }
      case "display": {
        const entry: NbOutput = { output_type: "display_data", data: output.data, metadata: output.metadata ?? {} };
        outputs.push(entry);
        if (output.displayId) {
          const list = this.displays.get(output.displayId) ?? [];
          list.push(entry);
          this.displays.set(output.displayId, list);
        }
        return;
      }
      case "result":
        outputs.push({
          output_type: "execute_result",
          execution_count: output.executionCount,
          data: output.data,
          metadata: output.metadata ?? {},
        });
        return;
      case "error":
        outputs.push({ output_type: "error", ...output.error });
        return;
    }
  }
}
