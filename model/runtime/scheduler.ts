// One interface over the denoising schedulers a package may name in scheduler_config.json (diffusers form):
// DDIMScheduler (scheduler-ddim.ts) and PNDMScheduler (scheduler-pndm.ts, PLMS steps). Pure objects: no sessions, no
// I/O; the decode pipeline calls setTimesteps(n) once, then step() for every returned timestep in order.

import { SeedError } from "./errors";
import { JsonFields } from "./json-fields";
import { type DdimConfig, DdimScheduler, parseDdimConfig } from "./scheduler-ddim";
import { type PndmConfig, PndmScheduler, parsePndmConfig } from "./scheduler-pndm";

export interface SchedulerStepOutput {
  readonly prevSample: Float32Array; // the sample at the next (lower-noise) timestep
  readonly predOriginalSample: Float32Array; // x_0 predicted from this step's model output
}

export interface DiffusionScheduler {
  readonly kind: "ddim" | "pndm";
  /** The initial latent is N(0, I) times this. */
  readonly initNoiseSigma: number;
  /** The timesteps to run, in order (PNDM returns n + 1 of them: its first step is evaluated twice). */
  setTimesteps(n: number): number[];
  /** One step; `eta` and `noise` are DDIM's stochastic term (PNDM refuses eta > 0). */
  step(
    modelOutput: Float32Array,
    t: number,
    sample: Float32Array,
    eta?: number,
    noise?: Float32Array,
  ): SchedulerStepOutput;
}

export type SchedulerConfig =
  | { readonly kind: "ddim"; readonly config: DdimConfig }
  | { readonly kind: "pndm"; readonly config: PndmConfig };

/** Reads scheduler_config.json: `_class_name` picks the scheduler (DDIM when absent, as older SEED-mini packages). */
export function parseSchedulerConfig(json: unknown, file = "scheduler_config.json"): SchedulerConfig {
  const f = JsonFields.root(json, file);
  const cls = f.has("_class_name") ? f.string("_class_name", ["DDIMScheduler", "PNDMScheduler"]) : "DDIMScheduler";
  return cls === "PNDMScheduler"
    ? { kind: "pndm", config: parsePndmConfig(json, file) }
    : { kind: "ddim", config: parseDdimConfig(json, file) };
}

/** A fresh scheduler (schedulers hold their timesteps and, for PNDM, the history of model outputs). */
export function createScheduler(c: SchedulerConfig): DiffusionScheduler {
  if (c.kind === "ddim") return new DdimScheduler(c.config);
  if (c.kind === "pndm") return new PndmScheduler(c.config);
  throw new SeedError("manifest", `unknown scheduler kind ${(c as { kind: string }).kind}`);
}
