// SeedModel in-process on the tiny package: tokenize (ids, embeddings, attention maps, batching), decode (same seed
// same image, injected noise, prefix decoding, previews, abort) and bad input that must leave the model usable.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { createRng, type LoadedImage, SeedError, SeedModel } from "../../../model/runtime/index";
import { randn } from "../../../model/runtime/rng";
import { copyPackage, editManifest, type JsonObject, loadOptions, TINY_PACKAGE } from "../../helpers/packages";

let model: SeedModel;
let red: LoadedImage;
let blue: LoadedImage;
const { cacheDir } = copyPackage();

async function solid(rgb: string): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width: 24, height: 24, channels: 3, background: rgb } })
      .png()
      .toBuffer(),
  );
}

before(async () => {
  model = await SeedModel.load(TINY_PACKAGE, loadOptions(cacheDir));
  red = await model.loadImage(await solid("#ff0000"));
  blue = await model.loadImage(await solid("#0000ff"));
});
after(() => model.dispose());

test("tokenize: N ids in range per image, embeddings and normalised attention maps, batch = singles", async () => {
  const { numTokens: N, codebookSize: K, patchGrid } = model.info;
  const both = await model.tokenize([red, blue]);
  assert.equal(both.ids.length, 2);
  for (const row of both.ids) {
    assert.equal(row.length, N);
    assert.ok(row.every((id) => Number.isInteger(id) && id >= 0 && id < K));
  }
  assert.deepEqual(both.causalEmbeddings.dims, [2, N, model.manifest.visual_tokenizer.embed_dim]);
  const G = patchGrid[0] * patchGrid[1];
  assert.deepEqual(both.attentionMaps.dims, [2, N, G]);
  for (let r = 0; r < 2 * N; r++) {
    const sum = both.attentionMaps.data.subarray(r * G, (r + 1) * G).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
  }
  const single = await model.tokenize(blue);
  assert.deepEqual(single.ids[0], both.ids[1]);
  assert.notDeepEqual(both.ids[0], both.ids[1]); // different images, different codes (for this package)
});

test("decode: same seed gives the same image, another seed another image, injected noise equals its seed", async () => {
  const codes = (await model.tokenize(red)).ids[0] ?? [];
  const a = await model.decode(codes, { steps: 4, seed: 7 });
  const b = await model.decode(codes, { steps: 4, seed: 7 });
  const c = await model.decode(codes, { steps: 4, seed: 8 });
  const [C, h, w] = model.manifest.image_decoder.latent_shape;
  assert.deepEqual([a.image.width, a.image.height], [...model.manifest.image_decoder.output_size].reverse());
  assert.deepEqual(a.image.data, b.image.data);
  assert.notDeepEqual(a.image.data, c.image.data);
  assert.deepEqual(a.latent.dims, [1, C, h, w]);
  const noise = { dims: [1, C, h, w], data: randn(createRng(7), C * h * w) };
  const d = await model.decode(codes, { steps: 4, seed: 123, noise });
  assert.deepEqual(d.image.data, a.image.data);
  assert.deepEqual(a.generationEmbedding.dims, [1, model.manifest.detokenizer.embedding_dim]);
});

test("decode: guidance and prefix change the result; onStep reports every step with previews every n", async () => {
  const codes = (await model.tokenize(blue)).ids[0] ?? [];
  const steps: number[] = [];
  const previews: number[] = [];
  const full = await model.decode(codes, {
    steps: 5,
    previewEvery: 2,
    onStep: (e) => {
      steps.push(e.step);
      assert.equal(e.totalSteps, 5);
      if (e.preview) previews.push(e.step);
    },
  });
  assert.deepEqual(steps, [0, 1, 2, 3, 4]);
  assert.deepEqual(previews, [0, 2, 4]);
  const noCfg = await model.decode(codes, { steps: 5, guidanceScale: 1 });
  assert.notDeepEqual(noCfg.image.data, full.image.data);
  const prefix = await model.decode(codes, { steps: 5, prefix: 1 });
  assert.notDeepEqual(prefix.generationEmbedding.data, full.generationEmbedding.data);
  const allPrefix = await model.decode(codes, { steps: 5, prefix: model.info.numTokens });
  assert.deepEqual(allPrefix.image.data, full.image.data);
});

test("decode: abort between steps rejects with code aborted and the model stays usable", async () => {
  const codes = (await model.tokenize(red)).ids[0] ?? [];
  const ctrl = new AbortController();
  let seen = 0;
  const err = await model
    .decode(codes, {
      steps: 50,
      signal: ctrl.signal,
      onStep: (e) => ((seen = e.step + 1), e.step === 2 && ctrl.abort()),
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(err instanceof SeedError && err.code === "aborted" && err.name === "AbortError", String(err));
  assert.equal(seen, 3);
  assert.equal((await model.decode(codes, { steps: 2 })).steps, 2);
});

test("bad input is refused with what was expected, and the model stays usable", async () => {
  const { numTokens: N, codebookSize: K } = model.info;
  const good = new Array<number>(N).fill(0);
  await assert.rejects(model.decode(good.slice(1)), new RegExp(`exactly ${N} codes, got ${N - 1}`));
  await assert.rejects(
    model.decode([...good.slice(1), K]),
    new RegExp(`integers in \\[0, ${K}\\); 1 are not: \\[${N - 1}\\]=${K}`),
  );
  await assert.rejects(model.decode([...good.slice(1), -1]), /are not: .*=-1/);
  await assert.rejects(model.decode(good, { steps: 0 }), /steps must be an integer in \[1, 1000\]/);
  await assert.rejects(model.decode(good, { prefix: 0 }), new RegExp(`prefix must be an integer in \\[1, ${N}\\]`));
  await assert.rejects(
    model.decode(good, { noise: { dims: [1, 1], data: new Float32Array(1) } }),
    /noise must be \[1, /,
  );
  await assert.rejects(model.tokenize([]), /at least one image/);
  await assert.rejects(
    model.tokenize({ ...red, pixels: { dims: [1, 3, 4, 4], data: new Float32Array(48) } }),
    /pixels are \[1, 3, 4, 4\], expected \[1, 3, 16, 16\]/,
  );
  await assert.rejects(model.loadImage(new Uint8Array(0)), /input is empty/);
  assert.equal((await model.decode(good, { steps: 1 })).steps, 1);
});

test("calls made together are queued and all complete in order", async () => {
  const codes = (await model.tokenize(red)).ids[0] ?? [];
  const order: string[] = [];
  const first = model.decode(codes, { steps: 3, onStep: () => order.push("a") }).then(() => order.push("a-done"));
  const second = model.decode(codes, { steps: 3, onStep: () => order.push("b") }).then(() => order.push("b-done"));
  await Promise.all([first, second]);
  assert.deepEqual(order, ["a", "a", "a", "a-done", "b", "b", "b", "b-done"]);
});

test("prefix decoding is refused on a package without token_mask support", async () => {
  const { dir, cacheDir: cache } = copyPackage();
  editManifest(dir, (m) => {
    (m.detokenizer as JsonObject).supports_token_mask = false;
  });
  const m = await SeedModel.load(dir, loadOptions(cache));
  try {
    assert.equal(m.info.supportsTokenMask, false);
    await assert.rejects(
      m.decode(new Array<number>(m.info.numTokens).fill(1), { prefix: 2 }),
      /needs detokenizer\.supports_token_mask/,
    );
    assert.equal((await m.decode(new Array<number>(m.info.numTokens).fill(1), { steps: 2 })).steps, 2); // full decoding still works
  } finally {
    await m.dispose();
  }
  await assert.rejects(m.decode([1, 2, 3, 4]), (e: unknown) => e instanceof SeedError && e.code === "disposed");
});
