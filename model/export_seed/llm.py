"""SEED-LLaMA (transformers' LlamaForCausalLM) as one ONNX graph with Optimum's names and an explicit KV cache:

    input_ids int64 [batch, sequence_length], attention_mask int64 [batch, total_sequence_length],
    position_ids int64 [batch, sequence_length], past_key_values.{i}.key|value [batch, H_kv, past_sequence_length, Dh]
 -> logits f32 [batch, sequence_length, V], present.{i}.key|value [batch, H_kv, total_sequence_length, Dh]

An empty past is the prefill. The cache dtype is the model's (float32, or float16 with --llm-dtype float16); logits
are float32 either way. The causal + padding mask is built in the graph as a 4D additive mask, which transformers
passes through unchanged to its eager attention.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn
from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM

from .onnx_io import PROTOBUF_LIMIT, export


def load_llm(folder: Path, dtype: torch.dtype = torch.float32) -> LlamaForCausalLM:
    cfg_path = folder / "config.json"
    if not cfg_path.exists():
        raise FileNotFoundError(
            f"{folder}: no config.json; expected a transformers LlamaForCausalLM folder (seed-llama-8b-sft)"
        )
    cfg = LlamaConfig.from_pretrained(str(folder))
    if "LlamaForCausalLM" not in (cfg.architectures or ["LlamaForCausalLM"]):
        raise ValueError(f"{cfg_path}: architectures {cfg.architectures}, expected LlamaForCausalLM")
    model = LlamaForCausalLM.from_pretrained(str(folder), dtype=dtype, attn_implementation="eager")
    return model.eval()


class _Flat(nn.Module):
    def __init__(self, model: LlamaForCausalLM) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor, position_ids: Tensor, *past: Tensor
    ) -> tuple[Tensor, ...]:
        n = len(past) // 2
        cache = DynamicCache(ddp_cache_data=[(past[2 * i], past[2 * i + 1]) for i in range(n)])
        s, total = input_ids.shape[1], attention_mask.shape[1]
        q_pos = torch.arange(s, device=input_ids.device) + (total - s)
        k_pos = torch.arange(total, device=input_ids.device)
        allowed = (k_pos[None, :] <= q_pos[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
        dtype = self.model.dtype
        mask = torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)
        out = self.model(
            input_ids=input_ids, attention_mask=mask, position_ids=position_ids, past_key_values=cache, use_cache=True
        )
        flat: list[Tensor] = [out.logits.float()]
        for layer in out.past_key_values.layers:
            flat += [layer.keys, layer.values]
        return tuple(flat)


def kv_layout(model: LlamaForCausalLM) -> tuple[int, int, int]:
    c = model.config
    head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
    return c.num_hidden_layers, c.num_key_value_heads or c.num_attention_heads, head_dim


def io_names(layers: int) -> tuple[list[str], list[str]]:
    ins = ["input_ids", "attention_mask", "position_ids"]
    outs = ["logits"]
    for i in range(layers):
        ins += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
        outs += [f"present.{i}.key", f"present.{i}.value"]
    return ins, outs


def export_llm(
    model: LlamaForCausalLM, path: Path, external_threshold: int = PROTOBUF_LIMIT
) -> tuple[list[Path], list[dict], list[dict]]:
    """Exports the graph; returns the files and the manifest's inputs/outputs."""
    layers, heads, dh = kv_layout(model)
    kv_dtype = "float16" if model.dtype == torch.float16 else "float32"
    b, s, p = 1, 3, 2  # a non-empty past when tracing, so every axis stays dynamic
    ids = torch.randint(0, model.config.vocab_size, (b, s))
    mask = torch.ones(b, p + s, dtype=torch.int64)
    pos = torch.arange(p, p + s).unsqueeze(0)
    past = [torch.randn(b, heads, p, dh, dtype=model.dtype) for _ in range(2 * layers)]
    ins, outs = io_names(layers)
    dyn: dict[str, dict[int, str]] = {
        "input_ids": {0: "batch", 1: "sequence_length"},
        "attention_mask": {0: "batch", 1: "total_sequence_length"},
        "position_ids": {0: "batch", 1: "sequence_length"},
        "logits": {0: "batch", 1: "sequence_length"},
    }
    for i in range(layers):
        for kv in ("key", "value"):
            dyn[f"past_key_values.{i}.{kv}"] = {0: "batch", 2: "past_sequence_length"}
            dyn[f"present.{i}.{kv}"] = {0: "batch", 2: "total_sequence_length"}
    files = export(_Flat(model), (ids, mask, pos, *past), path, ins, outs, dyn, external_threshold)
    v = model.config.vocab_size
    spec_in = [
        {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence_length"]},
        {"name": "attention_mask", "dtype": "int64", "shape": ["batch", "total_sequence_length"]},
        {"name": "position_ids", "dtype": "int64", "shape": ["batch", "sequence_length"]},
    ]
    spec_out = [{"name": "logits", "dtype": "float32", "shape": ["batch", "sequence_length", v]}]
    for i in range(layers):
        for kv in ("key", "value"):
            spec_in.append(
                {
                    "name": f"past_key_values.{i}.{kv}",
                    "dtype": kv_dtype,
                    "shape": ["batch", heads, "past_sequence_length", dh],
                }
            )
            spec_out.append(
                {"name": f"present.{i}.{kv}", "dtype": kv_dtype, "shape": ["batch", heads, "total_sequence_length", dh]}
            )
    return files, spec_in, spec_out


def reference_logits(model: LlamaForCausalLM, ids: list[int]) -> tuple[Tensor, Tensor]:
    """transformers' own forward (no export wrapper): logits of a prefill of ids[:-1] and of one cached step ids[-1]."""
    with torch.no_grad():
        first = model(input_ids=torch.tensor([ids[:-1]]), use_cache=True)
        step = model(input_ids=torch.tensor([ids[-1:]]), past_key_values=first.past_key_values, use_cache=True)
    return first.logits[0].float(), step.logits[0].float()
