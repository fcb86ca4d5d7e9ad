"""SEED-LLaMA in the formats serving engines load (--hf-out, --gguf-out): the Hugging Face LlamaForCausalLM folder
that `vllm serve` takes, and a GGUF file for llama.cpp's llama-server, with the package's tokenizer (image tokens
at SEED-LLaMA's ids), chat template and generation defaults. The writers are SEED-mini's
(model/train/lm/serving_formats.py); SEED-LLaMA is already a LlamaForCausalLM, so its weights keep their names.
"""

from __future__ import annotations

import json
from pathlib import Path

from transformers import LlamaForCausalLM

from model.train.lm.serving_formats import jinja_chat_template, llama_config, write_gguf, write_hf_folder


def serving_config(model: LlamaForCausalLM, dtype: str) -> dict:
    c = model.config
    rope = getattr(c, "rope_parameters", None) or {}
    return llama_config(
        vocab_size=c.vocab_size,
        hidden_size=c.hidden_size,
        intermediate_size=c.intermediate_size,
        num_layers=c.num_hidden_layers,
        num_heads=c.num_attention_heads,
        num_kv_heads=c.num_key_value_heads or c.num_attention_heads,
        max_position_embeddings=c.max_position_embeddings,
        rms_norm_eps=c.rms_norm_eps,
        rope_theta=float(rope.get("rope_theta", getattr(c, "rope_theta", 10000.0))),
        bos_token_id=1,
        eos_token_id=2,  # SEED-LLaMA 8B's config says 1 (a Vicuna artefact); its chats end with </s>, id 2
        pad_token_id=0,
        dtype=dtype,
    )


def write_serving(
    model: LlamaForCausalLM,
    pkg: Path,
    chat_template: dict,
    name: str,
    dtype: str,
    hf_out: Path | None,
    gguf_out: Path | None,
) -> list[Path]:
    """Writes what was asked for from the loaded model and the package's tokenizer files (pkg: the package folder,
    with tokenizer.json, tokenizer_config.json and generation_config.json written). Returns the paths written."""
    config = serving_config(model, dtype)
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("rotary_emb.inv_freq")}
    written = []
    if hf_out is not None:
        tok_config = json.loads((pkg / "tokenizer_config.json").read_text())
        tok_config["chat_template"] = jinja_chat_template(chat_template)
        gen = json.loads((pkg / "generation_config.json").read_text())
        write_hf_folder(hf_out, config, state, pkg / "tokenizer.json", tok_config, gen)
        written.append(hf_out)
    if gguf_out is not None:
        write_gguf(gguf_out, name, config, state, pkg / "tokenizer.json", dtype=dtype)
        written.append(gguf_out)
    return written
