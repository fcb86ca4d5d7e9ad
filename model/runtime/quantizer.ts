// The codebook quantiser component (quantizer.onnx): causal embeddings -> code ids by L2 nearest code.
// Real SEED: encode_task_layer + argmin over the 8192x32 codebook.

import { SeedError } from "./errors";
import { type ComponentSession, feedFloat, outputInt64, runSession } from "./sessions";
import type { FloatTensor } from "./types";

export class Quantizer {
  constructor(
    private readonly c: ComponentSession,
    private readonly codebookSize: number,
  ) {}

  /** embeddings: [B, N, D] -> B lists of N ids, each checked to lie in [0, codebookSize). */
  async quantize(embeddings: FloatTensor): Promise<number[][]> {
    const out = outputInt64(
      this.c,
      await runSession(this.c, {
        causal_embeddings: feedFloat(this.c, "causal_embeddings", embeddings.data, embeddings.dims),
      }),
      "ids",
    );
    const [B, N] = out.dims as [number, number];
    const rows: number[][] = [];
    for (let b = 0; b < B; b++) {
      const row: number[] = [];
      for (let n = 0; n < N; n++) {
        const id = Number(out.data[b * N + n]);
        if (id < 0 || id >= this.codebookSize) {
          throw new SeedError(
            "session",
            `quantizer returned id ${id} at [${b}, ${n}], outside the codebook [0, ${this.codebookSize})`,
          );
        }
        row.push(id);
      }
      rows.push(row);
    }
    return rows; // [B][N]
  }
}
