// nbformat 4 notebooks for the headless runner: read and check a .ipynb, and record one execution's outputs into
// its cell the way Jupyter stores them (streams merged, display updates applied in place, by display id, in
// whichever cell holds the display). Written back as nbformat 4.5 (every cell has an id).

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

/** Parses .ipynb JSON; throws naming what is wrong. Upgrades to 4.5: cell ids added where missing. */
export function parseNotebook(json: string, from: string): Notebook {
  const raw: unknown = JSON.parse(json);
  const nb = raw as Partial<Notebook>;
  if (typeof raw !== "object" || raw === null) throw new Error(`${from}: not a JSON object`);
  if (nb.nbformat !== 4) throw new Error(`${from}: nbformat ${String(nb.nbformat)} is not supported; expected 4`);
  if (!Array.isArray(nb.cells)) throw new Error(`${from}: "cells" must be an array`);
  nb.cells.forEach((c, i) => {
    if (!["code", "markdown", "raw"].includes(c.cell_type)) throw new Error(`${from}: cell ${i + 1} has cell_type "${String(c.cell_type)}"`);
    if (typeof c.source !== "string" && !Array.isArray(c.source)) throw new Error(`${from}: cell ${i + 1} has no source`);
    c.metadata ??= {};
    c.id ??= randomUUID().slice(0, 8);
  });
  return { nbformat: 4, nbformat_minor: Math.max(5, nb.nbformat_minor ?? 0), metadata: nb.metadata ?? {}, cells: nb.cells };
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
        outputs.push({ output_type: "execute_result", execution_count: output.executionCount, data: output.data, metadata: output.metadata ?? {} });
        return;
      case "error":
        outputs.push({ output_type: "error", ...output.error });
        return;
    }
  }
}
