"""The manifest's `memory` block: what each component needs in host memory, estimated at export time.

weights_bytes: the initializers' bytes as stored (int8/fp16/fp32). activation_bytes: the four largest intermediate
tensors of one call at the stated batch (ONNX shape inference with the symbolic axes bound), a lower bound on ONNX
Runtime's working memory. For the language model, kv_bytes_per_position (keys + values of every layer) lets the
runtime add the cache at its context length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import shape_inference

ELEM = {
    onnx.TensorProto.FLOAT: 4,
    onnx.TensorProto.FLOAT16: 2,
    onnx.TensorProto.INT64: 8,
    onnx.TensorProto.INT32: 4,
    onnx.TensorProto.INT8: 1,
    onnx.TensorProto.UINT8: 1,
    onnx.TensorProto.BOOL: 1,
    onnx.TensorProto.DOUBLE: 8,
}


def weights_bytes(path: Path) -> int:
    model = onnx.load(str(path), load_external_data=False)
    total = 0
    for t in model.graph.initializer:
        n = int(np.prod(t.dims)) if t.dims else 1
        total += n * ELEM.get(t.data_type, 4)
    return total


def activation_bytes(path: Path, dims: dict[str, int], top: int = 4) -> int:
    """Sum of the `top` largest intermediate tensors with the symbolic dims bound to `dims`."""
    model = onnx.load(str(path), load_external_data=False)
    for vi in list(model.graph.input) + list(model.graph.output):
        for d in vi.type.tensor_type.shape.dim:
            name = d.dim_param
            if name in dims:
                d.ClearField("dim_param")
                d.dim_value = dims[name]
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    sizes = []
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        shape = vi.type.tensor_type.shape
        if not shape.dim or any(not d.HasField("dim_value") for d in shape.dim):
            continue
        sizes.append(int(np.prod([d.dim_value for d in shape.dim])) * ELEM.get(vi.type.tensor_type.elem_type, 4))
    return int(sum(sorted(sizes, reverse=True)[:top]))
