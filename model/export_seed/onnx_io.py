"""ONNX export helpers: one torch module -> one .onnx file (opset 17), with its weights in an external data file
`<name>.onnx.data` when the graph is larger than the threshold (2 GB, protobuf's limit, by default); file sizes and
sha256 for the manifest."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import onnx
import torch
from torch import nn

OPSET = 17
PROTOBUF_LIMIT = 2 * 1024**3 - 64 * 1024**2  # a margin under 2 GiB for the graph itself


def export(
    module: nn.Module,
    args: tuple,
    path: Path,
    input_names: list[str],
    output_names: list[str],
    dynamic_axes: dict[str, dict[int, str]],
    external_threshold: int = PROTOBUF_LIMIT,
) -> list[Path]:
    """Exports `module(*args)` to `path` and returns the files written (the .onnx, and its .data when external)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = path.with_name(path.name + ".data")
    for stale in (path, data):
        stale.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        raw = Path(tmp) / "graph.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                args,
                str(raw),
                input_names=input_names,
                output_names=output_names,
                dynamic_axes=dynamic_axes,
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
        model = onnx.load(str(raw), load_external_data=True)
        weight_bytes = sum(len(t.raw_data) for t in model.graph.initializer)
        if weight_bytes > external_threshold:
            onnx.save_model(
                model,
                str(path),
                save_as_external_data=True,
                all_tensors_to_one_file=True,
                location=data.name,
                size_threshold=1024,
            )
            return [path, data]
        onnx.save_model(model, str(path))
        return [path]
