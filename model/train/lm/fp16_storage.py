"""Weight-only fp16 storage for an ONNX graph: fp16 initialisers + a Cast to fp32 (ORT folds it at load).

Only float32 initialisers that are exactly representable in fp16 are converted, so a model whose weights were
rounded to fp16 before export (export.py does that) computes exactly what the fp32 graph computes: the
ORT-vs-PyTorch parity test keeps its 1e-4 tolerance. Everything else (e.g. RoPE tables) stays fp32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MIN_ELEMENTS = 1024  # small tensors (norm weights, scalars) are not worth a Cast node


def to_fp16_storage(src: Path, dst: Path) -> tuple[int, int]:
    """Rewrite src into dst; returns (converted initialisers, kept fp32 initialisers)."""
    model = onnx.load(str(src))
    g = model.graph
    keep, casts, converted, kept = [], [], 0, 0
    for init in g.initializer:
        w = numpy_helper.to_array(init)
        if (
            init.data_type == TensorProto.FLOAT
            and w.size >= MIN_ELEMENTS
            and np.array_equal(w.astype(np.float16).astype(np.float32), w)
        ):
            half = numpy_helper.from_array(w.astype(np.float16), init.name + "_fp16")
            keep.append(half)
            casts.append(
                helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT, name=f"cast_fp16_{init.name}")
            )
            converted += 1
        else:
            keep.append(init)
            kept += int(init.data_type == TensorProto.FLOAT)
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return converted, kept
