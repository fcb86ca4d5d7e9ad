"""Weight-only int8 for the language model on CPU: every MatMul with a constant weight becomes ONNX Runtime's
MatMulNBits (8 bits, symmetric, blocks of 32 along K); activations, the KV cache and the embedding stay float."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

from .onnx_io import PROTOBUF_LIMIT


def quantize_int8(src: Path, dst: Path, external_threshold: int = PROTOBUF_LIMIT) -> list[Path]:
    model = onnx.load(str(src), load_external_data=True)
    q = MatMulNBitsQuantizer(model, algo_config=DefaultWeightOnlyQuantConfig(block_size=32, is_symmetric=True, bits=8))
    q.process()
    out = q.model.model
    data = dst.with_name(dst.name + ".data")
    data.unlink(missing_ok=True)
    if sum(len(t.raw_data) for t in out.graph.initializer) > external_threshold:
        onnx.save_model(
            out,
            str(dst),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=data.name,
            size_threshold=1024,
        )
        return [dst, data]
    onnx.save_model(out, str(dst))
    return [dst]
