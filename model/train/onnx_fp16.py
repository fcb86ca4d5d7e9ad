"""Weight-only fp16 storage for ONNX graphs: fp16 initialisers + one Cast back to fp32 each.

ONNX Runtime folds the Casts at load, so run time is unchanged and files are about half the size.
To keep the golden fixtures exact, export.py rounds the torch weights to
fp16 *before* exporting and computing fixtures (round_module_to_fp16), so torch and ORT see identical weights.
"""

from __future__ import annotations

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

MIN_ELEMENTS = 64  # small tensors (biases of tiny layers, scalars) stay fp32: no size gain, fewer nodes


@torch.no_grad()
def round_module_to_fp16(module: torch.nn.Module) -> None:
    """Fold BatchNorm into the preceding convs (semantic.fuse_batchnorm), then round every float parameter and
    buffer with >= MIN_ELEMENTS elements to the nearest fp16 value: what the exported graph computes."""
    from .semantic import fuse_batchnorm

    fuse_batchnorm(module)
    for t in list(module.parameters()) + list(module.buffers()):
        if t.is_floating_point() and t.numel() >= MIN_ELEMENTS:
            t.copy_(t.half().float())


def convert_initializers_to_fp16(path: str) -> int:
    """Rewrite the ONNX file at `path` in place; returns how many initialisers were converted."""
    model = onnx.load(path)
    graph = model.graph
    casts, keep, converted = [], [], 0
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type != onnx.TensorProto.FLOAT or arr.size < MIN_ELEMENTS:
            keep.append(init)
            continue
        half = arr.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), arr):
            if init.name.startswith("onnx::"):
                # a constant the exporter folded from rounded weights (e.g. softmax of pooling logits): its value
                # is not a weight, so it stays fp32 and the graph computes what the rounded torch module computes
                keep.append(init)
                continue
            raise ValueError(f"initialiser {init.name} is not fp16-exact; call round_module_to_fp16 before export")
        keep.append(numpy_helper.from_array(half, init.name + "_fp16"))
        casts.append(
            helper.make_node(
                "Cast", [init.name + "_fp16"], [init.name], to=onnx.TensorProto.FLOAT, name=f"cast_{init.name}"
            )
        )
        converted += 1
    del graph.initializer[:]
    graph.initializer.extend(keep)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return converted
