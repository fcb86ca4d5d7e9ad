// Image, comparison, filmstrip, generation and probability bundles: MIME keys, PNGs that decode, payloads that
// round-trip JSON, HTML that is well-formed and self-contained.

import assert from "node:assert/strict";
import { test } from "node:test";
import { filmstripBundle, pickEvenly } from "../../../kernel/display/filmstrip";
import { generationBundle } from "../../../kernel/display/generation-view";
import { comparisonBundle, imageBundle } from "../../../kernel/display/image-view";
import { probabilitiesBundle } from "../../../kernel/display/probabilities";
import { MIME } from "../../../kernel/protocol/mime";
import type {
  ComparisonPayload,
  FilmstripPayload,
  GenerationPayload,
  ProbabilitiesPayload,
} from "../../../kernel/protocol/payloads";
import { decodePng, gradientPng } from "./fixtures";
import { htmlProblems } from "./html-check";

const roundTrips = (v: unknown): void => assert.deepEqual(JSON.parse(JSON.stringify(v)), v);

test("an image bundle carries a decodable PNG in both image/png and the payload", async () => {
  const png = await gradientPng(48, 32);
  const b = imageBundle({ png, label: "fox" });
  assert.deepEqual(Object.keys(b).sort(), [MIME.html, MIME.png, MIME.plain, MIME.image].sort());
  const decoded = await decodePng(b[MIME.png] as string);
  assert.deepEqual([decoded.width, decoded.height], [48, 32]);
  roundTrips(b[MIME.image]);
  assert.deepEqual(htmlProblems(b[MIME.html] as string), []);
  assert.equal(b[MIME.plain], '<SeedImage "fox" 48x32>');
});

test("a comparison shows every image with its label and the result as image/png", async () => {
  const a = await gradientPng(64, 64);
  const r = await gradientPng(32, 32);
  const b = comparisonBundle({
    images: [
      { png: a, label: "original" },
      { png: r, label: "reconstruction" },
    ],
    caption: "25 steps",
    tokens: { ids: [1, 2, 3], numTokens: 32, codebookSize: 1024 },
  });
  const p = b[MIME.comparison] as ComparisonPayload;
  assert.deepEqual(
    p.images.map((i) => i.label),
    ["original", "reconstruction"],
  );
  assert.equal(p.tokens!.chips.length, 3);
  assert.equal((await decodePng(b[MIME.png] as string)).width, 32, "image/png is the last image");
  roundTrips(p);
  const html = b[MIME.html] as string;
  assert.deepEqual(htmlProblems(html), []);
  assert.ok(html.includes(">original<") && html.includes(">reconstruction<") && html.includes("25 steps"));
  assert.throws(() => comparisonBundle({ images: [] }), /at least one image/);
});

test("pickEvenly keeps the first and last and at most max indices", () => {
  assert.deepEqual(pickEvenly(5, 12), [0, 1, 2, 3, 4]);
  const picked = pickEvenly(50, 6);
  assert.equal(picked.length, 6);
  assert.equal(picked[0], 0);
  assert.equal(picked[5], 49);
  assert.deepEqual(pickEvenly(10, 1), [9]);
});

test("a filmstrip keeps evenly spaced frames, reports progress while live and is final when done", async () => {
  const png = await gradientPng(16, 16);
  const frames = Array.from({ length: 25 }, (_, i) => ({ step: i + 1, timestep: 960 - i * 40, image: { png } }));
  const live = filmstripBundle({ frames: frames.slice(0, 7), totalSteps: 25, done: false });
  assert.match(live[MIME.html] as string, /step 7 of 25/);
  assert.equal((live[MIME.filmstrip] as FilmstripPayload).done, false);
  const done = filmstripBundle({ frames, totalSteps: 25, done: true, maxFrames: 8 });
  const p = done[MIME.filmstrip] as FilmstripPayload;
  assert.equal(p.frames.length, 8);
  assert.equal(p.frames.at(-1)!.step, 25);
  roundTrips(p);
  assert.deepEqual(htmlProblems(done[MIME.html] as string), []);
  assert.equal((await decodePng(done[MIME.png] as string)).width, 16);
  const empty = filmstripBundle({ frames: [], totalSteps: 25, done: false });
  assert.equal(MIME.png in empty, false, "no image/png before the first frame");
  assert.deepEqual(htmlProblems(empty[MIME.html] as string), []);
});

test("a generation streams text and a partial token strip, then shows the decoded image", async () => {
  const base = { prompt: "Draw a fox", numTokens: 32, codebookSize: 1024 };
  const running = generationBundle({
    ...base,
    parts: [
      { kind: "text", text: "Here <b>is</b> " },
      { kind: "tokens", ids: [5, 6, 7], complete: false },
    ],
    tokenCount: 6,
    status: "running",
  });
  const rp = running[MIME.generation] as GenerationPayload;
  assert.equal(rp.status, "running");
  assert.equal(rp.parts.length, 2);
  assert.equal(MIME.png in running, false);
  const html = running[MIME.html] as string;
  assert.deepEqual(htmlProblems(html), []);
  assert.ok(html.includes("Here &lt;b&gt;is&lt;/b&gt;"), "text is escaped");
  assert.ok(html.includes("3/32"));
  assert.equal(running[MIME.plain], "Here <b>is</b> [image tokens 3/32] …");
  const png = await gradientPng(64, 64);
  const steps = [
    {
      id: 9,
      text: "Here",
      candidates: [
        { id: 9, text: "Here", prob: 0.612345 },
        { id: 4, text: "A", prob: 0.2 },
      ],
    },
  ];
  const done = generationBundle({
    ...base,
    parts: [
      { kind: "text", text: "Here " },
      { kind: "tokens", ids: Array(32).fill(3), complete: true },
      { kind: "image", image: { png, label: "generated" } },
    ],
    tokenCount: 35,
    status: "stop-token",
    steps,
    warnings: ["image span 1: 31 codes (expected 32); decoded as a prefix of 31"],
  });
  const dp = done[MIME.generation] as GenerationPayload;
  assert.equal(dp.steps![0]!.candidates[0]!.prob, 0.6123);
  assert.deepEqual(dp.warnings, ["image span 1: 31 codes (expected 32); decoded as a prefix of 31"]);
  assert.ok((done[MIME.html] as string).includes("⚠ image span 1: 31 codes"));
  assert.equal(
    done[MIME.plain],
    "Here [image]\n⚠ image span 1: 31 codes (expected 32); decoded as a prefix of 31",
    "a saved notebook's text shows the warning too",
  );
  const stopped = generationBundle({
    ...base,
    parts: [{ kind: "text", text: "Here " }],
    tokenCount: 1,
    status: "interrupted",
  });
  assert.equal(stopped[MIME.plain], "Here  [interrupted]");
  roundTrips(dp);
  assert.equal((await decodePng(done[MIME.png] as string)).width, 64);
  assert.deepEqual(htmlProblems(done[MIME.html] as string), []);
});

test("the probability chart selects a step, rounds and escapes", () => {
  const steps = [
    {
      id: 1,
      text: " a",
      candidates: [
        { id: 1, text: " a", prob: 0.7 },
        { id: 2, text: "<x>", prob: 0.3 },
      ],
    },
    { id: 3, text: "<img_00042>", code: 42, candidates: [{ id: 3, text: "<img_00042>", prob: 0.91 }] },
  ];
  const b = probabilitiesBundle({ steps, selected: 1 });
  const p = b[MIME.probabilities] as ProbabilitiesPayload;
  assert.equal(p.selected, 1);
  assert.equal(p.steps[1]!.code, 42);
  roundTrips(p);
  const html = b[MIME.html] as string;
  assert.deepEqual(htmlProblems(html), []);
  assert.ok(html.includes("&lt;x&gt;"));
  assert.ok(html.includes("91.0%"));
  assert.match(b[MIME.plain] as string, /step 1 chose "<img_00042>"/);
  assert.ok(
    html.includes('title="#1 &lt;img_00042&gt;: 91.0%"'),
    "overview column per step with the chosen probability",
  );
  assert.throws(() => probabilitiesBundle({ steps, selected: 2 }), /selected step 2 is outside 0\.\.1/);
});
