// The language model component (language_model.onnx, Hugging Face Optimum decoder layout, FORMAT.md): one graph
// that does the prefill (empty past) and each decode step (past of P positions). forward() feeds input_ids,
// attention_mask, position_ids and the cache, returns the last position's logits and moves the cache forward.

import { SeedError } from "./errors";
import { KvCache, type KvLayout } from "./kv-cache";
import type { LanguageModelSpec } from "./manifest-types";
import { type ComponentSession, int64Tensor, outputFloat, runSession } from "./sessions";

export class LanguageModel {
  readonly layout: KvLayout;
  readonly vocabSize: number;
  readonly contextLength: number;

  constructor(
    private readonly c: ComponentSession,
    spec: LanguageModelSpec,
  ) {
    const { num_layers, num_kv_heads, head_dim } = spec;
    if (num_layers === undefined || num_kv_heads === undefined || head_dim === undefined)
      throw new SeedError(
        "manifest",
        "seed.json: language_model needs num_layers, num_kv_heads and head_dim for its graph",
      );
    this.layout = { numLayers: num_layers, numKvHeads: num_kv_heads, headDim: head_dim };
    this.vocabSize = spec.vocab_size;
    this.contextLength = spec.max_position_embeddings;
    new KvCache(this.layout, c.session.inputMetadata).dispose(); // fail at load, not at the first generate
  }

  newCache(): KvCache {
    return new KvCache(this.layout, this.c.session.inputMetadata);
  }

  /** ids [S] appended after the cache's P positions -> logits of the last position [V]; the cache grows by S. */
  async forward(ids: readonly number[], cache: KvCache): Promise<Float32Array> {
    const S = ids.length;
    const P = cache.length;
    if (S === 0) throw new SeedError("input", "language model: forward needs at least one id");
    if (P + S > this.contextLength) {
      throw new SeedError(
        "context",
        `language model: ${P + S} positions exceed the context of ${this.contextLength} (max_position_embeddings)`,
      );
    }
    const positions = Array.from({ length: S }, (_, i) => P + i);
    const out = await runSession(this.c, {
      input_ids: int64Tensor(ids, [1, S]), // [1, S]
      attention_mask: int64Tensor(new BigInt64Array(P + S).fill(1n), [1, P + S]), // [1, P+S]
      position_ids: int64Tensor(positions, [1, S]), // [1, S]
      ...cache.feeds(), // past_key_values.{i}.key/value [1, H_kv, P, Dh]
    });
    const logits = outputFloat(this.c, out, "logits"); // [1, S, V]
    const V = logits.dims[2] ?? 0;
    if (logits.dims.length !== 3 || logits.dims[1] !== S || V !== this.vocabSize) {
      throw new SeedError(
        "session",
        `language model: logits are [${logits.dims.join(",")}], expected [1,${S},${this.vocabSize}]`,
      );
    }
    cache.update(out, S);
    return logits.data.slice((S - 1) * V, S * V); // [V]
  }
}
