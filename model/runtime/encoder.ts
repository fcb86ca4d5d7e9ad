// The visual encoder component (encoder.onnx): pixels -> causal embeddings and Q-Former attention maps.
// Real SEED: EVA ViT-g + ln_vision + Causal Q-Former.

import { type ComponentSession, feedFloat, outputFloat, runSession } from "./sessions";
import type { FloatTensor } from "./types";

export interface EncoderOutput {
  readonly causalEmbeddings: FloatTensor; // [B, N, D]
  readonly attentionMaps: FloatTensor; // [B, N, Gh*Gw]
}

export class Encoder {
  constructor(private readonly c: ComponentSession) {}

  /** pixels: [B, 3, H, W] normalised. */
  async encode(pixels: FloatTensor): Promise<EncoderOutput> {
    const out = await runSession(this.c, { pixel_values: feedFloat(this.c, "pixel_values", pixels.data, pixels.dims) });
    return {
      causalEmbeddings: outputFloat(this.c, out, "causal_embeddings"),
      attentionMaps: outputFloat(this.c, out, "attention_maps"),
    };
  }
}
