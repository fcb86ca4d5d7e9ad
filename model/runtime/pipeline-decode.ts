// The denoising loop, written out (diffusers __call__ style): codes -> generation embedding -> initial latent from the
// seed (or injected noise) -> for each timestep: classifier-free guidance batch [uncond zeros; cond] -> denoiser ->
// guidance -> scheduler step (DDIM or PNDM) -> callback with the predicted clean image -> final latent decode. Same seed, same image.
// SEED's unconditional embedding is all zeros.

import type { Denoiser } from "./denoiser";
import type { Detokenizer } from "./detokenizer";
import { SeedError, throwIfAborted } from "./errors";
import { tensorToRgb } from "./image-io";
import type { LatentDecoder } from "./latent-decoder";
import type { ImageDecoderSpec } from "./manifest-types";
import { createRng, randn } from "./rng";
import type { DiffusionScheduler } from "./scheduler";
import type { DecodeOptions, DecodeResult, FloatTensor, RgbImage } from "./types";

export interface DecodeParts {
  readonly detokenizer: Detokenizer;
  readonly denoiser: Denoiser;
  readonly latentDecoder: LatentDecoder;
  readonly scheduler: DiffusionScheduler;
  readonly spec: ImageDecoderSpec;
}

export async function decodeImage(
  parts: DecodeParts,
  codes: readonly number[],
  options: DecodeOptions = {},
): Promise<DecodeResult> {
  const { spec, scheduler } = parts;
  const steps = options.steps ?? spec.defaults.steps;
  const guidance = options.guidanceScale ?? spec.defaults.guidance_scale;
  const eta = options.eta ?? spec.defaults.eta;
  const seed = options.seed ?? 0;
  const every = options.previewEvery ?? 0;
  if (!(guidance >= 0) || !Number.isFinite(guidance))
    throw new SeedError("input", `guidanceScale must be a number >= 0, got ${guidance}`);
  if (!(eta >= 0 && eta <= 1)) throw new SeedError("input", `eta must be in [0, 1], got ${eta}`);
  if (!Number.isInteger(every) || every < 0)
    throw new SeedError("input", `previewEvery must be an integer >= 0, got ${every}`);
  if (!Number.isInteger(seed)) throw new SeedError("input", `seed must be an integer, got ${seed}`);
  const [C, h, w] = spec.latent_shape;
  const latentDims = [1, C, h, w];
  const size = C * h * w;
  if (options.noise && (options.noise.data.length !== size || options.noise.dims.join() !== latentDims.join())) {
    throw new SeedError("input", `noise must be [${latentDims.join(", ")}], got [${options.noise.dims.join(", ")}]`);
  }
  const timesteps = scheduler.setTimesteps(steps); // validates steps
  // Model calls beyond `steps` are warm-up calls (PNDM evaluates its first timestep twice: n + 1 calls for n steps);
  // they belong to the first step, so the step events count the n steps that were asked for.
  const warmUp = timesteps.length - steps;
  const signal = options.signal;
  throwIfAborted(signal, "decode");

  // 1. Codes -> generation embedding [1, E]; the unconditional one is zeros (CFG batch [uncond; cond] -> [2, E]).
  const cond = await parts.detokenizer.embed(codes, options.prefix);
  const E = cond.data.length;
  const useCfg = guidance > 1;
  const embBatch: FloatTensor = useCfg ? { dims: [2, E], data: concat(new Float32Array(E), cond.data) } : cond;

  // 2. Initial latent x_T ~ N(0, I) * init_noise_sigma [1, C, h, w], from the seed unless injected.
  const rng = createRng(seed);
  let latent = options.noise ? Float32Array.from(options.noise.data) : randn(rng, size);
  if (scheduler.initNoiseSigma !== 1) latent = latent.map((v) => v * scheduler.initNoiseSigma);

  // 3. The loop.
  for (let i = 0; i < timesteps.length; i++) {
    throwIfAborted(signal, "decode");
    const t = timesteps[i] ?? 0;
    const batch = useCfg ? 2 : 1;
    const sampleIn: FloatTensor = { dims: [batch, C, h, w], data: useCfg ? concat(latent, latent) : latent }; // [B, C, h, w]
    const tIn = new Float32Array(batch).fill(t); // [B]
    const out = await parts.denoiser.predict(sampleIn, tIn, embBatch); // [B, C, h, w]
    // guidance: out_u + g (out_c - out_u)
    let guided: Float32Array;
    if (useCfg) {
      guided = new Float32Array(size);
      for (let j = 0; j < size; j++) {
        const u = out.data[j] ?? 0;
        guided[j] = u + guidance * ((out.data[size + j] ?? 0) - u);
      }
    } else {
      guided = out.data.subarray(0, size);
    }
    const noise = eta > 0 ? randn(rng, size) : undefined;
    const { prevSample, predOriginalSample } = scheduler.step(guided, t, latent, eta, noise);
    latent = prevSample;
    if (options.onStep && i >= warmUp) {
      const step = i - warmUp;
      const last = i === timesteps.length - 1;
      const preview =
        every > 0 && (step % every === 0 || last) ? await decodeLatent(parts, predOriginalSample) : undefined;
      options.onStep({ step, totalSteps: steps, timestep: t, preview });
    }
  }
  throwIfAborted(signal, "decode");

  // 4. Final latent -> image.
  const image = await decodeLatent(parts, latent);
  return {
    image,
    generationEmbedding: cond,
    latent: { dims: latentDims, data: latent },
    steps,
    guidanceScale: guidance,
    seed,
  };
}

/** latent [1, C, h, w] -> RGB via latent_decoder(latent / scaling_factor), output in [-1, 1]. */
export async function decodeLatent(
  parts: Pick<DecodeParts, "latentDecoder" | "spec">,
  latent: Float32Array,
): Promise<RgbImage> {
  const [C, h, w] = parts.spec.latent_shape;
  const s = parts.spec.latent_scaling_factor;
  const scaled = s === 1 ? latent : latent.map((v) => v / s);
  const pixels = await parts.latentDecoder.decode({ dims: [1, C, h, w], data: scaled }); // [1, 3, H', W']
  return tensorToRgb(pixels, "minus1to1");
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
