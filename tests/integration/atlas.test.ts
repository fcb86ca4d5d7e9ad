// The codebook atlas of the shipped SEED-mini, built for real (its 512 reference images tokenized, every code decoded
// alone) into a fresh cache folder, then checked for content: every code's count sums to 32 x images, each code's top
// images really hold it at the positions named, the counts agree with tokenizing the reference images one by one, and
// a second kernel reads the same atlas from the cache. Prints the build time (model/FORMAT.md quotes it).

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { SHIPPED_ATLAS } from "../../kernel/api/atlas";
import { readPackageReferences } from "../../kernel/api/atlas-sheets";
import type { DisplayHandle, DisplaySink } from "../../kernel/api/context";
import { createSeedApi } from "../../kernel/api/create-seed-api";
import type { CodebookAtlas, SeedApi } from "../../kernel/api/seed";
import type { MimeBundle } from "../../kernel/protocol/mime";
import { MIME } from "../../kernel/protocol/mime";
import type { AtlasPayload } from "../../kernel/protocol/payloads";
import type { SeedRuntime } from "../../model/runtime/index";
import { SeedModel } from "../../model/runtime/index";
import { encodeRgbPng } from "../../model/runtime/png";
import { SEED_MINI } from "../helpers/packages";

const cacheDir = mkdtempSync(join(tmpdir(), "seed-atlas-mini-"));
process.env.SEED_ATLAS_CACHE = cacheDir;

class Sink implements DisplaySink {
  readonly shown: MimeBundle[] = [];
  display(bundle: MimeBundle): DisplayHandle {
    this.shown.push(bundle);
    return { displayId: "d", update: (b: MimeBundle) => this.shown.push(b) };
  }
  update(_id: string, bundle: MimeBundle): void {
    this.shown.push(bundle);
  }
}

let model: SeedRuntime;
const api = (sink: DisplaySink): SeedApi =>
  createSeedApi({ model: async () => model, display: sink, signal: () => new AbortController().signal, cwd: tmpdir() });
before(async () => {
  model = await SeedModel.load(SEED_MINI, { executionProvider: "cpu" });
});
after(async () => {
  await model.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

test("SEED-mini's atlas: counts, positions and top images agree with the reference images' tokens", async () => {
  const sink = new Sink();
  const atlas = (await api(sink).atlas({ rebuild: true })) as CodebookAtlas; // built here, not read from atlas.json
  console.log(
    `atlas built in ${(atlas.buildMs / 1000).toFixed(1)} s: ${atlas.referenceCount} images, ${atlas.byUsage().length} of ${atlas.codebookSize} codes used, decodes at ${atlas.decodeSteps} steps`,
  );
  assert.equal(atlas.fromCache, false);
  assert.equal(atlas.referenceCount, 512);
  assert.equal(atlas.counts.length, 1024);
  assert.equal(
    atlas.counts.reduce((a, b) => a + b, 0),
    32 * atlas.referenceCount,
  );
  // The atlas counted what tokenizing the package's reference images gives (a sample: first, middle, last).
  const refs = await readPackageReferences(SEED_MINI);
  assert.ok(refs);
  for (const i of [0, 255, 511]) {
    const tile = refs.tiles[i]!;
    const vt = await model.tokenize(await model.loadImage(encodeRgbPng(tile.width, tile.height, tile.data)));
    assert.deepEqual(vt.ids[0], atlas.referenceIds[i], `reference image ${i}`);
  }
  for (const code of atlas.byUsage()) {
    const e = await atlas.entry(code);
    assert.equal(e.count, atlas.counts[code]);
    assert.equal(
      e.positions.reduce((n, p) => n + p.count, 0),
      e.count,
      `code ${code}: its positions sum to its count`,
    );
    assert.ok(e.topImages.length > 0 && e.topImages.length <= e.imageCount);
    for (const t of e.topImages) {
      assert.ok(t.positions.length > 0);
      for (const p of t.positions) assert.equal(atlas.referenceIds[t.index]![p], code, `image ${t.index} #${p}`);
    }
    for (let j = 1; j < e.topImages.length; j++)
      assert.ok(e.topImages[j - 1]!.positions.length >= e.topImages[j]!.positions.length, "most occurrences first");
    assert.ok(e.decoded, `code ${code} has its one-token decode`);
  }
  const last = sink.shown[sink.shown.length - 1]!;
  const payload = last[MIME.atlas] as AtlasPayload;
  assert.equal(payload.entries.length, 1024);
  assert.equal(payload.references?.count, 512);
  assert.equal(payload.decodes?.count, 1024);

  const again = (await api(new Sink()).atlas()) as CodebookAtlas;
  assert.equal(again.fromCache, true, "a second kernel reads the cache");
  assert.deepEqual(again.counts, atlas.counts);
});

test("the atlas SEED-mini ships (atlas.json) is the one a build of this package gives, so seed.atlas() reads it", async () => {
  const built = JSON.parse(
    readFileSync(join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith(".json"))!), "utf8"),
  );
  const shipped = JSON.parse(readFileSync(join(SEED_MINI, SHIPPED_ATLAS), "utf8"));
  // A stale atlas.json (the package re-exported since) has another key: copy the fresh cache file over it.
  assert.equal(shipped.key, built.key, `model/seed-mini/${SHIPPED_ATLAS} is stale: rebuild it with \`npm run atlas\``);
  assert.deepEqual(shipped.ids, built.ids, "the shipped atlas counted the same tokens");
  rmSync(cacheDir, { recursive: true, force: true });
  const fresh = (await api(new Sink()).atlas()) as CodebookAtlas; // empty cache folder: only the package's file
  assert.equal(fresh.fromCache, true, "read from the package's atlas.json");
});
