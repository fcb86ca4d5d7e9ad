// Checks an exported SEED-mini package with onnxruntime-node against its golden fixtures (Python side's own
// sanity check; the runtime's TypeScript parity tests are separate). Usage: node model/train/check_package.mjs [dir]
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import sharp from "sharp";

const dir = process.argv[2] ?? "model/seed-mini";
const manifest = JSON.parse(readFileSync(join(dir, "seed.json"), "utf8"));
const fx = (name) => JSON.parse(readFileSync(join(dir, "fixtures", name), "utf8"));
let failures = 0;
const check = (what, ok, detail) => {
  if (!ok) failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
};
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

for (const [file, { bytes, sha256 }] of Object.entries(manifest.files)) {
  const buf = readFileSync(join(dir, file));
  check(`file ${file}`, buf.length === bytes && createHash("sha256").update(buf).digest("hex") === sha256);
}
const opts = { executionProviders: ["cpu"], intraOpNumThreads: 1, graphOptimizationLevel: "all" };
const sessions = {};
for (const [key, comp] of Object.entries(manifest.components)) {
  if (!comp.file.endsWith(".onnx") || key === "language_model") continue;
  sessions[key] = await ort.InferenceSession.create(join(dir, comp.file), opts);
  const names = (xs) => xs.map((x) => x.name).join(",");
  check(
    `${key} io names`,
    names(comp.inputs) === sessions[key].inputNames.join(",") &&
      names(comp.outputs) === sessions[key].outputNames.join(","),
  );
}
const { mean, std } = manifest.image;
const tok = fx("tokenizer.json");
const tol = tok.tolerance;
let firstGen = null;
for (const item of tok.items) {
  const { data, info } = await sharp(join(dir, "fixtures", item.image))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const [h, w] = [info.height, info.width];
  const px = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < h * w; i++) px[c * h * w + i] = (data[i * 3 + c] / 255 - mean[c]) / std[c];
  check(
    `${item.image} pixel_values`,
    maxDiff(Array.from(px.slice(0, 8)), item.pixel_values_row0_ch0_first8) < tol.pixel_values,
  );
  const enc = await sessions.encoder.run({ pixel_values: new ort.Tensor("float32", px, [1, 3, h, w]) });
  const ce = enc.causal_embeddings.data,
    d = enc.causal_embeddings.dims[2];
  check(
    `${item.image} causal_embeddings`,
    maxDiff(Array.from(ce.slice(0, 8)), item.causal_embeddings_token0_first8) < tol.causal_embeddings &&
      maxDiff(Array.from(ce.slice(31 * d, 31 * d + 8)), item.causal_embeddings_token31_first8) < tol.causal_embeddings,
    `max diff ${maxDiff(Array.from(ce.slice(0, 8)), item.causal_embeddings_token0_first8).toExponential(2)}`,
  );
  check(
    `${item.image} attention_maps`,
    maxDiff(Array.from(enc.attention_maps.data.slice(0, 8)), item.attention_maps_query0_first8) < tol.attention_maps,
  );
  const q = await sessions.quantizer.run({ causal_embeddings: enc.causal_embeddings });
  const ids = Array.from(q.ids.data, Number);
  const same = ids.filter((v, i) => v === item.ids[i]).length;
  check(`${item.image} ids`, same === ids.length, `${same}/${ids.length} equal`);
  const idsT = new ort.Tensor("int64", BigInt64Array.from(item.ids.map(BigInt)), [1, item.ids.length]);
  for (const [k, key] of [
    [32, "generation_embedding_first16"],
    [item.prefix_k, "generation_embedding_prefix_first16"],
  ]) {
    const mask = new Float32Array(32).map((_, i) => (i < k ? 1 : 0));
    const g = await sessions.detokenizer.run({ ids: idsT, token_mask: new ort.Tensor("float32", mask, [1, 32]) });
    if (k === 32 && firstGen === null) firstGen = g.generation_embedding.data;
    check(
      `${item.image} ${key}`,
      maxDiff(Array.from(g.generation_embedding.data.slice(0, 16)), item[key]) < tol.generation_embedding,
    );
  }
}
// decoder: DDIM (v-prediction, leading spacing, set_alpha_to_one) with CFG, written out as the runtime will
const dec = fx("decoder.json"),
  sch = fx("scheduler.json");
const T = sch.config.num_train_timesteps;
const bar = (t) => Math.cos((((t + 0.008) / 1.008) * Math.PI) / 2) ** 2;
const ac = [];
let prod = 1;
for (let i = 0; i < T; i++) {
  prod *= 1 - Math.min(1 - bar((i + 1) / T) / bar(i / T), 0.999);
  ac.push(prod);
}
check(
  "alphas_cumprod",
  Object.entries(sch.alphas_cumprod).every(([k, v]) => Math.abs(ac[+k] - v) < 1e-9),
);
const ratio = Math.floor(T / dec.steps);
const timesteps = Array.from({ length: dec.steps }, (_, i) => (dec.steps - 1 - i) * ratio);
check("timesteps", timesteps.join() === sch.timesteps[String(dec.steps)].join());
const n = dec.noise.length,
  E = firstGen.length;
let x = Float32Array.from(dec.noise);
const shape = dec.noise_shape;
for (const [i, t] of timesteps.entries()) {
  const s2 = new Float32Array(2 * n);
  s2.set(x);
  s2.set(x, n);
  const e2 = new Float32Array(2 * E);
  e2.set(firstGen, E);
  const out = (
    await sessions.denoiser.run({
      sample: new ort.Tensor("float32", s2, [2, ...shape.slice(1)]),
      timestep: new ort.Tensor("float32", Float32Array.from([t, t]), [2]),
      generation_embedding: new ort.Tensor("float32", e2, [2, E]),
    })
  ).out_sample.data;
  const at = ac[t],
    ap = t - ratio >= 0 ? ac[t - ratio] : 1.0;
  const nx = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const v = out[j] + dec.guidance_scale * (out[n + j] - out[j]);
    const x0 = Math.sqrt(at) * x[j] - Math.sqrt(1 - at) * v,
      eps = Math.sqrt(at) * v + Math.sqrt(1 - at) * x[j];
    nx[j] = Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * eps;
  }
  x = nx;
  const diff = maxDiff(Array.from(x.slice(0, 8)), dec.per_step[i].first8);
  if (i === timesteps.length - 1 || diff >= dec.tolerance.latent)
    check(`ddim step ${i} (t=${t})`, diff < dec.tolerance.latent, `max diff ${diff.toExponential(2)}`);
}
const lat = x.map((v) => v / dec.latent_scaling_factor);
const img = (await sessions.latent_decoder.run({ latent_sample: new ort.Tensor("float32", lat, shape) })).sample;
const [H, W] = img.dims.slice(2);
const corner = [];
for (let c = 0; c < 3; c++)
  for (let y = 0; y < 4; y++) for (let xx = 0; xx < 4; xx++) corner.push(img.data[c * H * W + y * W + xx]);
check(
  "decoded sample corner",
  maxDiff(corner, dec.sample_corner_4x4.flat(2)) < dec.tolerance.sample,
  `max diff ${maxDiff(corner, dec.sample_corner_4x4.flat(2)).toExponential(2)}`,
);
console.log(failures ? `${failures} check(s) failed` : "all checks passed");
process.exit(failures ? 1 : 0);
