// The optional latent encoder component (latent_encoder.onnx): image in [-1, 1] -> latent (the VAE posterior mean).
// Real SEED: the SD-2 VAE encoder. Used to show what the latent space holds; the SEED pipeline itself never encodes.

import { type ComponentSession, feedFloat, outputFloat, runSession } from "./sessions";
import type { FloatTensor } from "./types";

export class LatentEncoder {
  constructor(private readonly c: ComponentSession) {}

  /** sample [B, 3, H', W'] in [-1, 1] -> latent [B, C, h, w] (unscaled). */
  async encode(sample: FloatTensor): Promise<FloatTensor> {
    return outputFloat(
      this.c,
      await runSession(this.c, { sample: feedFloat(this.c, "sample", sample.data, sample.dims) }),
      "latent",
    );
  }
}
