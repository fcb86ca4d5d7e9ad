// The codebook atlas on the tiny package (4 tokens, 16 codes): the statistics are right by construction (counts sum
// to N x images, positions and top images agree with the ids), the atlas is cached on disk and read back by a new
// kernel, one entry renders, and bad calls say what was wrong.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { codebookStats, codesAtPosition, codesByUsage } from "../../../kernel/api/atlas-stats";
import type { CodebookAtlas } from "../../../kernel/api/seed";
import { MIME } from "../../../kernel/protocol/mime";
import type { AtlasPayload, TokensPayload } from "../../../kernel/protocol/payloads";
import type { Harness } from "./harness";
import { gradient, harness } from "./harness";

const cache = mkdtempSync(join(tmpdir(), "seed-atlas-cache-"));
process.env.SEED_ATLAS_CACHE = cache;

test("codebookStats counts codes, positions and top images", () => {
  const ids = [
    [1, 2, 1, 3],
    [1, 1, 1, 0],
    [3, 2, 0, 0],
  ];
  const s = codebookStats(ids, 5, 4, 2);
  assert.deepEqual(
    s.codes.map((c) => c.count),
    [3, 5, 2, 2, 0],
  );
  assert.equal(
    s.codes.reduce((n, c) => n + c.count, 0),
    12,
  );
  assert.deepEqual(s.codes[1]!.positions, [
    [0, 2],
    [2, 2],
    [1, 1],
  ]);
  assert.equal(s.codes[1]!.imageCount, 2);
  assert.deepEqual(s.codes[1]!.top, [
    { image: 1, positions: [0, 1, 2] },
    { image: 0, positions: [0, 2] },
  ]);
  assert.deepEqual(s.codes[4]!.top, []);
  assert.deepEqual(codesByUsage(s), [1, 0, 2, 3]);
  assert.deepEqual(codesAtPosition(s, 3), [
    { code: 0, count: 2 },
    { code: 3, count: 1 },
  ]);
  assert.throws(() => codebookStats([[0, 9, 0, 0]], 5, 4), /image 0, position 1: id 9 is outside 0\.\.4/);
  assert.throws(() => codebookStats([[0, 1]], 5, 4), /image 0 has 2 ids; expected 4/);
});

let h: Harness;
let names: string[];
before(async () => {
  h = await harness();
  names = [];
  for (let i = 0; i < 6; i++) {
    const name = `ref${i}.png`;
    writeFileSync(join(h.cwd, name), await gradient(16, 16, i * 37));
    names.push(name);
  }
});

test("seed.atlas over given references: counts sum to N x images, top images hold their code, one display", async () => {
  const shownBefore = h.sink.shown.length;
  const atlas = (await h.seed.atlas({ references: names, steps: 2 })) as CodebookAtlas;
  assert.equal(atlas.referenceCount, 6);
  assert.equal(atlas.fromCache, false);
  assert.equal(atlas.decodeSteps, 2);
  assert.equal(
    atlas.counts.reduce((a, b) => a + b, 0),
    4 * 6,
  );
  const direct = await Promise.all(names.map(async (n) => (await h.seed.tokenize(n)).ids));
  assert.deepEqual(atlas.referenceIds, direct, "the atlas counts the same ids seed.tokenize gives");
  for (const code of atlas.byUsage()) {
    const entry = await atlas.entry(code);
    assert.ok(entry.count > 0);
    for (const t of entry.topImages)
      for (const p of t.positions) assert.equal(direct[t.index]![p], code, `image ${t.index} holds ${code} at ${p}`);
    assert.ok(entry.decoded && entry.decoded.width > 0, "every code has its one-token decode");
  }
  // The build's progress and the result share one display, which ends as the atlas view.
  const mine = h.sink.shown.slice(shownBefore);
  assert.equal(new Set(mine.map((s) => s.displayId)).size, 1);
  const last = mine[mine.length - 1]!.bundle;
  const payload = last[MIME.atlas] as AtlasPayload;
  assert.equal(payload.entries.length, 16);
  assert.equal(payload.referenceCount, 6);
  assert.ok(payload.decodes && payload.references);
  assert.match(String(last[MIME.html]), new RegExp(`code ${atlas.byUsage()[0]} · used`));
  assert.equal(readdirSync(cache).filter((f) => f.endsWith(".json")).length, 1, "written to the cache folder");
});

test("a new kernel reads the atlas from the disk cache; seed.atlas(code) shows one entry", async () => {
  const other = await harness();
  for (const n of names) writeFileSync(join(other.cwd, n), await gradient(16, 16, names.indexOf(n) * 37));
  const atlas = (await other.seed.atlas({
    references: names.map((n) => join(other.cwd, n)),
    steps: 2,
  })) as CodebookAtlas;
  assert.equal(atlas.fromCache, true);
  const first = (await h.seed.atlas({ references: names, steps: 2 })) as CodebookAtlas;
  assert.deepEqual(atlas.counts, first.counts);
  const code = first.byUsage()[0]!;
  const entry = await h.seed.atlas(code, { references: names, steps: 2 });
  const bundle = entry.toMimeBundle();
  const payload = bundle[MIME.atlas] as AtlasPayload;
  assert.equal(payload.selected, code);
  assert.equal(payload.entries.length, 1);
  assert.equal(payload.entries[0]!.count, first.counts[code]);
  assert.match(String(bundle[MIME.plain]), new RegExp(`code ${code}: used ${first.counts[code]}x`));
});

test("once an atlas is built, every token strip of the session links its chips to their atlas entries", async () => {
  const fresh = await harness();
  writeFileSync(join(fresh.cwd, "ref0.png"), await gradient(16, 16, 0));
  const before = (await fresh.seed.tokenize("grad.png")).toMimeBundle()[MIME.tokens] as TokensPayload;
  assert.ok(
    before.chips.every((c) => c.atlas === undefined),
    "no atlas yet: plain chips",
  );
  const tokens = await fresh.seed.tokenize("grad.png"); // made before the atlas: it links once the atlas exists
  const atlas = (await fresh.seed.atlas({ references: names.map((n) => join(h.cwd, n)), steps: 2 })) as CodebookAtlas;
  const bundle = tokens.with(0, 3).toMimeBundle();
  const payload = bundle[MIME.tokens] as TokensPayload;
  assert.equal(payload.atlasReferences, 6);
  payload.chips.forEach((c) => {
    assert.equal(c.atlas?.count, atlas.counts[c.id], `chip #${c.index}`);
  });
  const used = payload.chips.find((c) => (c.atlas?.count ?? 0) > 0)!;
  assert.match(
    String(bundle[MIME.html]),
    new RegExp(
      `atlas: used ${used.atlas!.count}x in ${used.atlas!.imageCount} of 6 reference images, most at #${used.atlas!.at[0]}.* · seed\\.atlas\\(${used.id}\\)`,
    ),
  );
});

test("bad atlas calls say what was wrong", async () => {
  await assert.rejects(h.seed.atlas(16), /seed\.atlas: code must be an integer in 0\.\.15|code.*0\.\.15/);
  await assert.rejects(h.seed.atlas({ step: 2 } as never), /unknown option "step"; expected some of: references/);
  await assert.rejects(h.seed.atlas({ references: [] }), /references must be a non-empty array/);
  await assert.rejects(h.seed.atlas(), /has no reference images .*seed\.atlas\(\{ references/);
  // the session keeps working
  assert.equal((await h.seed.tokenize("grad.png")).length, 4);
});
