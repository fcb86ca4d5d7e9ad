// The runtime on the REAL SEED shapes: a package exported by model/export_seed from reduced-depth stand-ins of the
// real checkpoints (EVA ViT-g width 1408 with 1 block, Q-Former width 768 with 2 layers, codebook 8192 x 32, a small
// unCLIP UNet with the real I/O: 4x96x96 latent, 1024-d image embedding, 768 px VAE; a 2-layer LLaMA with the 40,194
// vocabulary) against torch on the same inputs: SEED's preprocessing, ids exact, embeddings and LM logits <= 1e-4,
// a 3-step guided PNDM decode from the same noise, prefix decoding refused (no token_mask), the memory refusal.
// The package is built by tests/helpers/real-seed.ts (Python exporter, cached).

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isImageToken } from "../../../model/runtime/image-spans";
import { SeedError, SeedModel } from "../../../model/runtime/index";
import { decodeTensor, type RealSeedFixture, realSeedFixture } from "../../helpers/real-seed";

const fixture = realSeedFixture();
const skip = typeof fixture === "string" ? fixture : false;
const fx = (): RealSeedFixture => fixture as RealSeedFixture;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths differ");
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

describe("real SEED shapes (reduced depth) vs torch", { skip }, () => {
  let model: SeedModel;
  const cacheDir = mkdtempSync(join(tmpdir(), "seed-real-cache-"));
  before(async () => {
    model = await SeedModel.load(fx().packageDir, { executionProvider: "cpu", threads: 2, cacheDir });
  });
  after(() => model?.dispose());

  test("every size comes from the manifest: 224 px, 16x16 patches, 32 tokens of 8192 codes, no token mask", () => {
    const i = model.info;
    assert.deepEqual(
      [i.imageSize, i.patchGrid, i.numTokens, i.codebookSize, i.supportsTokenMask],
      [[224, 224], [16, 16], 32, 8192, false],
    );
    assert.deepEqual(model.manifest.components.encoder?.external_data, ["encoder.onnx.data"]);
    assert.equal(model.manifest.image.alpha, "drop");
  });

  test("preprocessing equals SEED's transform (PIL convert RGB, bicubic 224, CLIP normalisation)", async () => {
    const img = await model.loadImage(fx().imagePath);
    const d = maxDiff(img.pixels.data, decodeTensor(fx().reference.pixels).data);
    console.log(`  preprocessing max |TS - torch| = ${d.toExponential(2)}`);
    assert.ok(d <= 1e-5, `pixels differ by ${d}`);
  });

  test("visual tokenizer: ids exact, causal embeddings and attention maps within 1e-4", async () => {
    const ref = fx().reference;
    const img = await model.loadImage(fx().imagePath);
    const vt = await model.tokenize(img);
    assert.deepEqual(vt.ids[0], ref.ids);
    const de = maxDiff(vt.causalEmbeddings.data, decodeTensor(ref.causal_embeddings).data);
    const dm = maxDiff(vt.attentionMaps.data, decodeTensor(ref.attention_maps).data);
    console.log(`  causal embeddings ${de.toExponential(2)}, attention maps ${dm.toExponential(2)}`);
    assert.ok(de <= 1e-4 && dm <= 1e-4, `embeddings ${de}, maps ${dm}`);
    assert.deepEqual(vt.attentionMaps.dims, [1, 32, 256]);
  });

  test("detokenizer: the 1024-d generation embedding within 1e-4", async () => {
    const ref = fx().reference;
    const e = await model.detokenizer.embed(ref.ids);
    const d = maxDiff(e.data, decodeTensor(ref.generation_embedding).data);
    console.log(`  generation embedding ${d.toExponential(2)}`);
    assert.deepEqual(e.dims, [1, 1024]);
    assert.ok(d <= 1e-4, `${d}`);
  });

  test("decode: 3 guided PNDM steps from the fixture noise, then the 768 px VAE", async () => {
    const ref = fx().reference;
    const noise = decodeTensor(ref.decode.noise);
    const t0 = performance.now();
    const timesteps: number[] = [];
    const r = await model.decode(ref.ids, {
      steps: ref.decode.steps,
      guidanceScale: ref.decode.guidance_scale,
      noise,
      onStep: (s) => timesteps.push(s.timestep),
    });
    const ms = performance.now() - t0;
    // One step event per step asked for: PNDM's warm-up call (the reference's first model call) is part of step 1.
    assert.equal(timesteps.length, ref.decode.steps);
    assert.deepEqual(timesteps, ref.decode.timesteps.slice(-ref.decode.steps));
    const dl = maxDiff(r.latent.data, decodeTensor(ref.decode.latent).data);
    const refImg = decodeTensor(ref.decode.image).data;
    let worst = 0;
    for (let i = 0; i < 768 * 768; i++) {
      for (let c = 0; c < 3; c++) {
        const want = Math.round(Math.min(1, Math.max(0, ((refImg[c * 768 * 768 + i] ?? 0) + 1) / 2)) * 255);
        worst = Math.max(worst, Math.abs((r.image.data[i * 3 + c] ?? 0) - want));
      }
    }
    console.log(`  decode: latent ${dl.toExponential(2)}, image ${worst} levels, ${(ms / 1000).toFixed(1)} s`);
    assert.deepEqual([r.image.width, r.image.height], [768, 768]);
    assert.ok(dl <= 1e-3, `latent differs by ${dl}`);
    assert.ok(worst <= 1, `image differs by ${worst} levels`);
  });

  test("prefix decoding is refused: the package has no token_mask", async () => {
    await assert.rejects(
      model.decode(fx().reference.ids, { prefix: 4, steps: 2 }),
      (e: unknown) => e instanceof SeedError && e.code === "input" && /supports_token_mask/.test(e.message),
    );
  });

  test("language model: SEED-LLaMA's prompt ids, logits within 1e-4 (prefill and cached step), greedy ids", async () => {
    const lm = fx().reference.lm;
    const ids = await model.buildPrompt([
      { role: "user", content: [{ codes: fx().reference.ids }, "Describe the image."] },
    ]);
    assert.deepEqual(ids, lm.prompt_ids);
    const llm = model.languageModel;
    assert.ok(llm);
    const cache = llm.newCache();
    const l1 = await llm.forward(ids, cache);
    const l2 = await llm.forward([lm.next_id], cache);
    cache.dispose();
    const d1 = maxDiff(l1, decodeTensor(lm.prefill_logits).data);
    const d2 = maxDiff(l2, decodeTensor(lm.step_logits).data);
    console.log(`  LM logits: prefill ${d1.toExponential(2)}, cached step ${d2.toExponential(2)}`);
    assert.ok(d1 <= 1e-4 && d2 <= 1e-4, `prefill ${d1}, step ${d2}`);
    // torch's greedy ids are the model's own argmax (SEED-LLaMA's generate has no span rule); this reduced-depth
    // model with random weights writes image codes in text, which the runtime's default rule never lets through.
    const raw = await model.generate(ids, { temperature: 0, maxNewTokens: lm.greedy.length, constrainImages: false });
    assert.deepEqual(raw.ids, lm.greedy.slice(0, raw.ids.length));
    const tok = model.textTokenizer!;
    const isCode = (id: number) => isImageToken(id, tok);
    const kept = await model.generate(ids, { temperature: 0, maxNewTokens: lm.greedy.length });
    assert.ok(raw.ids.some(isCode), "the raw greedy ids hold codes outside a span");
    const inSpans = kept.images.reduce((n, span) => n + (span.codes?.length ?? 0), 0);
    assert.equal(kept.ids.filter(isCode).length, inSpans, `with the rule every code is inside a span: ${kept.ids}`);
    assert.equal(model.textTokenizer?.special.boi, 40192);
    assert.equal(model.textTokenizer?.imageTokenId(8191), 40191);
  });

  test("loading is refused, before any session, when the estimate exceeds the memory budget", async () => {
    await assert.rejects(
      SeedModel.load(fx().packageDir, { executionProvider: "cpu", cacheDir, memoryBudgetBytes: 50e6 }),
      (e: unknown) =>
        e instanceof SeedError &&
        e.code === "memory" &&
        /needs about .* GB of memory/.test(e.message) &&
        /latent_decoder/.test(e.message),
    );
  });
});
