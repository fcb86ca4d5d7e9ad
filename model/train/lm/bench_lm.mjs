// ms/token of language_model.onnx in onnxruntime-node (the runtime's engine): greedy decode with the KV cache,
// batch 1, best of 3. Usage: node model/train/lm/bench_lm.mjs <package dir> [threads=1] [new tokens=64]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";

const [dir, threadsArg, newArg] = process.argv.slice(2);
if (!dir) throw new Error("usage: node bench_lm.mjs <package dir> [threads] [new tokens]");
const threads = Number(threadsArg ?? 1),
  newTokens = Number(newArg ?? 64);
const lm = JSON.parse(readFileSync(join(dir, "fixtures", "lm_logits.json"), "utf8"));
const session = await ort.InferenceSession.create(join(dir, "language_model.onnx"), {
  executionProviders: ["cpu"],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
});
const pastNames = session.inputNames.filter((n) => n.startsWith("past_key_values."));
const { num_kv_heads: H, head_dim: D } = lm;
const i64 = (xs) => BigInt64Array.from(xs.map((x) => BigInt(x)));

async function decode() {
  let ids = lm.prompt_ids,
    past = Object.fromEntries(pastNames.map((n) => [n, new ort.Tensor("float32", new Float32Array(0), [1, H, 0, D])]));
  let total = 0;
  const t0 = performance.now();
  for (let step = 0; step < newTokens; step++) {
    const s = ids.length;
    total += s;
    const feeds = {
      input_ids: new ort.Tensor("int64", i64(ids), [1, s]),
      attention_mask: new ort.Tensor("int64", i64(Array(total).fill(1)), [1, total]),
      position_ids: new ort.Tensor("int64", i64(Array.from({ length: s }, (_, k) => total - s + k)), [1, s]),
      ...past,
    };
    const out = await session.run(feeds);
    const logits = out.logits.data,
      V = out.logits.dims[2],
      off = (s - 1) * V;
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[off + v] > logits[off + best]) best = v;
    ids = [best];
    past = Object.fromEntries(pastNames.map((n) => [n, out[n.replace("past_key_values", "present")]]));
  }
  return (performance.now() - t0) / newTokens;
}
let best = Infinity;
for (let r = 0; r < 3; r++) best = Math.min(best, await decode());
console.log(
  JSON.stringify({
    threads,
    new_tokens: newTokens,
    prompt_tokens: lm.prompt_ids.length,
    ms_per_token: Number(best.toFixed(3)),
  }),
);
