// The raw onnxruntime baseline: bare InferenceSession.run on the package's ONNX files, with the session options our
// runtime uses (cpu, intra-op threads = settings.threads, inter-op 1, sequential, optimisation level "all") and no
// wrapper, no feed checks, no copies beyond what the algorithm needs. The decode loop uses the runtime's pure
// DdimScheduler (arithmetic only) so that the two loops do the same work; the LM follows lm-protocol.ts.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { DdimScheduler, parseDdimConfig, readManifest, type SeedManifest } from "../model/runtime";
import type { BenchInputs } from "./inputs";
import type { ImplDriver } from "./interleave";
import { type LmDriver, lmOps, lmSkipReason, type Ops } from "./lm-protocol";
import { DECODE_STEPS, selfPeak } from "./ours";
import { nowMs } from "./stats";
import { type BenchSettings, MODEL_ROWS, type ModelRow } from "./types";

type Sessions = Partial<
  Record<
    "encoder" | "quantizer" | "detokenizer" | "denoiser" | "latent_decoder" | "language_model",
    ort.InferenceSession
  >
>;

function need(s: Sessions, name: keyof Sessions): ort.InferenceSession {
  const x = s[name];
  if (!x) throw new Error(`raw ORT: no session for ${name}`);
  return x;
}

async function openSessions(dir: string, m: SeedManifest, threads: number): Promise<Sessions> {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
  const out: Sessions = {};
  for (const name of ["encoder", "quantizer", "detokenizer", "denoiser", "latent_decoder", "language_model"] as const) {
    const spec = m.components[name];
    if (spec) out[name] = await ort.InferenceSession.create(join(dir, spec.file), opts);
  }
  return out;
}

async function tokenize(s: Sessions, pixels: Float32Array, dims: number[]): Promise<void> {
  const enc = await need(s, "encoder").run({ pixel_values: new ort.Tensor("float32", pixels, dims) }); // [B, 3, H, W]
  const emb = enc.causal_embeddings; // [B, N, D]
  if (!emb) throw new Error("raw ORT: encoder returned no causal_embeddings");
  await need(s, "quantizer").run({ causal_embeddings: emb }); // -> ids [B, N]
}

async function decode(
  s: Sessions,
  m: SeedManifest,
  sched: DdimScheduler,
  codes: readonly number[],
  steps: number,
  guidance: number,
): Promise<void> {
  const N = codes.length;
  const det = need(s, "detokenizer");
  const feeds: Record<string, ort.Tensor> = { ids: new ort.Tensor("int64", BigInt64Array.from(codes, BigInt), [1, N]) };
  if (det.inputNames.includes("token_mask"))
    feeds.token_mask = new ort.Tensor("float32", new Float32Array(N).fill(1), [1, N]);
  const cond = (await det.run(feeds)).generation_embedding?.data as Float32Array; // [1, E]
  const E = cond.length;
  const emb = new Float32Array(2 * E); // [2, E]: [uncond zeros; cond]
  emb.set(cond, E);
  const [C, h, w] = m.image_decoder.latent_shape;
  const size = C * h * w;
  let latent = new Float32Array(size); // [1, C, h, w]; starting noise does not change the cost
  for (let i = 0; i < size; i++) latent[i] = Math.sin(i * 12.9898) * 0.5;
  const den = need(s, "denoiser");
  const embT = new ort.Tensor("float32", emb, [2, E]);
  for (const t of sched.setTimesteps(steps)) {
    const x2 = new Float32Array(2 * size); // [2, C, h, w]
    x2.set(latent, 0);
    x2.set(latent, size);
    const out = (
      await den.run({
        sample: new ort.Tensor("float32", x2, [2, C, h, w]),
        timestep: new ort.Tensor("float32", new Float32Array([t, t]), [2]),
        generation_embedding: embT,
      })
    ).out_sample?.data as Float32Array; // [2, C, h, w]
    const guided = new Float32Array(size);
    for (let j = 0; j < size; j++) guided[j] = (out[j] ?? 0) + guidance * ((out[size + j] ?? 0) - (out[j] ?? 0));
    latent = sched.step(guided, t, latent).prevSample;
  }
  const scale = m.image_decoder.latent_scaling_factor;
  const scaled = scale === 1 ? latent : latent.map((v) => v / scale);
  await need(s, "latent_decoder").run({ latent_sample: new ort.Tensor("float32", scaled, [1, C, h, w]) }); // [1, 3, H', W']
}

function lmDriver(lm: ort.InferenceSession, m: SeedManifest): LmDriver {
  const spec = m.language_model;
  if (!spec) throw new Error("raw ORT: manifest has no language_model block");
  const { num_layers: L, num_kv_heads: H, head_dim: Dh } = spec;
  if (L === undefined || H === undefined || Dh === undefined) throw new Error("raw ORT: the package's LM has no graph");
  const empty = (): Map<string, ort.Tensor> =>
    new Map(
      Array.from({ length: L }, (_, i) =>
        ["key", "value"].map(
          (k) => [`past_key_values.${i}.${k}`, new ort.Tensor("float32", new Float32Array(0), [1, H, 0, Dh])] as const,
        ),
      ).flat(),
    );
  let past = empty();
  let P = 0;
  return {
    reset() {
      past = empty();
      P = 0;
    },
    async forward(ids) {
      const S = ids.length;
      const out = await lm.run({
        input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, S]),
        attention_mask: new ort.Tensor("int64", new BigInt64Array(P + S).fill(1n), [1, P + S]),
        position_ids: new ort.Tensor(
          "int64",
          BigInt64Array.from({ length: S }, (_, i) => BigInt(P + i)),
          [1, S],
        ),
        ...Object.fromEntries(past),
      });
      for (let i = 0; i < L; i++) {
        for (const k of ["key", "value"]) {
          const t = out[`present.${i}.${k}`];
          if (!t) throw new Error(`raw ORT: language model returned no present.${i}.${k}`);
          past.set(`past_key_values.${i}.${k}`, t);
        }
      }
      P += S;
    },
  };
}

export interface RawHandle {
  readonly driver: ImplDriver;
  release(): Promise<void>;
}

export async function openRawDriver(inputs: BenchInputs, s: BenchSettings): Promise<RawHandle> {
  const m = readManifest(s.modelDir);
  const sessions = await openSessions(s.modelDir, m, s.threads);
  const sched = new DdimScheduler(
    parseDdimConfig(JSON.parse(readFileSync(join(s.modelDir, m.image_decoder.scheduler_config), "utf8"))),
  );
  const [H, W] = m.image.size;
  const one = inputs.pixels16.slice(0, 3 * H * W); // [1, 3, H, W]
  const g = m.image_decoder.defaults.guidance_scale;
  const once = async (f: () => Promise<void>): Promise<number[]> => {
    const t0 = nowMs();
    await f();
    return [nowMs() - t0];
  };
  let ops: Ops = {
    "tokenize.b1": () => once(() => tokenize(sessions, one, [1, 3, H, W])),
    "tokenize.b16": () => once(() => tokenize(sessions, inputs.pixels16, [16, 3, H, W])),
    "decode.25": () => once(() => decode(sessions, m, sched, inputs.codes, DECODE_STEPS, g)),
  };
  const skipped: Partial<Record<ModelRow, string>> = {
    "api.call": "– (no API layer)",
    "lm.generate": "not measured: bare session.run has no generate pipeline (compare the LM decode rows)",
  };
  if (sessions.language_model && m.language_model) {
    ops = { ...ops, ...lmOps(lmDriver(sessions.language_model, m), inputs.promptIds) };
    for (const row of MODEL_ROWS) {
      const why = lmSkipReason(row, m.language_model.max_position_embeddings);
      if (why) skipped[row] = why;
    }
  }
  return {
    driver: { impl: "raw", ops, skipped, missing: "not measured: the package has no language model", peak: selfPeak },
    release: async () => {
      await Promise.all(Object.values(sessions).map((x) => x.release()));
    },
  };
}
