// The pure sampler and the seeded RNG: greedy, temperature, top-k, top-p, candidates, determinism under a seed.

import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng } from "../../../model/runtime/rng";
import { checkSamplerOptions, sampleToken, softmax, topIndices } from "../../../model/runtime/sampler";

const logits = new Float32Array([1, 3, 2, 0.5, 3]); // ids 1 and 4 tie for the top

test("greedy picks the argmax (lowest id on ties) and reports T=1 candidates", () => {
  const r = sampleToken(logits, { temperature: 0, topK: 0, topP: 1, candidates: 3 }, createRng(0));
  assert.equal(r.id, 1);
  assert.deepEqual(
    r.candidates.map((c) => c.id),
    [1, 4, 2],
  );
  const p = softmax(logits);
  assert.ok(Math.abs((r.candidates[2]?.prob ?? 0) - (p[2] ?? 0)) < 1e-12);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test("top-k 1 is greedy whatever the seed; top-k 2 only ever draws the two best", () => {
  for (let seed = 0; seed < 20; seed++) {
    assert.equal(
      sampleToken(new Float32Array([0, 5, 1]), { temperature: 1, topK: 1, topP: 1, candidates: 0 }, createRng(seed)).id,
      1,
    );
  }
  const seen = new Set<number>();
  const rng = createRng(3);
  for (let i = 0; i < 300; i++)
    seen.add(sampleToken(logits, { temperature: 5, topK: 2, topP: 1, candidates: 0 }, rng).id);
  assert.deepEqual([...seen].sort(), [1, 4]);
});

test("top-p keeps the smallest set reaching p", () => {
  // probs 0.5, 0.3, 0.2: p = 0.6 keeps {0, 1}; p = 0.5 keeps {0}.
  const l = new Float32Array([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
  const rng = createRng(11);
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) seen.add(sampleToken(l, { temperature: 1, topK: 0, topP: 0.6, candidates: 0 }, rng).id);
  assert.deepEqual([...seen].sort(), [0, 1]);
  for (let i = 0; i < 50; i++)
    assert.equal(sampleToken(l, { temperature: 1, topK: 0, topP: 0.5, candidates: 0 }, rng).id, 0);
});

test("sampling frequencies follow the tempered distribution", () => {
  const l = new Float32Array([0, Math.log(3)]); // p = 0.25, 0.75 at T=1
  const rng = createRng(5);
  let ones = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) ones += sampleToken(l, { temperature: 1, topK: 0, topP: 1, candidates: 0 }, rng).id;
  assert.ok(Math.abs(ones / n - 0.75) < 0.03, `frequency ${ones / n}`);
  // A high temperature flattens it: T=1000 gives about 0.5.
  let flat = 0;
  for (let i = 0; i < n; i++) flat += sampleToken(l, { temperature: 1000, topK: 0, topP: 1, candidates: 0 }, rng).id;
  assert.ok(Math.abs(flat / n - 0.5) < 0.03, `frequency ${flat / n}`);
});

test("same seed, same sequence; another seed, another sequence", () => {
  const draw = (seed: number): number[] => {
    const rng = createRng(seed);
    return Array.from(
      { length: 40 },
      () => sampleToken(logits, { temperature: 2, topK: 0, topP: 1, candidates: 0 }, rng).id,
    );
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
});

test("the RNG's normals have mean ~0 and variance ~1", () => {
  const rng = createRng(9);
  let s = 0,
    s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});

test("topIndices is ordered, stable on ties, and handles k beyond the length or 0", () => {
  assert.deepEqual(topIndices(Float64Array.from([1, 3, 2, 3]), 3), [1, 3, 2]);
  assert.deepEqual(topIndices(Float64Array.from([1, 2]), 5), [1, 0]);
  assert.deepEqual(topIndices(Float64Array.from([1, 2]), 0), []);
});

test("bad options are named", () => {
  assert.throws(
    () => checkSamplerOptions({ temperature: -1, topK: 0, topP: 1, candidates: 5 }),
    /temperature must be a number >= 0/,
  );
  assert.throws(
    () => checkSamplerOptions({ temperature: 1, topK: 1.5, topP: 1, candidates: 5 }),
    /topK must be an integer/,
  );
  assert.throws(
    () => checkSamplerOptions({ temperature: 1, topK: 0, topP: 0, candidates: 5 }),
    /topP must be in \(0, 1\]/,
  );
  assert.throws(
    () => sampleToken(new Float32Array(0), { temperature: 0, topK: 0, topP: 1, candidates: 1 }, createRng(0)),
    /logits are empty/,
  );
});

test("top-p on a large vocabulary draws the same ids whether the nucleus is found by partial selection or a full sort", () => {
  // 5000 ids: a peaked head (nucleus inside the first 64) and a flat one (nucleus needs the full sort).
  const peaked = Float32Array.from({ length: 5000 }, (_, i) => (i % 97 === 0 ? 8 - i / 1000 : -2));
  const flat = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 0.01);
  for (const logits of [peaked, flat]) {
    const probs = softmax(logits);
    const order = Array.from(probs.keys()).sort((a, b) => (probs[b] ?? 0) - (probs[a] ?? 0) || a - b);
    let cum = 0;
    const nucleus = new Set<number>();
    for (const id of order) {
      nucleus.add(id);
      cum += probs[id] ?? 0;
      if (cum >= 0.5) break;
    }
    const rng = createRng(21);
    for (let i = 0; i < 300; i++) {
      const id = sampleToken(logits, { temperature: 1, topK: 0, topP: 0.5, candidates: 0 }, rng).id;
      assert.ok(nucleus.has(id), `id ${id} is outside the nucleus of ${nucleus.size}`);
    }
  }
});

test("a masked id (-Infinity logit) is never drawn, even when rounding leaves the draw at the very end", () => {
  const logits = new Float32Array([-Infinity, 0.3, -Infinity, 0.2, -Infinity]);
  const edge = { uniform: () => 1 - Number.EPSILON / 4, normal: () => 0 };
  for (const o of [
    { temperature: 1, topK: 0, topP: 1 },
    { temperature: 0.7, topK: 5, topP: 1 },
  ]) {
    const id = sampleToken(logits, { ...o, candidates: 2 }, edge).id;
    assert.ok(id === 1 || id === 3, `drew masked id ${id}`);
  }
  const rng = createRng(5);
  for (let i = 0; i < 500; i++)
    assert.ok([1, 3].includes(sampleToken(logits, { temperature: 2, topK: 0, topP: 1, candidates: 0 }, rng).id));
});
