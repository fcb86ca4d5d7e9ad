// A pure PNDM scheduler (Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models on Manifolds") with PLMS
// steps only (diffusers' skip_prk_steps=True, what Stable Diffusion configs use), configured from a diffusers
// scheduler_config.json and following diffusers' PNDMScheduler line by line: the first timestep is run twice (an
// Euler step, then its average with the next output), then the linear multistep formulas of orders 2, 3 and 4 over
// the stored model outputs; formula (9) of the paper moves the sample. For v-prediction the combined output is turned
// into epsilon with the current sample, as diffusers does.

import { SeedError } from "./errors";
import { JsonFields } from "./json-fields";
import type { DiffusionScheduler, SchedulerStepOutput } from "./scheduler";
import { makeBetas, roundHalfEven } from "./scheduler-ddim";

export interface PndmConfig {
  readonly num_train_timesteps: number;
  readonly beta_start: number;
  readonly beta_end: number;
  readonly beta_schedule: "linear" | "scaled_linear" | "squaredcos_cap_v2";
  readonly trained_betas: readonly number[] | null;
  readonly prediction_type: "epsilon" | "v_prediction";
  readonly timestep_spacing: "leading" | "trailing" | "linspace";
  readonly steps_offset: number;
  readonly set_alpha_to_one: boolean;
}

export function parsePndmConfig(json: unknown, file = "scheduler_config.json"): PndmConfig {
  const f = JsonFields.root(json, file);
  if (!f.optBoolean("skip_prk_steps", false)) {
    f.fail(
      "skip_prk_steps",
      "true (only PLMS steps are implemented, as Stable Diffusion's configs use)",
      f.raw("skip_prk_steps") ?? false,
    );
  }
  return {
    num_train_timesteps: f.optNumber("num_train_timesteps", 1000, { integer: true, min: 1 }),
    beta_start: f.optNumber("beta_start", 0.0001, { min: 0, max: 1 }),
    beta_end: f.optNumber("beta_end", 0.02, { min: 0, max: 1 }),
    beta_schedule: (f.has("beta_schedule")
      ? f.string("beta_schedule", ["linear", "scaled_linear", "squaredcos_cap_v2"])
      : "linear") as PndmConfig["beta_schedule"],
    trained_betas:
      f.has("trained_betas") && f.raw("trained_betas") !== null
        ? f.numbers("trained_betas", undefined, { min: 0, max: 1 })
        : null,
    prediction_type: (f.has("prediction_type")
      ? f.string("prediction_type", ["epsilon", "v_prediction"])
      : "epsilon") as PndmConfig["prediction_type"],
    timestep_spacing: (f.has("timestep_spacing")
      ? f.string("timestep_spacing", ["leading", "trailing", "linspace"])
      : "leading") as PndmConfig["timestep_spacing"],
    steps_offset: f.optNumber("steps_offset", 0, { integer: true, min: 0 }),
    set_alpha_to_one: f.optBoolean("set_alpha_to_one", false),
  };
}

export class PndmScheduler implements DiffusionScheduler {
  readonly kind = "pndm";
  readonly initNoiseSigma = 1;
  readonly config: PndmConfig;
  readonly alphasCumprod: Float64Array;
  readonly finalAlphaCumprod: number;
  timesteps: number[] = [];
  private numInferenceSteps = 0;
  private counter = 0;
  private ets: Float32Array[] = [];
  private curSample: Float32Array | undefined;

  constructor(config: PndmConfig) {
    this.config = config;
    const betas = makeBetas(config);
    if (betas.length !== config.num_train_timesteps) {
      throw new SeedError(
        "manifest",
        `scheduler config: trained_betas has ${betas.length} values, num_train_timesteps is ${config.num_train_timesteps}`,
      );
    }
    this.alphasCumprod = new Float64Array(betas.length);
    let prod = 1;
    for (let i = 0; i < betas.length; i++) {
      prod *= 1 - (betas[i] ?? 0);
      this.alphasCumprod[i] = prod;
    }
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : (this.alphasCumprod[0] ?? 1);
  }

  /** diffusers set_timesteps with skip_prk_steps: the spaced timesteps descending, the second one repeated (n + 1). */
  setTimesteps(n: number): number[] {
    const T = this.config.num_train_timesteps;
    if (!Number.isInteger(n) || n < 2 || n > T)
      throw new SeedError("input", `steps must be an integer in [2, ${T}] for PNDM, got ${n}`);
    const asc: number[] = [];
    if (this.config.timestep_spacing === "leading") {
      const ratio = Math.floor(T / n);
      for (let i = 0; i < n; i++) asc.push(i * ratio + this.config.steps_offset);
    } else if (this.config.timestep_spacing === "trailing") {
      const ratio = T / n;
      for (let i = n - 1; i >= 0; i--) asc.push(roundHalfEven(T - i * ratio) - 1);
    } else {
      for (let i = 0; i < n; i++) asc.push(roundHalfEven((i * (T - 1)) / (n - 1)));
    }
    if ((asc[n - 1] ?? 0) >= T) {
      throw new SeedError(
        "input",
        `steps=${n} would start at timestep ${asc[n - 1]}, outside [0, ${T}) with steps_offset=${this.config.steps_offset}`,
      );
    }
    // concat(_t[:-1], _t[-2:-1], _t[-1:]) reversed
    const plms = [...asc.slice(0, -1), asc[n - 2] ?? 0, asc[n - 1] ?? 0].reverse();
    this.numInferenceSteps = n;
    this.timesteps = plms;
    this.counter = 0;
    this.ets = [];
    this.curSample = undefined;
    return plms;
  }

  step(
    modelOutput: Float32Array,
    t: number,
    sample: Float32Array,
    eta = 0,
    _noise?: Float32Array,
  ): SchedulerStepOutput {
    if (this.numInferenceSteps === 0) throw new SeedError("input", "PndmScheduler.step called before setTimesteps(n)");
    if (eta !== 0)
      throw new SeedError(
        "input",
        `eta=${eta}: eta is DDIM's stochastic term; this package's scheduler is PNDM (deterministic), use eta 0`,
      );
    if (modelOutput.length !== sample.length) {
      throw new SeedError(
        "input",
        `PndmScheduler.step: modelOutput has ${modelOutput.length} values, sample has ${sample.length}; they must match`,
      );
    }
    const ratio = Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    let timestep = t;
    let prevT = t - ratio;
    if (this.counter !== 1) {
      this.ets = this.ets.slice(-3);
      this.ets.push(modelOutput);
    } else {
      prevT = t;
      timestep = t + ratio;
    }
    const e = this.ets;
    const n = modelOutput.length;
    let combined: Float32Array;
    let x = sample;
    if (e.length === 1 && this.counter === 0) {
      combined = modelOutput;
      this.curSample = sample;
    } else if (e.length === 1 && this.counter === 1) {
      const e1 = e[0] as Float32Array;
      combined = new Float32Array(n);
      for (let i = 0; i < n; i++) combined[i] = ((modelOutput[i] ?? 0) + (e1[i] ?? 0)) / 2;
      x = this.curSample ?? sample;
      this.curSample = undefined;
    } else {
      combined = multistep(e);
    }
    const prev = this.prevSample(x, timestep, prevT, combined);
    const x0 = this.predictX0(modelOutput, t, sample);
    this.counter++;
    return { prevSample: prev, predOriginalSample: x0 };
  }

  /** Formula (9): x_{t-δ} from x_t and the (combined) model output, diffusers _get_prev_sample. */
  private prevSample(sample: Float32Array, t: number, prevT: number, output: Float32Array): Float32Array {
    const aT = this.alpha(t);
    const aPrev = prevT >= 0 ? this.alpha(prevT) : this.finalAlphaCumprod;
    const bT = 1 - aT;
    const bPrev = 1 - aPrev;
    const sampleCoeff = Math.sqrt(aPrev / aT);
    const denom = aT * Math.sqrt(bPrev) + Math.sqrt(aT * bT * aPrev);
    const v = this.config.prediction_type === "v_prediction";
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const xi = sample[i] ?? 0;
      const eps = v ? Math.sqrt(aT) * (output[i] ?? 0) + Math.sqrt(bT) * xi : (output[i] ?? 0);
      out[i] = sampleCoeff * xi - ((aPrev - aT) * eps) / denom;
    }
    return out;
  }

  /** x_0 implied by this step's own model output (for previews; PNDM itself does not use it). */
  private predictX0(output: Float32Array, t: number, sample: Float32Array): Float32Array {
    const a = this.alpha(t);
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const m = output[i] ?? 0;
      const x = sample[i] ?? 0;
      out[i] = this.config.prediction_type === "v_prediction" ? sa * x - sb * m : (x - sb * m) / sa;
    }
    return out;
  }

  private alpha(t: number): number {
    const a = this.alphasCumprod[t];
    if (a === undefined)
      throw new SeedError(
        "input",
        `PndmScheduler.step: timestep ${t} is outside [0, ${this.config.num_train_timesteps})`,
      );
    return a;
  }
}

/** The linear multistep combinations of the last 2, 3 or 4 model outputs (Adams-Bashforth). */
function multistep(e: readonly Float32Array[]): Float32Array {
  const n = e[0]?.length ?? 0;
  const out = new Float32Array(n);
  const at = (k: number, i: number): number => e[e.length - k]?.[i] ?? 0; // e[-k]
  for (let i = 0; i < n; i++) {
    if (e.length === 2) out[i] = (3 * at(1, i) - at(2, i)) / 2;
    else if (e.length === 3) out[i] = (23 * at(1, i) - 16 * at(2, i) + 5 * at(3, i)) / 12;
    else out[i] = (55 * at(1, i) - 59 * at(2, i) + 37 * at(3, i) - 9 * at(4, i)) / 24;
  }
  return out;
}
