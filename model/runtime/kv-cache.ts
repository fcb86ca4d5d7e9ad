// The language model's key/value cache, explicit (transformers.js DynamicCache): one past tensor per layer and
// key/value, fed as past_key_values.{i}.key/value and replaced by the graph's present.{i}.key/value after each call.
// Names and shapes come from the manifest and are checked against the session's inputs when the cache is built.
// WARNING: a cache belongs to one generation; it is not shared between calls or threads, and dispose() ends it.

import * as ort from "onnxruntime-node";
import { SeedError } from "./errors";

export interface KvLayout {
  readonly numLayers: number;
  readonly numKvHeads: number;
  readonly headDim: number;
}

export function pastName(layer: number, kind: "key" | "value"): string {
  return `past_key_values.${layer}.${kind}`;
}

export function presentName(layer: number, kind: "key" | "value"): string {
  return `present.${layer}.${kind}`;
}

export class KvCache {
  private past = new Map<string, ort.Tensor>(); // past name -> [B, H_kv, P, Dh]
  /** The cache's element type, as the graph declares its past inputs (float16 for half-precision exports). */
  readonly dtype: "float32" | "float16";
  private disposed = false;
  /** P: how many positions the cache holds. */
  length = 0;

  /** An empty cache (P = 0) for `layout`, checked against the session's input metadata (names, heads, head size). */
  constructor(
    readonly layout: KvLayout,
    sessionInputs: readonly ort.InferenceSession.ValueMetadata[],
    readonly batch = 1,
  ) {
    const missing: string[] = [];
    const first = sessionInputs.find((m) => m.name === pastName(0, "key"));
    this.dtype = first?.isTensor && first.type === "float16" ? "float16" : "float32";
    for (let i = 0; i < layout.numLayers; i++) {
      for (const kind of ["key", "value"] as const) {
        const name = pastName(i, kind);
        const meta = sessionInputs.find((m) => m.name === name);
        if (!meta) missing.push(name);
        else if (meta.isTensor && meta.shape.length === 4) {
          // [B, H_kv, P, Dh]: the graph's fixed head count and head size must be the manifest's.
          const [, heads, , dim] = meta.shape;
          if (
            (typeof heads === "number" && heads !== layout.numKvHeads) ||
            (typeof dim === "number" && dim !== layout.headDim)
          ) {
            throw new SeedError(
              "manifest",
              `language model: ${name} is [${meta.shape.join(",")}] in the graph, but seed.json says num_kv_heads=${layout.numKvHeads}, head_dim=${layout.headDim}`,
            );
          }
        }
        // [B, H_kv, 0, Dh]: an empty past makes the same graph do the prefill.
        const empty =
          this.dtype === "float16"
            ? new ort.Tensor("float16", new Uint16Array(0), [batch, layout.numKvHeads, 0, layout.headDim])
            : new ort.Tensor("float32", new Float32Array(0), [batch, layout.numKvHeads, 0, layout.headDim]);
        this.past.set(name, empty);
      }
    }
    if (missing.length > 0) {
      throw new SeedError(
        "manifest",
        `language model: the graph lacks cache inputs ${missing.join(", ")} (seed.json says num_layers=${layout.numLayers})`,
      );
    }
  }

  /** The past tensors as feeds. */
  feeds(): Record<string, ort.Tensor> {
    if (this.disposed) throw new SeedError("disposed", "KvCache used after dispose()");
    return Object.fromEntries(this.past);
  }

  /** Takes the graph's present.* outputs as the new past; checks that each grew by `added` positions. */
  update(outputs: Record<string, ort.Tensor>, added: number): void {
    if (this.disposed) throw new SeedError("disposed", "KvCache used after dispose()");
    const next = new Map<string, ort.Tensor>();
    const want = this.length + added;
    for (let i = 0; i < this.layout.numLayers; i++) {
      for (const kind of ["key", "value"] as const) {
        const t = outputs[presentName(i, kind)];
        const d = t?.dims;
        if (
          !t ||
          d?.length !== 4 ||
          d[0] !== this.batch ||
          d[1] !== this.layout.numKvHeads ||
          d[2] !== want ||
          d[3] !== this.layout.headDim
        ) {
          throw new SeedError(
            "session",
            `language model: output ${presentName(i, kind)} is ${t ? `[${t.dims.join(",")}]` : "missing"}, expected [${this.batch},${this.layout.numKvHeads},${want},${this.layout.headDim}]`,
          );
        }
        next.set(pastName(i, kind), t);
      }
    }
    this.disposeTensors();
    this.past = next;
    this.length = want;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposeTensors();
    this.past.clear();
    this.disposed = true;
  }

  private disposeTensors(): void {
    for (const t of this.past.values()) t.dispose();
  }
}
