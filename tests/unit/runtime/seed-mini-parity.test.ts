// Golden parity against the Python reference on the shipped SEED-mini package (model/seed-mini/fixtures, written by
// model/train/fixtures.py from the same weights): preprocessing, encoder, quantizer ids (exact), detokenizer (full and
// prefix), the DDIM scheduler, the full guided decode from the fixture's noise, the text tokenizer (ids exact,
// decode), LM logits with and without the cache, and greedy generation (ids exact). Tolerances are the fixtures'.
// This is the project's one fixture checker: a freshly exported package is checked the same way with
// SEED_FIXTURE_PACKAGE=DIR npx tsx --test tests/unit/runtime/seed-mini-parity.test.ts (DIR holds seed.json and
// fixtures/; loading it also checks every file's size and sha256 against seed.json).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { type ChatTurn, SeedModel } from "../../../model/runtime/index";
import { DdimScheduler, parseDdimConfig } from "../../../model/runtime/scheduler-ddim";
import { copyPackage, loadOptions, SEED_MINI } from "../../helpers/packages";
import { assertTensorClose, tensorOf } from "../../helpers/tensor-compare";

const PACKAGE = process.env.SEED_FIXTURE_PACKAGE ? resolve(process.env.SEED_FIXTURE_PACKAGE) : SEED_MINI;
const FIX = join(PACKAGE, "fixtures");
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIX, name), "utf8")) as T;
const f32 = (xs: readonly number[]): Float32Array => Float32Array.from(xs);
const close = (a: ArrayLike<number>, e: readonly number[], atol: number, label: string): void =>
  assertTensorClose(
    tensorOf(Float32Array.from(a as ArrayLike<number>), [a.length]),
    tensorOf(f32(e), [e.length]),
    { atol, rtol: 0 },
    label,
  );

let model: SeedModel;
const { cacheDir } = copyPackage(join(__dirname, "..", "..", "helpers", "tiny-seed")); // only for its private cache folder
before(async () => {
  model = await SeedModel.load(PACKAGE, loadOptions(cacheDir));
});
after(() => model.dispose());

interface SchedFix {
  config: unknown;
  timesteps: Record<string, number[]>;
  alphas_cumprod: Record<string, number>;
  step: {
    num_inference_steps: number;
    timestep: number;
    sample: number[];
    model_output: number[];
    prev_sample: number[];
    pred_original_sample: number[];
  };
  tolerance: number;
}

test("scheduler: timesteps, alphas_cumprod and one step equal diffusers'", () => {
  const fx = fixture<SchedFix>("scheduler.json");
  const s = new DdimScheduler(parseDdimConfig(fx.config));
  for (const [n, ts] of Object.entries(fx.timesteps)) assert.deepEqual(s.setTimesteps(Number(n)), ts, `${n} steps`);
  for (const [t, a] of Object.entries(fx.alphas_cumprod))
    assert.ok(
      Math.abs((s.alphasCumprod[Number(t)] ?? NaN) - a) <= fx.tolerance * Math.max(1, a),
      `alphas_cumprod[${t}]`,
    );
  s.setTimesteps(fx.step.num_inference_steps);
  const out = s.step(f32(fx.step.model_output), fx.step.timestep, f32(fx.step.sample));
  close(out.prevSample, fx.step.prev_sample, fx.tolerance, "prev_sample");
  close(out.predOriginalSample, fx.step.pred_original_sample, fx.tolerance, "pred_original_sample");
});

interface TokItem {
  image: string;
  pixel_values_row0_ch0_first8: number[];
  pixel_values_sum: number;
  causal_embeddings_token0_first8: number[];
  causal_embeddings_token31_first8: number[];
  causal_embeddings_mean_abs: number;
  attention_maps_query0_first8: number[];
  attention_maps_query31_argmax: number;
  ids: number[];
  generation_embedding_first16: number[];
  generation_embedding_norm: number;
  prefix_k: number;
  generation_embedding_prefix_first16: number[];
}
interface TokFix {
  tolerance: { pixel_values: number; causal_embeddings: number; attention_maps: number; generation_embedding: number };
  items: TokItem[];
}

test("visual tokenizer: pixels, embeddings, attention maps, ids (exact) and generation embeddings", async () => {
  const fx = fixture<TokFix>("tokenizer.json");
  const tol = fx.tolerance;
  const images = await Promise.all(fx.items.map((it) => model.loadImage(join(FIX, it.image))));
  const tok = await model.tokenize(images); // one batch of all items
  const [, N, D] = tok.causalEmbeddings.dims as [number, number, number];
  const G = tok.attentionMaps.dims[2] ?? 0;
  for (const [b, it] of fx.items.entries()) {
    const px = images[b]!.pixels.data;
    close(px.subarray(0, 8), it.pixel_values_row0_ch0_first8, tol.pixel_values, `${it.image} pixel_values`);
    assert.ok(Math.abs(px.reduce((a, v) => a + v, 0) - it.pixel_values_sum) < 0.05, `${it.image} pixel sum`);
    const emb = tok.causalEmbeddings.data.subarray(b * N * D, (b + 1) * N * D);
    close(emb.subarray(0, 8), it.causal_embeddings_token0_first8, tol.causal_embeddings, `${it.image} token 0`);
    close(
      emb.subarray(31 * D, 31 * D + 8),
      it.causal_embeddings_token31_first8,
      tol.causal_embeddings,
      `${it.image} token 31`,
    );
    assert.ok(
      Math.abs(emb.reduce((a, v) => a + Math.abs(v), 0) / emb.length - it.causal_embeddings_mean_abs) <
        tol.causal_embeddings,
    );
    const maps = tok.attentionMaps.data.subarray(b * N * G, (b + 1) * N * G);
    close(maps.subarray(0, 8), it.attention_maps_query0_first8, tol.attention_maps, `${it.image} attention query 0`);
    const q31 = Array.from(maps.subarray(31 * G, 32 * G));
    assert.equal(q31.indexOf(Math.max(...q31)), it.attention_maps_query31_argmax);
    assert.deepEqual(tok.ids[b], it.ids, `${it.image} ids`);
    const gen = await model.detokenizer.embed(it.ids);
    close(
      gen.data.subarray(0, 16),
      it.generation_embedding_first16,
      tol.generation_embedding,
      `${it.image} generation embedding`,
    );
    assert.ok(Math.abs(Math.hypot(...gen.data) - it.generation_embedding_norm) < tol.generation_embedding);
    const pre = await model.detokenizer.embed(it.ids, it.prefix_k);
    close(
      pre.data.subarray(0, 16),
      it.generation_embedding_prefix_first16,
      tol.generation_embedding,
      `${it.image} prefix ${it.prefix_k}`,
    );
  }
});

interface DecFix {
  ids: number[];
  steps: number;
  guidance_scale: number;
  eta: number;
  noise_shape: number[];
  noise: number[];
  latent_scaling_factor: number;
  tolerance: { latent: number; sample: number; uint8: number };
  per_step: { index: number; timestep: number }[];
  final_latent_first16: number[];
  sample_corner_4x4: number[][][];
  uint8_corner_8x8_rgb: number[][][];
  uint8_mean: number;
}

test("decoder: the guided DDIM loop from the fixture's noise gives the reference latent and image", async () => {
  const fx = fixture<DecFix>("decoder.json");
  const timesteps: number[] = [];
  const r = await model.decode(fx.ids, {
    steps: fx.steps,
    guidanceScale: fx.guidance_scale,
    eta: fx.eta,
    noise: { dims: fx.noise_shape, data: f32(fx.noise) },
    onStep: (e) => timesteps.push(e.timestep),
  });
  assert.deepEqual(
    timesteps,
    fx.per_step.map((s) => s.timestep),
  );
  close(r.latent.data.subarray(0, 16), fx.final_latent_first16, fx.tolerance.latent, "final latent");
  // diffusers' vae.decode(latents / scaling_factor): the fixture records the factor the package was exported with.
  assert.equal(model.manifest.image_decoder.latent_scaling_factor, fx.latent_scaling_factor);
  const scaled = new Float32Array(r.latent.data.length);
  for (let i = 0; i < scaled.length; i++) scaled[i] = (r.latent.data[i] ?? 0) / fx.latent_scaling_factor;
  const sample = await model.latentDecoder.decode({ ...r.latent, data: scaled });
  const [, , H, W] = sample.dims as [number, number, number, number];
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 4; y++)
      close(
        sample.data.subarray(c * H * W + y * W, c * H * W + y * W + 4),
        fx.sample_corner_4x4[c]![y]!,
        fx.tolerance.sample,
        `sample c${c} y${y}`,
      );
  }
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const i = (y * r.image.width + x) * 3;
      const want = fx.uint8_corner_8x8_rgb[y]![x]!;
      for (let c = 0; c < 3; c++)
        assert.ok(Math.abs((r.image.data[i + c] ?? -99) - want[c]!) <= fx.tolerance.uint8, `pixel (${x},${y}) c${c}`);
    }
  }
  const mean = r.image.data.reduce((a, v) => a + v, 0) / r.image.data.length;
  assert.ok(Math.abs(mean - fx.uint8_mean) < 1, `uint8 mean ${mean} vs ${fx.uint8_mean}`);
});

interface LmTokFix {
  cases: { text: string; ids: number[]; ids_no_bos: number[]; decoded: string }[];
}

test("text tokenizer: ids equal the Python reference on every case, and decode matches", async () => {
  const fx = fixture<LmTokFix>("lm_tokenizer.json");
  for (const c of fx.cases) {
    assert.deepEqual(await model.encodeText(c.text), c.ids, `encode ${JSON.stringify(c.text)}`);
    assert.deepEqual(
      await model.encodeText(c.text, { bos: false }),
      c.ids_no_bos,
      `encode without BOS ${JSON.stringify(c.text)}`,
    );
    assert.equal(await model.decodeText(c.ids_no_bos), c.decoded, `decode ${JSON.stringify(c.text)}`);
  }
});

interface LogitsFix {
  tolerance: number;
  prompt_ids: number[];
  prefill_last_logits: number[];
  decode_token: number;
  decode_logits: number[];
}

test("language model: prefill logits and cached decode logits equal the reference", async () => {
  const fx = fixture<LogitsFix>("lm_logits.json");
  const lm = model.languageModel!;
  const cache = lm.newCache();
  try {
    close(await lm.forward(fx.prompt_ids, cache), fx.prefill_last_logits, fx.tolerance, "prefill logits");
    close(await lm.forward([fx.decode_token], cache), fx.decode_logits, fx.tolerance, "decode logits");
    assert.equal(cache.length, fx.prompt_ids.length + 1);
  } finally {
    cache.dispose();
  }
});

interface GreedyFix {
  max_new_tokens: number;
  stop_ids: number[];
  cases: {
    name: string;
    messages: {
      role: "user" | "assistant";
      content: ({ type: "text"; text: string } | { type: "image"; codes: number[] })[];
    }[];
    prompt: string;
    prompt_ids: number[];
    greedy_ids: number[];
    greedy_text: string;
    stopped: boolean;
    image_codes: (number[] | null)[];
  }[];
}

test("chat template + greedy generation: prompt ids and generated ids equal the reference", async () => {
  const fx = fixture<GreedyFix>("lm_greedy.json");
  for (const c of fx.cases) {
    const turns: ChatTurn[] = c.messages.map((m) => ({
      role: m.role,
      content: m.content.map((p) => (p.type === "text" ? p.text : { codes: p.codes })),
    }));
    const promptIds = await model.buildPrompt(turns);
    assert.deepEqual(promptIds, c.prompt_ids, `${c.name}: prompt ids`);
    assert.equal(await model.decodeText(promptIds), c.prompt, `${c.name}: prompt text`);
    const g = await model.generate(promptIds, {
      temperature: 0,
      maxNewTokens: fx.max_new_tokens,
      stopIds: fx.stop_ids,
    });
    const expected = c.stopped ? c.greedy_ids.slice(0, -1) : c.greedy_ids; // the reference keeps the stop id
    assert.deepEqual(g.ids, expected, `${c.name}: greedy ids`);
    assert.equal(g.stopReason, c.stopped ? "stop" : "max_tokens");
    assert.deepEqual(
      g.images.filter((s) => s.valid).map((s) => s.codes),
      c.image_codes.filter((x) => x !== null),
      `${c.name}: image spans`,
    );
  }
});
