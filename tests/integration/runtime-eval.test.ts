// The runtime evaluation driver (model/eval/run-eval.ts) on the shipped package: three fixture scenes are tokenized and
// decoded (one with a prefix decode), one "Draw ..." prompt and a caption and a VQA question go through seed.chat, and
// an item whose image is missing must fail alone. Checks that the process succeeds and that results.json and the PNGs
// it names are well-formed. Needs the SEED-mini package (model/seed-mini).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import type { AskResult, DrawResult, EvalResult, ReconstructResult } from "../../model/eval/request";
import { ROOT } from "./kernelspec-env";

const PACKAGE = join(ROOT, "model", "seed-mini");
const FIXTURES = join(PACKAGE, "fixtures", "images");
const N = 32;

let work: string;
let out: string;
let result: EvalResult;
let log: string;

/** Width and height from a PNG's IHDR, after checking the signature. */
function pngSize(path: string): [number, number] {
  const b = readFileSync(path);
  assert.ok(
    b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    `${path} is not a PNG`,
  );
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

before(() => {
  work = mkdtempSync(join(tmpdir(), "seed-runtime-eval-"));
  out = join(work, "out");
  for (const i of [0, 1, 2]) copyFileSync(join(FIXTURES, `scene${i}.png`), join(work, `scene${i}.png`));
  const request = {
    version: 1,
    reconstruct: [
      { id: "scene0", image: "scene0.png", prefixes: [4] },
      { id: "scene1", image: "scene1.png" },
      { id: "scene2", image: join(work, "scene2.png") },
      { id: "missing", image: "no-such-image.png" },
    ],
    draw: [
      {
        id: "circle",
        prompt: "Draw a large red circle in the center, on a white background.",
        greedy: true,
        seeds: [],
      },
    ],
    ask: [
      { id: "caption", image: "scene0.png", question: "Describe the image." },
      { id: "background", image: "scene1.png", question: "What colour is the background?" },
    ],
  };
  writeFileSync(join(work, "request.json"), JSON.stringify(request));
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(ROOT, "model", "eval", "run-eval.ts"),
      join(work, "request.json"),
      out,
      "--model",
      PACKAGE,
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 180_000,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  log = run.stderr; // progress lines
  assert.equal(run.status, 0, `run-eval exited with ${String(run.status)}:\n${run.stderr}`);
  result = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as EvalResult;
});

test("the run records the model, the API version and per-call totals", () => {
  assert.equal(result.version, 1);
  assert.equal(result.model.name, "SEED-mini");
  assert.equal(result.model.executionProvider, "cpu");
  assert.equal(result.model.numTokens, N);
  assert.match(result.seedApiVersion, /^\d+\.\d+\.\d+$/);
  for (const key of [
    "reconstruct.tokenize",
    "reconstruct.decode",
    "reconstruct.prefix",
    "draw.greedy",
    "ask.sampled",
  ]) {
    assert.ok(
      result.totals[key] && result.totals[key].count > 0 && result.totals[key].seconds > 0,
      `totals.${key}: ${JSON.stringify(result.totals[key])}`,
    );
  }
  assert.ok(result.displays > 0, "the default live views were sent to the display sink");
});

test("each scene is tokenized into N codes and decoded into a 64x64 PNG, with the prefix decode asked for", () => {
  const ok = result.reconstruct.filter((r: ReconstructResult) => r.id !== "missing");
  assert.equal(ok.length, 3);
  for (const r of ok) {
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.codes?.length, N);
    assert.ok(r.codes!.every((c) => Number.isInteger(c) && c >= 0 && c < 1024));
    assert.deepEqual(pngSize(join(out, r.reconstruction!)), [64, 64]);
  }
  const fixture = JSON.parse(readFileSync(join(PACKAGE, "fixtures", "tokenizer.json"), "utf8")) as {
    items: { ids: number[] }[];
  };
  assert.deepEqual(ok[0]!.codes, fixture.items[0]!.ids, "the runtime's codes equal the golden fixture's");
  assert.deepEqual(Object.keys(ok[0]!.prefixes), ["4"]);
  assert.deepEqual(pngSize(join(out, ok[0]!.prefixes["4"]!)), [64, 64]);
});

test("an item whose image is missing fails alone, with the path in its error", () => {
  const r = result.reconstruct.find((x) => x.id === "missing")!;
  assert.match(r.error ?? "", /no image file at .*no-such-image\.png/);
  assert.equal(r.codes, undefined);
  assert.match(log, /missing .*ERROR/);
});

test("a Draw prompt records its image spans, its codes and the decoded PNG", () => {
  assert.equal(result.draw.length, 1);
  const d: DrawResult = result.draw[0]!;
  assert.equal(d.error, undefined, d.error);
  assert.equal(d.run, "greedy");
  assert.deepEqual(d.options, { temperature: 0 });
  assert.equal(typeof d.exact, "boolean");
  assert.ok(Array.isArray(d.spans) && d.spans.length >= 1);
  assert.deepEqual(d.codes, d.spans[0]!.codes);
  // default options: the prompt does not open a span, every span is one the model opened with <img>
  assert.ok(
    d.spans.every((s) => s.opened === "tag"),
    JSON.stringify(d.spans.map((s) => s.opened)),
  );
  assert.equal(d.exact, d.spans.length === 1 && d.spans[0]!.closed && d.spans[0]!.codes.length === N);
  assert.ok(d.png && existsSync(join(out, d.png)));
  assert.deepEqual(pngSize(join(out, d.png)), [64, 64]);
});

test("questions about an image are answered in text with the default options", () => {
  assert.equal(result.ask.length, 2);
  for (const a of result.ask as AskResult[]) {
    assert.equal(a.error, undefined, a.error);
    assert.equal(a.run, "seed-0");
    assert.equal(a.options, null, "seed 0 is the default: seed.chat is called without options");
    assert.equal(typeof a.text, "string");
    assert.ok((a.tokens ?? 0) > 0);
  }
  assert.doesNotMatch(result.ask[0]!.text!, /<img_\d+>/, "the image went in as an image, not as its path in the text");
});
