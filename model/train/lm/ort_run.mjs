// Runs an ONNX model with onnxruntime-node for the Python tests (Debian has no Python onnxruntime).
// Usage: node model/train/lm/ort_run.mjs request.json response.json
// request: {"model": path, "runs": [{"feeds": {name: {"dtype": "int64"|"float32", "dims": [...], "b64": base64}}}]}
// response: {"runs": [{"outputs": {name: {"dtype", "dims", "b64"}}}]} (little-endian raw tensor bytes).
import { readFileSync, writeFileSync } from "node:fs";
import ort from "onnxruntime-node";

const [reqPath, resPath] = process.argv.slice(2);
if (!reqPath || !resPath) throw new Error("usage: node ort_run.mjs request.json response.json");
const req = JSON.parse(readFileSync(reqPath, "utf8"));
const session = await ort.InferenceSession.create(req.model, {
  executionProviders: ["cpu"],
  intraOpNumThreads: 1,
  graphOptimizationLevel: "all",
});
const ARRAYS = { int64: BigInt64Array, float32: Float32Array };
const runs = [];
for (const run of req.runs) {
  const feeds = {};
  for (const [name, t] of Object.entries(run.feeds)) {
    const buf = Buffer.from(t.b64, "base64");
    const Ctor = ARRAYS[t.dtype];
    if (!Ctor) throw new Error(`feed ${name}: dtype ${t.dtype} is not int64 or float32`);
    const data = new Ctor(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    feeds[name] = new ort.Tensor(t.dtype, data, t.dims);
  }
  const out = await session.run(feeds);
  const outputs = {};
  for (const [name, t] of Object.entries(out)) {
    const d = t.data;
    outputs[name] = {
      dtype: t.type,
      dims: t.dims,
      b64: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString("base64"),
    };
  }
  runs.push({ outputs });
}
writeFileSync(resPath, JSON.stringify({ inputNames: session.inputNames, outputNames: session.outputNames, runs }));
