"""torch -> ONNX wrappers for the six SEED-mini components, and the ONNX export itself (opset 17, dynamic batch).

I/O names and shapes are the contract of model/FORMAT.md; COMPONENT_IO below is written into seed.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .autoencoder import Decoder, Encoder
from .denoiser import Denoiser
from .seed_mini import SeedMini

OPSET = 17


class EncoderGraph(nn.Module):
    def __init__(self, m: SeedMini) -> None:
        super().__init__()
        self.m = m

    def forward(self, pixel_values: Tensor) -> tuple[Tensor, Tensor]:
        return self.m.encode(pixel_values)  # [B, 32, D], [B, 32, 64]


class QuantizerGraph(nn.Module):
    def __init__(self, m: SeedMini) -> None:
        super().__init__()
        self.encode_task_layer, self.quantizer = m.encode_task_layer, m.quantizer

    def forward(self, causal_embeddings: Tensor) -> Tensor:
        return self.quantizer.ids(self.encode_task_layer(causal_embeddings))  # int64 [B, 32]


class DetokenizerGraph(nn.Module):
    def __init__(self, m: SeedMini) -> None:
        super().__init__()
        self.codebook = m.quantizer.embedding
        self.detokenizer = m.detokenizer

    def forward(self, ids: Tensor, token_mask: Tensor) -> Tensor:
        codes = F.embedding(ids, self.codebook)  # [B, 32, C]
        return self.detokenizer.embed(self.detokenizer.hidden(codes, token_mask))  # [B, E]


def component_io(d: int, n: int, grid: int, e: int, c: int, h: int, w: int, size: int) -> dict[str, Any]:
    def t(name: str, dtype: str, *shape: Any) -> dict[str, Any]:
        return {"name": name, "dtype": dtype, "shape": ["batch", *shape]}

    return {
        "encoder": (
            [t("pixel_values", "float32", 3, size, size)],
            [t("causal_embeddings", "float32", n, d), t("attention_maps", "float32", n, grid * grid)],
        ),
        "quantizer": ([t("causal_embeddings", "float32", n, d)], [t("ids", "int64", n)]),
        "detokenizer": (
            [t("ids", "int64", n), t("token_mask", "float32", n)],
            [t("generation_embedding", "float32", e)],
        ),
        "denoiser": (
            [t("sample", "float32", c, h, w), t("timestep", "float32"), t("generation_embedding", "float32", e)],
            [t("out_sample", "float32", c, h, w)],
        ),
        "latent_decoder": ([t("latent_sample", "float32", c, h, w)], [t("sample", "float32", 3, size, size)]),
        "latent_encoder": ([t("sample", "float32", 3, size, size)], [t("latent", "float32", c, h, w)]),
    }


def export_onnx(
    module: nn.Module, inputs: tuple[Tensor, ...], io: tuple[list[dict[str, Any]], list[dict[str, Any]]], path: Path
) -> None:
    ins, outs = [x["name"] for x in io[0]], [x["name"] for x in io[1]]
    module.eval()
    # dynamo=False: the TorchScript exporter (torch >= 2.9 defaults to the torch.export one, which needs onnxscript);
    # it names initialisers after the module's parameters, which model/train/package_weights.py relies on.
    with torch.no_grad():
        torch.onnx.export(
            module,
            inputs,
            str(path),
            opset_version=OPSET,
            input_names=ins,
            output_names=outs,
            dynamic_axes={name: {0: "batch"} for name in ins + outs},
            do_constant_folding=True,
            dynamo=False,
        )


def graphs(tok: SeedMini, enc: Encoder, dec: Decoder, den: Denoiser) -> dict[str, nn.Module]:
    return {
        "encoder": EncoderGraph(tok),
        "quantizer": QuantizerGraph(tok),
        "detokenizer": DetokenizerGraph(tok),
        "denoiser": den,
        "latent_decoder": dec,
        "latent_encoder": enc,
    }
