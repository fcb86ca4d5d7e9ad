// The honesty check on saved notebook outputs (tests/helpers/notebook-content.ts), on outputs built by the kernel's
// own view builders: a stale live view (running filmstrip, filmstrip with no frame, a generation still generating)
// and a malformed drawing (unclosed span, wrong length, span warning) are caught; finished views pass.

import assert from "node:assert/strict";
import { test } from "node:test";
import { codebookStats } from "../../kernel/api/atlas-stats";
import { atlasBundle, atlasProgressBundle } from "../../kernel/display/atlas-view";
import { filmstripBundle } from "../../kernel/display/filmstrip";
import { generationBundle } from "../../kernel/display/generation-view";
import type { MimeBundle } from "../../kernel/protocol/mime";
import { honestyProblems } from "../helpers/notebook-content";
import type { Notebook } from "../helpers/notebooks";
import { gradientPng } from "./display/fixtures";

const notebook = (...bundles: MimeBundle[]): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: bundles.map((data) => ({
    cell_type: "code",
    source: "",
    metadata: {},
    outputs: [{ output_type: "display_data", data }],
  })),
});
const problems = (...bundles: MimeBundle[]) => honestyProblems(notebook(...bundles), "t.ipynb").map((p) => p.message);
const base = { prompt: "Draw a fox", numTokens: 32, codebookSize: 1024 };

test("finished views pass", async () => {
  const png = await gradientPng(16, 16);
  const frame = { step: 25, timestep: 1, image: { png, label: "step 25" } };
  const done = generationBundle({
    ...base,
    parts: [
      { kind: "text", text: "Here it is." },
      { kind: "tokens", ids: Array(32).fill(7), complete: true },
      { kind: "image", image: { png, label: "generated" } },
    ],
    tokenCount: 35,
    status: "stop-token",
  });
  assert.deepEqual(problems(filmstripBundle({ frames: [frame], totalSteps: 25, done: true }), done), []);
});

test("a stale live view is caught: running filmstrip, filmstrip with 0 frames, a generation still generating", async () => {
  const png = await gradientPng(16, 16);
  const frame = { step: 3, timestep: 700, image: { png, label: "step 3" } };
  assert.ok(problems(filmstripBundle({ frames: [frame], totalSteps: 25, done: false })).some((m) => /running/.test(m)));
  assert.ok(
    problems(filmstripBundle({ frames: [], totalSteps: 25, done: false })).includes("a filmstrip with 0 frames"),
  );
  assert.ok(
    problems(filmstripBundle({ frames: [frame], totalSteps: 25, done: true, stopped: "interrupted" })).includes(
      "a filmstrip that was interrupted",
    ),
  );
  const generating = generationBundle({
    ...base,
    parts: [{ kind: "text", text: "Sure" }],
    tokenCount: 1,
    status: "running",
  });
  assert.ok(problems(generating).includes('a generation saved as "running"'));
  // Only the text was left behind (a client that kept text/plain and HTML): still caught.
  assert.ok(
    problems({ "text/plain": "<Filmstrip 0 frames, running: steps  of 25>" }).some((m) =>
      /live view left running/.test(m),
    ),
  );
  assert.ok(problems({ "text/html": "<div>generating… · 1 tokens</div>" }).some((m) => /generating…/.test(m)));
});

test("a malformed drawing is caught: an unclosed span of 128 tokens, a short span, a span warning", () => {
  const unclosed = generationBundle({
    ...base,
    parts: [{ kind: "tokens", ids: Array(128).fill(5), complete: false }],
    tokenCount: 128,
    status: "max-tokens",
    warnings: ["image span 1: 128 codes, not closed by </img> (expected 32); decoded the first 32"],
  });
  const found = problems(unclosed);
  assert.ok(found.includes("an unclosed image span of 128 tokens"), found.join("; "));
  assert.ok(found.some((m) => m.startsWith("a generation warning: image span 1: 128 codes")));
  const short = generationBundle({
    ...base,
    parts: [{ kind: "tokens", ids: Array(31).fill(5), complete: true }],
    tokenCount: 33,
    status: "stop-token",
  });
  assert.ok(problems(short).includes("an image span of 31 tokens (the model uses 32)"));
});

test("an atlas saved while it was still building is caught; the finished atlas view passes", async () => {
  const building = atlasProgressBundle({
    model: "SEED-mini",
    done: 40,
    total: 1536,
    what: "decoding every code alone (a one-token prefix)",
  });
  assert.ok(problems(building).some((m) => /running/.test(m)));
  const png = await gradientPng(16, 16);
  const finished = atlasBundle({
    model: "SEED-mini",
    stats: codebookStats([[0, 1]], 2, 2),
    referenceSource: "1 image",
    sheets: { references: { png, tile: 16, columns: 1, count: 1 } },
    htmlSheets: { references: { png, tile: 16, columns: 1, count: 1 } },
    captions: [""],
    buildMs: 10,
    fromCache: false,
  });
  assert.deepEqual(problems(finished), []);
});
