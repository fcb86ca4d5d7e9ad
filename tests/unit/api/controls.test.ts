// Views with live controls (seed.controls) through the real runtime on the tiny package: the view is one display
// updated in place; a change re-runs it with the new values (frames first, then the finished view showing the values
// and the call that reproduces them); a newer change cancels a running one; bad values get a clear error and the
// view keeps working; a preview run uses fewer steps and is not kept.

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ControlHub } from "../../../kernel/api/control-hub";
import { createSeedApi } from "../../../kernel/api/create-seed-api";
import type { Reconstruction, SeedApi, Tokens } from "../../../kernel/api/seed";
import type { ControlsPayload } from "../../../kernel/protocol/controls";
import { MIME } from "../../../kernel/protocol/mime";
import type { FilmstripPayload } from "../../../kernel/protocol/payloads";
import { harness, RecordingSink, tinyModel } from "./harness";

let seed: SeedApi;
let sink: RecordingSink;
let hub: ControlHub;
let tokens: Tokens;

before(async () => {
  const h = await harness();
  const model = await tinyModel();
  sink = new RecordingSink();
  hub = new ControlHub(sink);
  const controller = new AbortController();
  seed = createSeedApi({
    model: async () => model,
    display: sink,
    signal: () => controller.signal,
    cwd: h.cwd,
    controls: hub,
  });
  tokens = await h.seed.tokenize("grad.png");
});

const payloadOf = (i: number): ControlsPayload => sink.shown[i]!.bundle[MIME.controls] as ControlsPayload;
const shownFor = (id: string) => sink.shown.filter((s) => s.displayId === id);
const lastOf = (id: string): ControlsPayload => shownFor(id).at(-1)!.bundle[MIME.controls] as ControlsPayload;

test("controls.decode shows ONE display: frames while it runs, then the finished view with its values and code", async () => {
  const start = sink.shown.length;
  const view = await seed.controls.decode(tokens, { steps: 3, guidance: 2, seed: 1 }, { name: "tok" });
  const mine = sink.shown.slice(start);
  assert.equal(mine[0]!.kind, "display");
  assert.ok(
    mine.every((s) => s.displayId === view.id),
    "every output is the same display",
  );
  assert.ok(
    mine.some(
      (s) =>
        (s.bundle[MIME.controls] as ControlsPayload).state === "running" &&
        (s.bundle[MIME.controls] as ControlsPayload).view,
    ),
    "a streamed frame",
  );
  const last = lastOf(view.id);
  assert.equal(last.state, "done");
  assert.deepEqual(last.values, { steps: 3, guidance: 2, seed: 1, prefix: 4 });
  assert.equal(last.code, "await seed.decode(tok, { steps: 3, guidance: 2, seed: 1 })");
  assert.deepEqual(
    last.controls.map((c) => c.name),
    ["steps", "guidance", "seed", "prefix"],
  );
  assert.equal(last.view?.mime, MIME.filmstrip);
  assert.equal((last.view!.data as FilmstripPayload).totalSteps, 3);
  assert.match(shownFor(view.id).at(-1)!.bundle[MIME.html] as string, /seed\.decode\(tok/);
  assert.equal(view.result.steps, 3);
  assert.deepEqual(payloadOf(start).viewId, view.id);
});

test("a change re-runs with the new values; the result equals the plain call with those values", async () => {
  const view = await seed.controls.decode(tokens, { steps: 2 });
  const before = shownFor(view.id).length;
  const rec = await view.set({ seed: 7, prefix: 2 });
  assert.ok(shownFor(view.id).length > before + 1, "frames and the finished view went to the same display");
  assert.deepEqual(view.values, { steps: 2, guidance: view.values.guidance!, seed: 7, prefix: 2 });
  assert.match(view.code, /seed: 7, prefix: 2 \}\)$/);
  const plain = await seed.decode(tokens, { steps: 2, guidance: view.values.guidance!, seed: 7, prefix: 2 });
  assert.deepEqual(rec.image.png, plain.image.png, "same values, same image");
});

test("a newer change cancels the running one: only the newer values finish", async () => {
  const view = await seed.controls.decode(tokens, { steps: 2 });
  const first = hub.change(view.id, { steps: 40, seed: 1 }, "final", "frontend");
  const second = hub.change(view.id, { steps: 3, seed: 2 }, "final", "frontend");
  assert.equal(await first, undefined, "the superseded run resolves without a value");
  const rec = (await second) as Reconstruction;
  assert.equal(rec.steps, 3);
  const done = shownFor(view.id).filter((s) => (s.bundle[MIME.controls] as ControlsPayload).state === "done");
  assert.ok(
    done.every((s) => (s.bundle[MIME.controls] as ControlsPayload).values.steps !== 40),
    "the cancelled run never finished",
  );
  assert.equal(lastOf(view.id).values.steps, 3);
});

test("a preview run uses fewer steps and is not kept; auto follows it with the full run", async () => {
  const view = await seed.controls.decode(tokens, { steps: 6 });
  await hub.change(view.id, { seed: 3 }, "preview", "frontend");
  const preview = lastOf(view.id);
  assert.equal(preview.state, "preview");
  assert.equal(preview.previewNote, "4 of 6 steps");
  assert.equal((preview.view!.data as FilmstripPayload).totalSteps, 4);
  assert.equal(view.values.seed, 0, "a preview does not change the view's values");
  const rec = (await hub.change(view.id, { seed: 4 }, "auto", "frontend")) as Reconstruction;
  assert.equal(rec.steps, 6);
  assert.equal(lastOf(view.id).state, "done");
  assert.equal(view.values.seed, 4);
});

test("bad values are refused with what was wrong and what is expected; the view keeps working", async () => {
  const view = await seed.controls.decode(tokens, { steps: 2 });
  assert.throws(
    () => hub.change(view.id, { steps: 2.5 }, "final", "frontend"),
    /steps must be an integer from 1 to 50, got the number 2\.5/,
  );
  assert.throws(
    () => hub.change(view.id, { stepz: 2 }, "final", "frontend"),
    /unknown control "stepz"; expected some of: steps, guidance, seed, prefix/,
  );
  assert.throws(() => hub.change("nope", { steps: 2 }, "final", "frontend"), /no view "nope".*run its cell again/);
  await assert.rejects(seed.controls.decode(tokens, { steps: 0 }), /seed\.controls\.decode: steps/);
  assert.equal((await view.set({ steps: 1 })).steps, 1);
});

test("controls.edit decodes tokens.with(position, code) and says so as code", async () => {
  const view = await seed.controls.edit(tokens, { position: 1, code: 5 }, { steps: 2, name: "t" });
  assert.deepEqual(view.values, { position: 1, code: 5 });
  assert.deepEqual([...view.result.tokens.ids], [...tokens.with(1, 5).ids]);
  const rec = await view.set({ position: 3, code: 9 });
  assert.deepEqual([...rec.tokens.ids], [...tokens.with(3, 9).ids]);
  assert.match(view.code, /^await seed\.decode\(t\.with\(3, 9\), \{ steps: 2, guidance: [\d.]+, seed: 0 \}\)$/);
  assert.throws(
    () => hub.change(view.id, { code: 16 }, "final", "frontend"),
    /code must be an integer from 0 to 15, got the number 16/,
  );
});

test("controls.chat re-generates with the sampling values; a custom view runs any computation", async () => {
  const chat = await seed.controls.chat("hello", { temperature: 1, seed: 1 }, { maxTokens: 4 });
  assert.equal(chat.code, 'await seed.chat("hello", { temperature: 1, topP: 0.9, topK: 0, seed: 1, maxTokens: 4 })');
  const again = await chat.set({ seed: 1 });
  const other = await seed.chat("hello", { temperature: 1, topP: 0.9, topK: 0, seed: 1, maxTokens: 4, live: false });
  assert.equal(again.text, other.text, "same values, same text");
  assert.equal(lastOf(chat.id).view?.mime, MIME.generation);

  const custom = await seed.controls.view({
    title: "prefix",
    controls: [{ name: "k", label: "k", kind: "int", min: 1, max: 4, step: 1 }],
    values: { k: 2 },
    code: (v) => `tokens.prefix(${v.k})`,
    run: async (v) => tokens.prefix(v.k!),
  });
  assert.equal(custom.result.length, 2);
  assert.equal((await custom.set({ k: 3 })).length, 3);
  assert.equal(lastOf(custom.id).view?.mime, MIME.tokens);
  assert.equal(lastOf(custom.id).code, "tokens.prefix(3)");
});
