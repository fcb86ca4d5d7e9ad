// A pure DDIM scheduler (Song et al. 2020, "Denoising Diffusion Implicit Models", eq. 12 and 16), configured from a
// diffusers scheduler_config.json. No sessions, no I/O: setTimesteps(n), then step(modelOutput, t, sample) for each t.
// Follows diffusers' DDIMScheduler field by field so a package exported from diffusers behaves the same.
// Notation: alpha_prod_t = ᾱ_t (alphas_cumprod), beta_prod_t = 1 - ᾱ_t.

import { SeedError } from "./errors";
import { JsonFields } from "./json-fields";
import type { DiffusionScheduler, SchedulerStepOutput } from "./scheduler";

export interface DdimConfig {
  readonly num_train_timesteps: number;
  readonly beta_start: number;
  readonly beta_end: number;
  readonly beta_schedule: "linear" | "scaled_linear" | "squaredcos_cap_v2";
  readonly trained_betas: readonly number[] | null;
  readonly prediction_type: "epsilon" | "v_prediction" | "sample";
  readonly timestep_spacing: "leading" | "trailing" | "linspace";
  readonly steps_offset: number;
  readonly set_alpha_to_one: boolean;
  readonly clip_sample: boolean;
  readonly clip_sample_range: number;
  /** diffusers' `step(..., use_clipped_model_output)`: re-derive ε from the clipped x_0 (default false, as there). */
  readonly use_clipped_model_output: boolean;
}

export const DDIM_DEFAULTS: DdimConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  trained_betas: null,
  prediction_type: "epsilon",
  timestep_spacing: "leading",
  steps_offset: 0,
  set_alpha_to_one: true,
  clip_sample: true,
  clip_sample_range: 1.0,
  use_clipped_model_output: false,
};

/** Reads a diffusers scheduler_config.json object; unknown keys (e.g. _class_name) are ignored, bad values named. */
export function parseDdimConfig(json: unknown, file = "scheduler_config.json"): DdimConfig {
  const f = JsonFields.root(json, file);
  const d = DDIM_DEFAULTS;
  if (f.optBoolean("thresholding", false))
    f.fail("thresholding", "false (dynamic thresholding is not supported)", true);
  if (f.optBoolean("rescale_betas_zero_snr", false))
    f.fail("rescale_betas_zero_snr", "false (zero-SNR rescaling is not supported)", true);
  return {
    num_train_timesteps: f.optNumber("num_train_timesteps", d.num_train_timesteps, { integer: true, min: 1 }),
    beta_start: f.optNumber("beta_start", d.beta_start, { min: 0, max: 1 }),
    beta_end: f.optNumber("beta_end", d.beta_end, { min: 0, max: 1 }),
    beta_schedule: (f.has("beta_schedule")
      ? f.string("beta_schedule", ["linear", "scaled_linear", "squaredcos_cap_v2"])
      : d.beta_schedule) as DdimConfig["beta_schedule"],
    trained_betas:
      f.has("trained_betas") && f.raw("trained_betas") !== null
        ? f.numbers("trained_betas", undefined, { min: 0, max: 1 })
        : null,
    prediction_type: (f.has("prediction_type")
      ? f.string("prediction_type", ["epsilon", "v_prediction", "sample"])
      : d.prediction_type) as DdimConfig["prediction_type"],
    timestep_spacing: (f.has("timestep_spacing")
      ? f.string("timestep_spacing", ["leading", "trailing", "linspace"])
      : d.timestep_spacing) as DdimConfig["timestep_spacing"],
    steps_offset: f.optNumber("steps_offset", d.steps_offset, { integer: true, min: 0 }),
    set_alpha_to_one: f.optBoolean("set_alpha_to_one", d.set_alpha_to_one),
    clip_sample: f.optBoolean("clip_sample", d.clip_sample),
    clip_sample_range: f.optNumber("clip_sample_range", d.clip_sample_range, { min: 0 }),
    use_clipped_model_output: f.optBoolean("use_clipped_model_output", d.use_clipped_model_output),
  };
}

export type DdimStepOutput = SchedulerStepOutput;

export class DdimScheduler implements DiffusionScheduler {
  readonly kind = "ddim";
  readonly initNoiseSigma = 1;
  readonly config: DdimConfig;
  readonly alphasCumprod: Float64Array; // [T]
  readonly finalAlphaCumprod: number;
  /** Filled by setTimesteps, descending. */
  timesteps: number[] = [];
  private numInferenceSteps = 0;

  constructor(config: Partial<DdimConfig> = {}) {
    this.config = { ...DDIM_DEFAULTS, ...config };
    const betas = makeBetas(this.config);
    this.alphasCumprod = new Float64Array(betas.length);
    let prod = 1;
    for (let i = 0; i < betas.length; i++) {
      prod *= 1 - (betas[i] ?? 0);
      this.alphasCumprod[i] = prod;
    }
    // ᾱ for the step after the last one: 1 (a clean sample) or ᾱ_0, per diffusers' set_alpha_to_one.
    this.finalAlphaCumprod = this.config.set_alpha_to_one ? 1 : (this.alphasCumprod[0] ?? 1);
  }

  /** The DDIM inference timesteps for n steps, per timestep_spacing (diffusers set_timesteps). */
  setTimesteps(n: number): number[] {
    const T = this.config.num_train_timesteps;
    if (!Number.isInteger(n) || n < 1 || n > T) {
      throw new SeedError("input", `steps must be an integer in [1, ${T}] (num_train_timesteps), got ${n}`);
    }
    const ts: number[] = [];
    if (this.config.timestep_spacing === "leading") {
      const ratio = Math.floor(T / n);
      for (let i = n - 1; i >= 0; i--) ts.push(i * ratio + this.config.steps_offset);
    } else if (this.config.timestep_spacing === "trailing") {
      const ratio = T / n;
      for (let i = 0; i < n; i++) ts.push(roundHalfEven(T - i * ratio) - 1); // np.arange(T, 0, -ratio)
    } else {
      for (let i = n - 1; i >= 0; i--) ts.push(roundHalfEven(n === 1 ? 0 : (i * (T - 1)) / (n - 1)));
    }
    const last = ts[0] ?? 0;
    if (last >= T) {
      // e.g. "leading" spacing with steps_offset 1 and n = T gives timestep T (diffusers fails later, less clearly).
      let maxSteps = n - 1;
      while (maxSteps > 1 && (maxSteps - 1) * Math.floor(T / maxSteps) + this.config.steps_offset >= T) maxSteps--;
      throw new SeedError(
        "input",
        `steps=${n} would start at timestep ${last}, outside [0, ${T}) with steps_offset=${this.config.steps_offset}; use at most ${maxSteps} steps`,
      );
    }
    this.numInferenceSteps = n;
    this.timesteps = ts;
    return ts;
  }

  /**
   * One DDIM step from x_t to x_{t-1}. `noise` (same length as sample) is required when eta > 0; the pipeline draws
   * it from its seeded RNG so runs are reproducible.
   */
  step(modelOutput: Float32Array, t: number, sample: Float32Array, eta = 0, noise?: Float32Array): DdimStepOutput {
    if (this.numInferenceSteps === 0) throw new SeedError("input", "DdimScheduler.step called before setTimesteps(n)");
    if (modelOutput.length !== sample.length) {
      throw new SeedError(
        "input",
        `DdimScheduler.step: modelOutput has ${modelOutput.length} values, sample has ${sample.length}; they must match`,
      );
    }
    if (eta > 0 && (!noise || noise.length !== sample.length)) {
      throw new SeedError("input", `DdimScheduler.step: eta=${eta} needs a noise array of ${sample.length} values`);
    }
    const cfg = this.config;
    // 1. previous timestep (= t - T/n)
    const prevT = t - Math.floor(cfg.num_train_timesteps / this.numInferenceSteps);
    // 2. ᾱ_t and ᾱ_{t-1}
    const aT = this.alphasCumprod[t];
    if (aT === undefined)
      throw new SeedError("input", `DdimScheduler.step: timestep ${t} is outside [0, ${cfg.num_train_timesteps})`);
    const aPrev = prevT >= 0 ? (this.alphasCumprod[prevT] ?? this.finalAlphaCumprod) : this.finalAlphaCumprod;
    const bT = 1 - aT;
    const sqrtA = Math.sqrt(aT);
    const sqrtB = Math.sqrt(bT);
    // 5. σ_t(η), formula (16)
    const variance = ((1 - aPrev) / bT) * (1 - aT / aPrev);
    const std = eta * Math.sqrt(variance);
    const dirCoef = Math.sqrt(Math.max(0, 1 - aPrev - std * std));
    const sqrtAPrev = Math.sqrt(aPrev);
    const r = cfg.clip_sample_range;

    const prev = new Float32Array(sample.length);
    const x0 = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const m = modelOutput[i] ?? 0;
      const x = sample[i] ?? 0;
      // 3. predicted x_0 and ε from the model output, formula (12)
      let predX0: number;
      let predEps: number;
      if (cfg.prediction_type === "epsilon") {
        predX0 = (x - sqrtB * m) / sqrtA;
        predEps = m;
      } else if (cfg.prediction_type === "sample") {
        predX0 = m;
        predEps = (x - sqrtA * predX0) / sqrtB;
      } else {
        predX0 = sqrtA * x - sqrtB * m;
        predEps = sqrtA * m + sqrtB * x;
      }
      // 4. clip x_0; ε is re-derived from the clipped x_0 only with use_clipped_model_output (diffusers' default:
      // the direction term keeps the model's own ε)
      if (cfg.clip_sample) predX0 = Math.min(r, Math.max(-r, predX0));
      if (cfg.use_clipped_model_output) predEps = (x - sqrtA * predX0) / sqrtB;
      // 6-7. direction pointing to x_t, then x_{t-1} = sqrt(ᾱ_{t-1}) x_0 + direction (+ σ z)
      let p = sqrtAPrev * predX0 + dirCoef * predEps;
      if (eta > 0 && noise) p += std * (noise[i] ?? 0);
      prev[i] = p;
      x0[i] = predX0;
    }
    return { prevSample: prev, predOriginalSample: x0 };
  }
}

/** numpy's round(): halves go to the even neighbour (0.5 -> 0, 1.5 -> 2), unlike Math.round. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Betas of a diffusers scheduler config (linear, scaled_linear, squaredcos_cap_v2 or trained_betas), float64. */
export function makeBetas(
  cfg: Pick<DdimConfig, "num_train_timesteps" | "beta_start" | "beta_end" | "beta_schedule" | "trained_betas">,
): Float64Array {
  const T = cfg.num_train_timesteps;
  if (cfg.trained_betas) {
    if (cfg.trained_betas.length !== T) {
      throw new SeedError(
        "manifest",
        `scheduler config: trained_betas has ${cfg.trained_betas.length} values, num_train_timesteps is ${T}`,
      );
    }
    return Float64Array.from(cfg.trained_betas);
  }
  const betas = new Float64Array(T);
  const lin = (a: number, b: number, i: number): number => (T === 1 ? a : a + ((b - a) * i) / (T - 1));
  for (let i = 0; i < T; i++) {
    if (cfg.beta_schedule === "linear") betas[i] = lin(cfg.beta_start, cfg.beta_end, i);
    else if (cfg.beta_schedule === "scaled_linear")
      betas[i] = lin(Math.sqrt(cfg.beta_start), Math.sqrt(cfg.beta_end), i) ** 2;
    else {
      // squaredcos_cap_v2: betas_for_alpha_bar with the cosine schedule (Nichol & Dhariwal 2021), capped at 0.999
      const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      betas[i] = Math.min(1 - alphaBar((i + 1) / T) / alphaBar(i / T), 0.999);
    }
  }
  return betas;
}
