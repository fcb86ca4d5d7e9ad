// runSession, the one choke point for every ONNX call: missing inputs named all at once, extras rejected, dtypes,
// ranks, fixed dims and symbolic axes checked against the manifest, and ORT failures reported with every input's
// dtype and dims. Also the provider choice: "cpu" says so, and an explicit GPU provider that is absent is an error.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readManifest } from "../../../model/runtime/model-loader";
import {
  type ComponentSession,
  createSession,
  floatTensor,
  int64Tensor,
  releaseSessions,
  runSession,
} from "../../../model/runtime/sessions";
import { TINY_PACKAGE } from "../../helpers/packages";

const manifest = readManifest(TINY_PACKAGE);
const spec = manifest.components.denoiser!;
let den: ComponentSession;

before(async () => {
  den = await createSession("denoiser", join(TINY_PACKAGE, spec.file), spec, { provider: "cpu", threads: 1 });
});
after(() => releaseSessions([den]));

const [C, h, w] = manifest.image_decoder.latent_shape;
const E = manifest.detokenizer.embedding_dim;
const sample = (b: number) => floatTensor(new Float32Array(b * C * h * w), [b, C, h, w]);
const emb = (b: number) => floatTensor(new Float32Array(b * E), [b, E]);

test("a correct call runs and returns the declared outputs", async () => {
  const out = await runSession(den, {
    sample: sample(2),
    timestep: floatTensor(Float32Array.from([1, 2]), [2]),
    generation_embedding: emb(2),
  });
  assert.deepEqual(out.out_sample?.dims, [2, C, h, w]);
  assert.equal(den.provider.name, "cpu");
  assert.equal(den.provider.reason, "cpu requested");
});

test("every missing input is named at once, and extra inputs are rejected", async () => {
  await assert.rejects(
    runSession(den, { sample: sample(1) }),
    /denoiser: missing input\(s\) "timestep", "generation_embedding"/,
  );
  await assert.rejects(
    runSession(den, {
      sample: sample(1),
      timestep: floatTensor(new Float32Array(1), [1]),
      generation_embedding: emb(1),
      extra: emb(1),
    }),
    /unexpected input\(s\) "extra" \(the graph takes sample, timestep, generation_embedding\)/,
  );
});

test("dtype, rank, fixed dims and symbolic axes are checked against the manifest", async () => {
  const t1 = floatTensor(new Float32Array(1), [1]);
  await assert.rejects(
    runSession(den, { sample: sample(1), timestep: int64Tensor([1], [1]), generation_embedding: emb(1) }),
    /"timestep" is int64\[1\], expected dtype float32/,
  );
  await assert.rejects(
    runSession(den, {
      sample: floatTensor(new Float32Array(C * h * w), [C, h, w]),
      timestep: t1,
      generation_embedding: emb(1),
    }),
    /"sample" is float32\[2,4,4\], expected rank 4/,
  );
  await assert.rejects(
    runSession(den, {
      sample: sample(1),
      timestep: t1,
      generation_embedding: floatTensor(new Float32Array(E + 1), [1, E + 1]),
    }),
    new RegExp(`dim 1 must be ${E}`),
  );
  await assert.rejects(
    runSession(den, { sample: sample(2), timestep: t1, generation_embedding: emb(2) }),
    /axis "batch" is 2 in "sample" but 1 in "timestep"/,
  );
});

test("an onnxruntime failure is reported with each input's dtype and dims", async () => {
  // A looser spec (distinct axis names) lets mismatched batches reach ORT, which then fails inside the graph.
  const loose = {
    ...den,
    spec: {
      ...spec,
      inputs: spec.inputs.map((i, k) => ({
        ...i,
        shape: i.shape.map((d) => (typeof d === "string" ? `${d}${k}` : d)),
      })),
    },
  };
  await assert.rejects(
    runSession(loose, {
      sample: sample(2),
      timestep: floatTensor(new Float32Array(3), [3]),
      generation_embedding: emb(5),
    }),
    /denoiser: onnxruntime failed: .*; inputs were sample: float32\[2,2,4,4\], timestep: float32\[3\], generation_embedding: float32\[5,12\]/,
  );
});

for (const provider of ["cuda", "webgpu"] as const) {
  test(`an explicitly requested ${provider} provider either runs on it or fails naming the fix (never a silent CPU)`, async () => {
    const r = await createSession("denoiser", join(TINY_PACKAGE, spec.file), spec, { provider, threads: 1 }).then(
      async (s) => {
        await releaseSessions([s]);
        return s.provider.name;
      },
      (e: unknown) => e,
    );
    if (typeof r === "string") assert.equal(r, provider);
    else
      assert.match(
        String(r),
        new RegExp(`denoiser: execution provider "${provider}" failed: .*Use executionProvider "auto" or "cpu"`),
      );
  });
}

test("auto records which provider runs and why", async () => {
  const s = await createSession("denoiser", join(TINY_PACKAGE, spec.file), spec, { provider: "auto", threads: 1 });
  try {
    assert.equal(s.provider.requested, "auto");
    if (s.provider.name === "cpu") {
      assert.match(s.provider.reason, /^fell back to cpu \(.*cuda.*webgpu.*\)$/);
      // Each GPU provider that could not run, with a short why (the plain-words message is built from these).
      assert.deepEqual(
        s.provider.unavailable.map((u) => u.name),
        ["cuda", "webgpu"],
      );
      assert.ok(
        s.provider.unavailable.every((u) => u.why.length > 0 && u.why.length < 80 && !/npm|\n/.test(u.why)),
        JSON.stringify(s.provider.unavailable),
      );
    } else assert.match(s.provider.reason, /requested \(auto\)/);
  } finally {
    await releaseSessions([s]);
  }
});
