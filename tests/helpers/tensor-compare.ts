// The one tensor-compare helper of the test suites (STYLE.md habit 6, onnxruntime's assertTensorEqual): checks dtype,
// then dims, then values within atol + rtol * |expected|, and on failure says where the worst mismatch is.
// Integer dtypes (int64/int32) are compared exactly. Also reads fixture tensors written by the Python side.

import assert from "node:assert/strict";

export type TensorDtypeName = "float32" | "float64" | "int64" | "int32" | "uint8";

export interface TensorLike {
  readonly dtype: TensorDtypeName;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number> | BigInt64Array;
}

/** Wraps typed arrays from the runtime (Float32Array -> float32, BigInt64Array -> int64, ...). */
export function tensorOf(
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array,
  dims: readonly number[],
): TensorLike {
  const dtype: TensorDtypeName =
    data instanceof Float32Array
      ? "float32"
      : data instanceof Float64Array
        ? "float64"
        : data instanceof BigInt64Array
          ? "int64"
          : data instanceof Int32Array
            ? "int32"
            : "uint8";
  return { dtype, dims, data };
}

/**
 * A fixture tensor in JSON: {"dtype": "float32", "shape": [...], "data": [...]} (data flat, row-major, or nested
 * arrays, which are flattened). "dims" is accepted for "shape".
 */
export function tensorFromJson(json: unknown, what = "fixture tensor"): TensorLike {
  if (typeof json !== "object" || json === null)
    throw new Error(`${what}: expected an object {dtype, shape, data}, got ${typeof json}`);
  const o = json as { dtype?: unknown; shape?: unknown; dims?: unknown; data?: unknown };
  const dims = (o.shape ?? o.dims) as number[] | undefined;
  if (!Array.isArray(dims)) throw new Error(`${what}: "shape" must be an array of integers`);
  if (!Array.isArray(o.data)) throw new Error(`${what}: "data" must be an array`);
  const flat = (o.data as unknown[]).flat(Infinity) as number[];
  const dtype = (typeof o.dtype === "string" ? o.dtype : "float32") as TensorDtypeName;
  if (dtype === "int64") return { dtype, dims, data: BigInt64Array.from(flat, (v) => BigInt(v)) };
  if (dtype === "float32") return { dtype, dims, data: Float32Array.from(flat) };
  return { dtype, dims, data: flat };
}

export function assertTensorClose(
  actual: TensorLike,
  expected: TensorLike,
  tol: { atol: number; rtol: number } = { atol: 1e-5, rtol: 1e-4 },
  label = "tensor",
): void {
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype ${actual.dtype}, expected ${expected.dtype}`);
  assert.deepEqual(
    [...actual.dims],
    [...expected.dims],
    `${label}: dims [${actual.dims.join(",")}], expected [${expected.dims.join(",")}]`,
  );
  const n = expected.dims.reduce((a, b) => a * b, 1);
  assert.equal(
    actual.data.length,
    n,
    `${label}: ${actual.data.length} values for dims [${actual.dims.join(",")}] (expected ${n})`,
  );
  assert.equal(
    expected.data.length,
    n,
    `${label}: the expected tensor has ${expected.data.length} values for dims [${expected.dims.join(",")}]`,
  );
  const exact = actual.dtype === "int64" || actual.dtype === "int32" || actual.dtype === "uint8";
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const a = Number(actual.data[i]);
    const e = Number(expected.data[i]);
    const allowed = exact ? 0 : tol.atol + tol.rtol * Math.abs(e);
    const diff =
      Number.isNaN(a) || Number.isNaN(e) ? (Number.isNaN(a) && Number.isNaN(e) ? 0 : Infinity) : Math.abs(a - e);
    if (diff > allowed) {
      bad++;
      if (diff - allowed > worstExcess || worst < 0) {
        worst = i;
        worstExcess = diff - allowed;
      }
    }
  }
  if (bad > 0) {
    assert.fail(
      `${label}: ${bad} of ${n} values differ beyond ${exact ? "exact equality" : `atol ${tol.atol} + rtol ${tol.rtol}`}; ` +
        `worst at flat index ${worst}: ${String(actual.data[worst])} vs expected ${String(expected.data[worst])}`,
    );
  }
}
