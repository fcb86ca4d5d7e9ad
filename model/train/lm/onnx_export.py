"""Export the SEED-mini LM to ONE ONNX graph (opset 17) with Hugging Face Optimum's names and a KV cache.

    input_ids int64 [batch, sequence_length]
    attention_mask int64 [batch, total_sequence_length]            (= past_sequence_length + sequence_length)
    position_ids int64 [batch, sequence_length]
    past_key_values.{i}.key / .value f32 [batch, H, past_sequence_length, Dh]   i = 0..L-1
 -> logits f32 [batch, sequence_length, V], present.{i}.key / .value f32 [batch, H, total_sequence_length, Dh]

An empty past (past_sequence_length = 0) is the prefill; the same graph decodes with a past.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from .model import SeedMiniLM

OPSET = 17


def input_names(n_layers: int) -> list[str]:
    names = ["input_ids", "attention_mask", "position_ids"]
    for i in range(n_layers):
        names += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
    return names


def output_names(n_layers: int) -> list[str]:
    names = ["logits"]
    for i in range(n_layers):
        names += [f"present.{i}.key", f"present.{i}.value"]
    return names


class _Flat(nn.Module):
    """Flat positional inputs/outputs in the Optimum order, as torch.onnx.export wants them."""

    def __init__(self, model: SeedMiniLM) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: Tensor, attention_mask: Tensor, position_ids: Tensor, *past_flat: Tensor):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        flat: list[Tensor] = [logits]
        for k, v in presents:
            flat += [k, v]
        return tuple(flat)


def export_onnx(model: SeedMiniLM, path: Path) -> None:
    cfg = model.cfg
    model.eval()
    b, s, p = 1, 3, 2  # a non-empty past at trace time so that every axis is traced as dynamic
    ids = torch.randint(0, cfg.vocab_size, (b, s))
    mask = torch.ones(b, p + s, dtype=torch.int64)
    pos = torch.arange(p, p + s).unsqueeze(0)
    past = [torch.randn(b, cfg.n_heads, p, cfg.head_dim) for _ in range(2 * cfg.n_layers)]
    dyn: dict[str, dict[int, str]] = {
        "input_ids": {0: "batch", 1: "sequence_length"},
        "attention_mask": {0: "batch", 1: "total_sequence_length"},
        "position_ids": {0: "batch", 1: "sequence_length"},
        "logits": {0: "batch", 1: "sequence_length"},
    }
    for i in range(cfg.n_layers):
        for kv in ("key", "value"):
            dyn[f"past_key_values.{i}.{kv}"] = {0: "batch", 2: "past_sequence_length"}
            dyn[f"present.{i}.{kv}"] = {0: "batch", 2: "total_sequence_length"}
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            _Flat(model),
            (ids, mask, pos, *past),
            str(path),
            opset_version=OPSET,
            input_names=input_names(cfg.n_layers),
            output_names=output_names(cfg.n_layers),
            dynamic_axes=dyn,
            do_constant_folding=True,
            dynamo=False,
        )


def io_spec(model: SeedMiniLM) -> tuple[list[dict], list[dict]]:
    """The manifest's declared inputs/outputs (model/FORMAT.md component form)."""
    cfg = model.cfg
    h, dh = cfg.n_heads, cfg.head_dim
    inputs = [
        {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence_length"]},
        {"name": "attention_mask", "dtype": "int64", "shape": ["batch", "total_sequence_length"]},
        {"name": "position_ids", "dtype": "int64", "shape": ["batch", "sequence_length"]},
    ]
    outputs = [{"name": "logits", "dtype": "float32", "shape": ["batch", "sequence_length", cfg.vocab_size]}]
    for i in range(cfg.n_layers):
        for kv in ("key", "value"):
            inputs.append(
                {
                    "name": f"past_key_values.{i}.{kv}",
                    "dtype": "float32",
                    "shape": ["batch", h, "past_sequence_length", dh],
                }
            )
            outputs.append(
                {"name": f"present.{i}.{kv}", "dtype": "float32", "shape": ["batch", h, "total_sequence_length", dh]}
            )
    return inputs, outputs
