// What the `seed` API does, through the real runtime on the tiny package: tokens are immutable values whose edits
// do what they say; decode is deterministic per seed and `live` updates ONE display ending in a final filmstrip;
// chat streams into one display and records top-k per token; conversations keep turns; every object renders.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Tokens } from "../../../kernel/api/seed";
import { MIME } from "../../../kernel/protocol/mime";
import type { FilmstripPayload, GenerationPayload, TokensPayload } from "../../../kernel/protocol/payloads";
import type { Harness } from "./harness";
import { harness } from "./harness";

let h: Harness;
let a: Tokens;
let b: Tokens;
before(async () => {
  h = await harness();
  a = await h.seed.tokenize("grad.png");
  b = await h.seed.tokenize("other.png");
});

test("images load from a relative path, a file: URL and bytes, and render as PNG", async () => {
  const byPath = await h.seed.image("grad.png");
  const byUrl = await h.seed.image(pathToFileURL(join(h.cwd, "grad.png")));
  const byBytes = await h.seed.image(readFileSync(join(h.cwd, "grad.png")), "mine");
  assert.deepEqual([byPath.width, byPath.height], [16, 16], "what the encoder sees (manifest size)");
  assert.equal(byPath.label, "grad.png");
  assert.equal(byBytes.label, "mine");
  assert.deepEqual(byUrl.png, byPath.png);
  assert.deepEqual(byBytes.png, byPath.png);
  const bundle = byPath.toMimeBundle();
  assert.ok(MIME.png in bundle && MIME.image in bundle && MIME.html in bundle);
  assert.equal(byPath.withLabel("x").label, "x");
  assert.equal(byPath.label, "grad.png", "withLabel returns a copy");
});

test("tokenize gives N ids in range with one attention row per token, deterministically", async () => {
  assert.equal(a.length, 4);
  assert.equal(a.numTokens, 4);
  assert.ok(a.ids.every((id) => Number.isInteger(id) && id >= 0 && id < 16));
  assert.equal(a.attention!.length, 4);
  for (const row of a.attention!) {
    assert.equal(row.length, 4, "2x2 patch grid");
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-4, "rows sum to 1");
  }
  assert.deepEqual(a.patchGrid, [2, 2]);
  assert.equal(a.source!.label, "grad.png");
  const again = await h.seed.tokenize(a.source!);
  assert.ok(again.equals(a));
  const payload = a.toMimeBundle()[MIME.tokens] as TokensPayload;
  assert.deepEqual(
    payload.chips.map((c) => c.id),
    [...a.ids],
  );
  assert.equal(payload.attention!.maps.length, 4);
});

test("tokens are immutable values; with, prefix, splice and mix do what they say", async () => {
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.ids));
  assert.throws(() => (a.ids as number[]).push(1));
  const changed = a.with(2, (a.at(2) + 1) % 16);
  assert.deepEqual(changed.diff(a), [2]);
  assert.equal(a.at(2), a.ids[2], "the original is unchanged");
  const p = a.prefix(2);
  assert.ok(p.isPrefix);
  assert.deepEqual(p.ids, a.ids.slice(0, 2));
  assert.equal(p.attention!.length, 2);
  const s = h.seed.splice(a, b, 1);
  assert.deepEqual(s.ids, [a.ids[0], ...b.ids.slice(1)]);
  assert.deepEqual(h.seed.splice(a, b, 0).ids, b.ids);
  assert.deepEqual(h.seed.splice(a, b, 4).ids, a.ids);
  const m = h.seed.mix(a, b, (i) => i % 2 === 1);
  assert.deepEqual(
    m.ids,
    a.ids.map((id, i) => (i % 2 === 1 ? b.ids[i] : id)),
  );
  assert.deepEqual(h.seed.mix(a, b, [true, false, false, false]).ids, [b.ids[0], ...a.ids.slice(1)]);
  const own = await h.seed.tokens([1, 2, 3, 4]);
  assert.deepEqual(own.ids, [1, 2, 3, 4]);
  assert.equal(own.source, undefined);
});

test("decode is deterministic per seed, and a different seed gives a different image", async () => {
  const r1 = await h.seed.decode(a, { steps: 3, seed: 7 });
  const r2 = await h.seed.decode(a, { steps: 3, seed: 7 });
  const r3 = await h.seed.decode(a, { steps: 3, seed: 8 });
  assert.deepEqual(r1.image.png, r2.image.png);
  assert.notDeepEqual(r1.image.png, r3.image.png);
  assert.equal(r1.steps, 3);
  assert.equal(r1.seed, 7);
  assert.equal(r1.original!.label, "grad.png");
  const bundle = r1.toMimeBundle();
  assert.ok(MIME.comparison in bundle && MIME.png in bundle, "original vs reconstruction");
  assert.equal(h.sink.shown.length, 0, "decode without live shows nothing by itself");
  const round = await h.seed.tokenize(r1);
  assert.equal(round.length, 4, "a reconstruction can be tokenized again");
  assert.deepEqual(round.source!.png, r1.image.png);
});

test("a prefix decodes (coarse-to-fine), by tokens.prefix(k) or the prefix option alike", async () => {
  const viaTokens = await h.seed.decode(a.prefix(2), { steps: 2 });
  const viaOption = await h.seed.decode(a, { steps: 2, prefix: 2 });
  assert.deepEqual(viaTokens.image.png, viaOption.image.png);
  assert.ok(viaOption.tokens.isPrefix);
  assert.equal(viaOption.image.label, "first 2 tokens");
});

test("live decode shows ONE display updated in place, ending with the final filmstrip", async () => {
  const before = h.sink.shown.length;
  const rec = await h.seed.decode(a, { steps: 5, live: true });
  const shown = h.sink.shown.slice(before);
  assert.equal(shown.filter((s) => s.kind === "display").length, 1);
  const id = shown[0]!.displayId;
  assert.ok(shown.length >= 2 && shown.every((s) => s.displayId === id));
  const last = shown.at(-1)!.bundle[MIME.filmstrip] as FilmstripPayload;
  assert.equal(last.done, true);
  assert.equal(last.frames.at(-1)!.step, 5);
  assert.equal(rec.frames.length, 5, "live keeps every step");
  const film = rec.filmstrip().toMimeBundle()[MIME.filmstrip] as FilmstripPayload;
  assert.equal(film.frames.length, 5);
});

test("an interrupt before or during a decode ends it with an AbortError and marks the live view", async () => {
  const c = h.nextExecution();
  c.abort();
  await assert.rejects(h.seed.tokenize("grad.png"), { name: "AbortError", message: "seed.tokenize was interrupted" });
  const c2 = h.nextExecution();
  const before = h.sink.shown.length;
  const original = h.sink.update.bind(h.sink);
  h.sink.update = (displayId, bundle) => {
    original(displayId, bundle);
    c2.abort(); // interrupt as soon as the first step is shown
  };
  try {
    await assert.rejects(h.seed.decode(a, { steps: 50, live: true }), {
      name: "AbortError",
      message: "seed.decode was interrupted",
    });
  } finally {
    h.sink.update = original;
  }
  const last = h.sink.shown.at(-1)!.bundle[MIME.filmstrip] as FilmstripPayload;
  assert.ok(h.sink.shown.length > before);
  assert.equal(last.stopped, "interrupted");
  assert.equal(last.done, true, "the view is final");
  assert.match(
    String(h.sink.shown.at(-1)!.bundle[MIME.plain]),
    /^<Filmstrip \d+ frames, interrupted: /,
    "its text says so too",
  );
  assert.ok(last.frames.length < 50, "stopped early");
  h.nextExecution();
  assert.ok((await h.seed.tokenize("grad.png")).equals(a), "usable after the interrupt");
});

test("chat streams into one live display, records top-k per token and is reproducible by seed", async () => {
  const before = h.sink.shown.length;
  const g = await h.seed.chat(["Describe", "grad.png"], { maxTokens: 12, seed: 3, topKReport: 3, temperature: 1 });
  const shown = h.sink.shown.slice(before);
  assert.equal(shown.filter((s) => s.kind === "display").length, 1);
  const final = shown.at(-1)!.bundle[MIME.generation] as GenerationPayload;
  assert.notEqual(final.status, "running");
  assert.equal(final.tokenCount, g.tokens.length);
  assert.ok(g.tokens.length >= 1 && g.tokens.length <= 12);
  for (const t of g.tokens) {
    assert.ok(t.candidates.length >= 1 && t.candidates.length <= 3);
    const probs = t.candidates.map((c) => c.prob);
    assert.deepEqual(
      probs,
      [...probs].sort((x, y) => y - x),
      "best first",
    );
    assert.ok(probs.reduce((s, p) => s + p, 0) <= 1 + 1e-6);
  }
  const again = await h.seed.chat(["Describe", "grad.png"], {
    maxTokens: 12,
    seed: 3,
    topKReport: 3,
    temperature: 1,
    live: false,
  });
  assert.deepEqual(
    again.tokens.map((t) => t.id),
    g.tokens.map((t) => t.id),
  );
  const chart = g.probabilities(0).toMimeBundle();
  assert.ok(MIME.probabilities in chart && MIME.html in chart);
  assert.throws(() => g.probabilities(g.tokens.length), /at must be in/);
});

test("generate continues a raw prompt with images spelled as image tokens, without the chat template", async () => {
  const g = await h.seed.generate(["A", a], { maxTokens: 3, live: false, seed: 1 });
  assert.ok(g.tokens.length >= 1 && g.tokens.length <= 3);
  const view = g.toMimeBundle()[MIME.generation] as GenerationPayload;
  assert.equal(view.prompt, "A<image>");
  const same = await h.seed.generate(["A", a], { maxTokens: 3, live: false, seed: 1 });
  assert.deepEqual(
    same.tokens.map((t) => t.id),
    g.tokens.map((t) => t.id),
  );
});

test("a conversation keeps user and assistant turns and renders its transcript", async () => {
  const conv = h.seed.conversation();
  // The tiny model's context is 64 byte-level tokens: keep the turns short.
  const first = await conv.say(["Hi", a], { maxTokens: 3, live: false });
  const second = await conv.say("Ok", { maxTokens: 3, live: false });
  assert.deepEqual(
    conv.turns.map((t) => t.role),
    ["user", "assistant", "user", "assistant"],
  );
  assert.equal(conv.turns[0]!.parts.length, 2);
  const bundle = conv.toMimeBundle();
  const html = bundle[MIME.html] as string;
  assert.ok(html.includes("Hi") && html.includes("Ok"));
  // The transcript counts the tokens generated for its answers (it said "0 tokens").
  const generated = first.tokens.length + second.tokens.length;
  assert.ok(generated > 0);
  assert.equal((bundle[MIME.generation] as { tokenCount: number }).tokenCount, generated);
  assert.ok(html.includes(`· ${generated} tokens`), html);
  conv.reset();
  assert.equal(conv.turns.length, 0);
  assert.equal((conv.toMimeBundle()[MIME.generation] as { tokenCount: number }).tokenCount, 0);
});

test("a conversation that outgrows the context stops sending its oldest rounds and keeps answering", async () => {
  // The tiny model's context is 64 byte-level tokens; each round below is ~20 of them (a system message stays).
  const conv = h.seed.conversation("Be brief.");
  for (let i = 0; i < 6; i++) await conv.say(`Round ${i} says hello`, { maxTokens: 3, live: false, temperature: 0 });
  assert.equal(conv.turns.length, 1 + 12, "every turn stays in the transcript");
  assert.ok(conv.forgotten >= 2 && conv.forgotten % 2 === 0, `whole rounds left out, got ${conv.forgotten}`);
  assert.ok(conv.forgotten <= 10, "the latest rounds are still sent");
  assert.match(conv.toMimeBundle()[MIME.html] as string, new RegExp(`first ${conv.forgotten} no longer fit`));
  // The same history as one seed.chat prompt does not fit: that path still says so instead of dropping anything.
  const long = Array.from({ length: 6 }, (_, i) => `Round ${i} says hello`).join(" ");
  await assert.rejects(h.seed.chat(long, { maxTokens: 3, live: false }), /context/);
  conv.reset();
  assert.equal(conv.turns.length, 1, "reset keeps the system message");
  assert.equal(conv.forgotten, 0);
});

test("info reports the package; display and compare render through the sink", async () => {
  const info = await h.seed.info();
  assert.equal(info.name, "tiny-seed");
  assert.equal(info.numTokens, 4);
  assert.equal(info.codebookSize, 16);
  assert.equal(info.executionProvider, "cpu");
  assert.ok(info.supportsPrefix && info.hasLanguageModel);
  const before = h.sink.shown.length;
  h.seed.display(a);
  assert.ok(MIME.tokens in h.sink.shown[before]!.bundle);
  h.seed.display("plain words");
  assert.deepEqual(h.sink.shown.at(-1)!.bundle, { [MIME.plain]: "plain words" });
  const img = await h.seed.image("grad.png");
  const rec = await h.seed.decode(a, { steps: 1 });
  const cmp = h.seed.compare([img, rec], "side by side").toMimeBundle();
  assert.ok(MIME.comparison in cmp);
  assert.match(cmp[MIME.html] as string, /side by side/);
});

test("without maxTokens a long prompt still gets an answer (the default is cut to the room left); an explicit value that does not fit is refused", async () => {
  // The tiny model's context is 64: an image (N + 2 tokens) plus ~20 text tokens leaves less room than any default.
  const long = ["Describe it", a] as const;
  const g = await h.seed.chat([...long], { live: false, seed: 2 });
  assert.ok(g.tokens.length >= 1, "some answer");
  await assert.rejects(
    h.seed.chat([...long], { maxTokens: 64, live: false }),
    /exceeds the context of 64; use maxNewTokens <= \d+/,
  );
});
