// What a saved notebook's outputs say, checked for honesty (tests/integration/notebooks.test.ts): no live view left
// half-finished (a filmstrip still "running" or with no frame, a generation still "generating…", "denoising…" text),
// no drawing whose image span is unclosed or of the wrong length, and no warning about a malformed image span.
// Model-agnostic: it reads only the kernel's own payloads and texts, never what a particular model drew.

import { MIME } from "../../kernel/protocol/mime";
import type { FilmstripPayload, GenerationPayload } from "../../kernel/protocol/payloads";
import type { CellProblem, Notebook, NotebookOutput } from "./notebooks";

/** Texts of a view that is still running (the kernel's live states), in any text type of a final output. */
const RUNNING_TEXT = [
  /generating…/,
  /denoising…/,
  /\(decoding image…\)/,
  /frames, running/,
  /waiting for the first step/,
  /codebook atlas · .*: (reading the cache|tokenizing the reference images|decoding every code alone)/,
];
/** Warnings about image spans that a drawing must not carry. */
const SPAN_WARNING = /image span|not closed|unclosed|no decodable image/i;

function texts(data: Record<string, unknown>): string[] {
  return [MIME.plain, MIME.html]
    .map((m) => data[m])
    .flatMap((v) => (typeof v === "string" ? [v] : Array.isArray(v) ? [v.join("")] : []));
}

function outputProblems(o: NotebookOutput): string[] {
  if (o.output_type !== "display_data" && o.output_type !== "execute_result") return [];
  const problems: string[] = [];
  for (const text of texts(o.data)) {
    const hit = RUNNING_TEXT.find((r) => r.test(text));
    if (hit) problems.push(`a live view left running: its text says ${JSON.stringify(hit.exec(text)![0])}`);
  }
  const film = o.data[MIME.filmstrip] as FilmstripPayload | undefined;
  if (film) {
    if (!film.done)
      problems.push(`a filmstrip saved while running (${film.frames.length} of ${film.totalSteps} steps shown)`);
    if (film.frames.length === 0) problems.push("a filmstrip with 0 frames");
    if (film.stopped) problems.push(`a filmstrip that ${film.stopped === "error" ? "failed" : "was interrupted"}`);
  }
  const gen = o.data[MIME.generation] as GenerationPayload | undefined;
  if (gen) {
    if (gen.status === "running" || gen.status === "interrupted" || gen.status === "error")
      problems.push(`a generation saved as "${gen.status}"`);
    for (const part of gen.parts) {
      if (part.kind !== "tokens") continue;
      if (!part.complete) problems.push(`an unclosed image span of ${part.tokens.chips.length} tokens`);
      else if (part.tokens.chips.length !== part.tokens.numTokens)
        problems.push(`an image span of ${part.tokens.chips.length} tokens (the model uses ${part.tokens.numTokens})`);
    }
    for (const w of gen.warnings ?? []) if (SPAN_WARNING.test(w)) problems.push(`a generation warning: ${w}`);
  }
  return problems;
}

/** Every output that shows a stale live view or a malformed drawing, by cell. */
export function honestyProblems(nb: Notebook, name: string): CellProblem[] {
  const out: CellProblem[] = [];
  nb.cells.forEach((cell, i) => {
    for (const o of cell.outputs ?? [])
      for (const message of outputProblems(o)) out.push({ notebook: name, cell: i, message });
  });
  return out;
}
