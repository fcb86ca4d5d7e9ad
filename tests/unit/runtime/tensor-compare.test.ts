// The tensor-compare helper itself: it must fail on each kind of mismatch (dtype, dims, values) and pass within tolerance.

import assert from "node:assert/strict";
import { test } from "node:test";
import { assertTensorClose, tensorFromJson, tensorOf } from "../../helpers/tensor-compare";

test("equal within atol/rtol passes; beyond fails and names the worst index", () => {
  const e = tensorOf(new Float32Array([1, 2, 3, 100]), [2, 2]);
  assertTensorClose(tensorOf(new Float32Array([1.000001, 2, 3, 100.001]), [2, 2]), e, { atol: 1e-5, rtol: 1e-4 });
  assert.throws(
    () => assertTensorClose(tensorOf(new Float32Array([1, 2, 3.5, 100]), [2, 2]), e, { atol: 1e-3, rtol: 0 }),
    /1 of 4 values differ.*flat index 2/,
  );
});

test("dtype is checked before dims, dims before values", () => {
  const e = tensorOf(new Float32Array([1, 2]), [2]);
  assert.throws(
    () => assertTensorClose(tensorOf(BigInt64Array.from([1n, 2n]), [2]), e),
    /dtype int64, expected float32/,
  );
  assert.throws(() => assertTensorClose(tensorOf(new Float32Array([1, 2]), [1, 2]), e), /dims \[1,2\], expected \[2\]/);
});

test("int64 compares exactly and NaN only matches NaN", () => {
  const ids = tensorOf(BigInt64Array.from([5n, 7n]), [1, 2]);
  assertTensorClose(tensorOf(BigInt64Array.from([5n, 7n]), [1, 2]), ids);
  assert.throws(
    () => assertTensorClose(tensorOf(BigInt64Array.from([5n, 8n]), [1, 2]), ids, { atol: 10, rtol: 10 }),
    /exact equality/,
  );
  assert.throws(() =>
    assertTensorClose(tensorOf(new Float32Array([NaN]), [1]), tensorOf(new Float32Array([0]), [1]), {
      atol: 1e9,
      rtol: 0,
    }),
  );
});

test("fixture JSON with nested data is flattened row-major", () => {
  const t = tensorFromJson({
    dtype: "int64",
    shape: [2, 2],
    data: [
      [1, 2],
      [3, 4],
    ],
  });
  assert.equal(t.dtype, "int64");
  assert.deepEqual([...(t.data as BigInt64Array)], [1n, 2n, 3n, 4n]);
  assert.throws(() => tensorFromJson({ dtype: "float32", data: [1] }), /"shape" must be an array/);
});
