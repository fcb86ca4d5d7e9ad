// The latent decoder component (latent_decoder.onnx): latent -> image in [-1, 1]. Real SEED: the SD-2 VAE decoder.
// The caller divides by latent_scaling_factor first (diffusers: vae.decode(latents / scaling_factor)).

import { type ComponentSession, feedFloat, outputFloat, runSession } from "./sessions";
import type { FloatTensor } from "./types";

export class LatentDecoder {
  constructor(private readonly c: ComponentSession) {}

  /** latent [B, C, h, w] (already scaled) -> [B, 3, H', W'] in [-1, 1]. */
  async decode(latent: FloatTensor): Promise<FloatTensor> {
    return outputFloat(
      this.c,
      await runSession(this.c, { latent_sample: feedFloat(this.c, "latent_sample", latent.data, latent.dims) }),
      "sample",
    );
  }
}
