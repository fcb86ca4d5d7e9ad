// The diffusion denoiser component (denoiser.onnx): noisy latent + timestep + generation embedding -> model output
// (epsilon, v or sample, as the scheduler config's prediction_type says).
// Real SEED: the unCLIP SD-2.1 UNet with the empty-prompt text states baked in.

import { type ComponentSession, feedFloat, outputFloat, runSession } from "./sessions";
import type { FloatTensor } from "./types";

export class Denoiser {
  constructor(private readonly c: ComponentSession) {}

  /** sample [B, C, h, w], timesteps [B], embedding [B, E] -> [B, C, h, w]. */
  async predict(sample: FloatTensor, timesteps: Float32Array, embedding: FloatTensor): Promise<FloatTensor> {
    const out = await runSession(this.c, {
      sample: feedFloat(this.c, "sample", sample.data, sample.dims),
      timestep: feedFloat(this.c, "timestep", timesteps, [timesteps.length]),
      generation_embedding: feedFloat(this.c, "generation_embedding", embedding.data, embedding.dims),
    });
    return outputFloat(this.c, out, "out_sample");
  }
}
