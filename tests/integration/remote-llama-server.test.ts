// The remote language model against a real engine: llama.cpp's llama-server serving SEED-mini's LM as GGUF
// (tests/helpers/llama-server.ts builds the GGUF with the serving exporter and starts the server). Greedy remote ids
// equal in-process greedy ids on the golden chat prompts (text, captions, drawings); the top-k chart comes from the
// server's logprobs; the tour notebook's drawing and captioning cells run unchanged with SEED_LM_ENDPOINT, drawing a
// closed 32-token image span and writing a caption; interrupt cancels the server's request.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { SeedError, SeedModel, type TokenEvent } from "../../model/runtime/index";
import { type LlamaServer, startLlamaServer } from "../helpers/llama-server";
import { cellErrors, cellSource } from "../helpers/notebooks";
import { runHeadless } from "../helpers/notebooks-run";
import { SEED_MINI } from "../helpers/packages";
import { ROOT } from "./kernelspec-env";

interface GreedyCase {
  readonly name?: string;
  readonly prompt_ids: number[];
  readonly greedy_ids: number[];
}

let server: LlamaServer;
let local: SeedModel;
let remote: SeedModel;
const outDir = mkdtempSync(join(tmpdir(), "seed-remote-"));

before(async () => {
  server = await startLlamaServer({ args: ["--threads", "1"] });
  local = await SeedModel.load(SEED_MINI, { executionProvider: "cpu", threads: 1 });
  remote = await SeedModel.load(SEED_MINI, { executionProvider: "cpu", threads: 1, languageModelEndpoint: server.url });
});
after(async () => {
  await remote?.dispose();
  await local?.dispose();
  await server?.stop();
  rmSync(outDir, { recursive: true, force: true });
});

test("the server is recognised and its vocabulary checked at load", () => {
  const lm = remote.info.languageModel;
  assert.equal(lm?.kind, "remote");
  assert.ok(
    lm?.kind === "remote" && lm.server === "llama.cpp server" && lm.unreachable === undefined,
    JSON.stringify(lm),
  );
  assert.equal(remote.languageModel, undefined, "the ONNX LM is not loaded");
});

test("greedy remote ids equal in-process greedy ids on the golden chat prompts; top-k from logprobs", async () => {
  const fixture = JSON.parse(readFileSync(join(SEED_MINI, "fixtures", "lm_greedy.json"), "utf8")) as {
    cases: GreedyCase[];
  };
  assert.ok(fixture.cases.length >= 4);
  for (const [i, c] of fixture.cases.entries()) {
    const opts = { temperature: 0, maxNewTokens: Math.max(1, c.greedy_ids.length) + 4 };
    const want = await local.generate(c.prompt_ids, opts);
    const events: TokenEvent[] = [];
    const got = await remote.generate(c.prompt_ids, { ...opts, onToken: (e) => events.push(e) });
    assert.deepEqual(got.ids, want.ids, `case ${c.name ?? i}`);
    assert.equal(got.stopReason, want.stopReason, `case ${c.name ?? i}`);
    assert.deepEqual(
      got.images.map((s) => s.codes),
      want.images.map((s) => s.codes),
    );
    for (const e of events.filter((x) => !x.forced)) {
      assert.equal(e.candidates.length, 5, "5 candidates per drawn token");
      assert.equal(e.candidates[0]?.id, e.id, "greedy: the drawn token is the most likely candidate");
    }
  }
});

test("interrupt cancels the running request; the same model generates afterwards", async () => {
  const ctrl = new AbortController();
  const prompt = await remote.buildPrompt([{ role: "user", content: "Draw a large penguin in the center." }]);
  await assert.rejects(
    remote.generate(prompt, {
      temperature: 0,
      maxNewTokens: 40,
      signal: ctrl.signal,
      onToken: (e) => e.index === 2 && ctrl.abort(),
    }),
    (e: unknown) => e instanceof SeedError && e.code === "aborted",
  );
  const r = await remote.generate(prompt, { temperature: 0, maxNewTokens: 40, requireImage: true });
  assert.equal(r.images.filter((s) => s.valid).length, 1);
});

test("the tour's drawing and captioning cells run unchanged against llama-server", async () => {
  const run = await runHeadless(join(ROOT, "notebooks", "tour.ipynb"), {
    root: ROOT,
    outDir,
    timeoutMs: 600_000,
    env: { SEED_LM_ENDPOINT: server.url },
  });
  const nb = run.notebook;
  assert.deepEqual(cellErrors(nb, "tour.ipynb"), []);
  const cell = (needle: string) => {
    const c = nb.cells.find((x) => x.cell_type === "code" && cellSource(x).includes(needle));
    assert.ok(c, `no cell with ${needle}`);
    return c;
  };
  const plain = (c: ReturnType<typeof cell>): string =>
    (c.outputs ?? [])
      .map((o) => String((o as { data?: Record<string, unknown> }).data?.["text/plain"] ?? ""))
      .join("\n");
  assert.match(plain(cell("seed.info()")), new RegExp(`language model: remote ${server.url} \\(llama\\.cpp server`));
  const generation = (c: ReturnType<typeof cell>) => {
    const o = (c.outputs ?? []).find(
      (x) => (x as { data?: Record<string, unknown> }).data?.["application/vnd.seed.generation+json"],
    );
    return (o as { data: Record<string, unknown> }).data["application/vnd.seed.generation+json"] as {
      parts: { kind: string; text?: string; complete?: boolean; tokens?: { chips: unknown[] } }[];
      status: string;
    };
  };
  const drawing = generation(cell('seed.chat("Draw'));
  const span = drawing.parts.find((p) => p.kind === "tokens");
  assert.equal(span?.complete, true, JSON.stringify(drawing.parts.map((p) => p.kind)));
  assert.equal(span?.tokens?.chips.length, 32, "a closed 32-token image span");
  const caption = generation(cell("Describe the image."));
  const text = caption.parts
    .filter((p) => p.kind === "text")
    .map((p) => p.text)
    .join("");
  assert.ok(text.trim().length > 10, `a caption: ${JSON.stringify(text)}`);
});
