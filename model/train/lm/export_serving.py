"""SEED-mini's language model in the formats serving engines load: a Hugging Face LlamaForCausalLM folder (vLLM,
SGLang) and a GGUF file (llama.cpp's llama-server), from a model package's language_model.onnx and tokenizer.json.

SEED-mini's LM is exactly a LLaMA (RMSNorm, half-split RoPE, SwiGLU, no biases, untied head), so this is a renaming
of the graph's weights; the ids of every token (text, `<img_NNNNN>`, `<img>`, `</img>`) stay the same.

    .venv/bin/python -m model.train.lm.export_serving --out DIR [--package model/seed-mini] [--dtype float32]
        -> DIR/hf/{config.json, model.safetensors, tokenizer.json, tokenizer_config.json, generation_config.json}
           DIR/seed-mini-lm.gguf
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import onnx
import torch

from ..package_weights import load_module
from .model import LMConfig, SeedMiniLM
from .paths import PACKAGE_DIR
from .serving_formats import jinja_chat_template, llama_config, write_gguf, write_hf_folder

GGUF_NAME = "seed-mini-lm.gguf"


def load_package_lm(pkg: Path) -> tuple[SeedMiniLM, dict[str, Any]]:
    """The package's LM as a torch module (eval, float32) and seed.json's language_model block. Sizes come from
    seed.json; the MLP width from the graph's weights."""
    block = json.loads((pkg / "seed.json").read_text())["language_model"]
    d_model = block["num_kv_heads"] * block["head_dim"]
    widths = {
        d
        for init in onnx.load(str(pkg / "language_model.onnx")).graph.initializer
        if len(init.dims) == 2
        for d in init.dims
        if d not in (d_model, block["vocab_size"])
    }
    if len(widths) != 1:
        raise ValueError(f"{pkg}/language_model.onnx: cannot tell the MLP width from its weights (found {widths})")
    cfg = LMConfig(
        vocab_size=block["vocab_size"],
        d_model=d_model,
        n_layers=block["num_layers"],
        n_heads=block["num_kv_heads"],
        d_ff=widths.pop(),
        max_position_embeddings=block["max_position_embeddings"],
    )
    model = SeedMiniLM(cfg).eval()
    load_module(model, pkg / "language_model.onnx", prefix="model.")
    return model.requires_grad_(False), block


def hf_state_dict(model: SeedMiniLM) -> dict[str, torch.Tensor]:
    """SEED-mini's parameter names -> LlamaForCausalLM's."""
    out = {
        "model.embed_tokens.weight": model.embed.weight,
        "model.norm.weight": model.norm.weight,
        "lm_head.weight": model.lm_head.weight,
    }
    for i, b in enumerate(model.blocks):
        p = f"model.layers.{i}."
        out |= {
            p + "input_layernorm.weight": b.norm1.weight,
            p + "self_attn.q_proj.weight": b.attn.q.weight,
            p + "self_attn.k_proj.weight": b.attn.k.weight,
            p + "self_attn.v_proj.weight": b.attn.v.weight,
            p + "self_attn.o_proj.weight": b.attn.o.weight,
            p + "post_attention_layernorm.weight": b.norm2.weight,
            p + "mlp.gate_proj.weight": b.gate.weight,
            p + "mlp.up_proj.weight": b.up.weight,
            p + "mlp.down_proj.weight": b.down.weight,
        }
    return {k: v.detach().clone() for k, v in out.items()}


def token_id(tokenizer_json: Path, content: str) -> int:
    tj = json.loads(tokenizer_json.read_text())
    for t in tj["added_tokens"]:
        if t["content"] == content:
            return t["id"]
    if content in tj["model"]["vocab"]:
        return tj["model"]["vocab"][content]
    raise KeyError(f"{tokenizer_json} has no token {content!r}")


def export_serving(pkg: Path, out: Path, dtype: str = "float32") -> dict[str, Path]:
    """Writes out/hf/ and out/seed-mini-lm.gguf; returns their paths."""
    model, block = load_package_lm(pkg)
    tok_json = pkg / block["tokenizer"]
    cfg = model.cfg
    config = llama_config(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.d_model,
        intermediate_size=cfg.d_ff,
        num_layers=cfg.n_layers,
        num_heads=cfg.n_heads,
        num_kv_heads=cfg.n_heads,
        max_position_embeddings=cfg.max_position_embeddings,
        rms_norm_eps=cfg.norm_eps,
        rope_theta=cfg.rope_theta,
        bos_token_id=token_id(tok_json, block["bos_token"]),
        eos_token_id=token_id(tok_json, block["eos_token"]),
        pad_token_id=0,
        dtype=dtype,
    )
    tok_config = json.loads((pkg / block["tokenizer_config"]).read_text()) | {
        "chat_template": jinja_chat_template(block["chat_template"])
    }
    gen_config = json.loads((pkg / block["generation_config"]).read_text())
    state = hf_state_dict(model)
    write_hf_folder(out / "hf", config, state, tok_json, tok_config, gen_config)
    write_gguf(out / GGUF_NAME, "SEED-mini LM", config, state, tok_json, dtype=dtype)
    return {"hf": out / "hf", "gguf": out / GGUF_NAME}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package", type=Path, default=PACKAGE_DIR, help="model package folder (default: seed-mini)")
    ap.add_argument("--out", type=Path, required=True, help="output folder (hf/ and the .gguf go here)")
    ap.add_argument("--dtype", choices=("float32", "float16"), default="float32", help="weights (default float32)")
    args = ap.parse_args()
    paths = export_serving(args.package, args.out, args.dtype)
    size = sum(f.stat().st_size for f in paths["hf"].iterdir()) / 1e6
    print(f"wrote {paths['hf']} ({size:.1f} MB) and {paths['gguf']} ({paths['gguf'].stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
