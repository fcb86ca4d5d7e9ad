"""A LLaMA language model in the two formats that serving engines load, from Hugging Face-named weights.

- A Hugging Face `LlamaForCausalLM` folder (what `vllm serve <folder>` and SGLang load): config.json,
  model.safetensors, tokenizer.json, tokenizer_config.json, generation_config.json.
- A GGUF file (what llama.cpp's `llama-server -m` loads): architecture `llama`, the tokenizer as llama.cpp's SPM
  ("llama") vocabulary with the same ids, scores and token types, bos/eos/unk/pad ids.

Both writers take the weights under Hugging Face's LlamaForCausalLM names (`model.layers.{i}.self_attn.q_proj.weight`,
...) and a LLaMA-layout tokenizer.json (SentencePiece-style BPE with byte fallback; added tokens after the base
vocabulary). Used by SEED-mini's export (export_serving.py) and by the real-SEED exporter (model/export_seed).

GGUF conventions follow llama.cpp's own converter (convert_hf_to_gguf.py, LlamaModel): tensor names
`token_embd`, `blk.{i}.attn_q`, ...; q/k projections permuted from Hugging Face's half-split RoPE layout to GGML's
interleaved pairs; 1-d tensors (norms) always float32.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

# Hugging Face LlamaForCausalLM name -> GGUF name ({i}: the layer)
GGUF_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
    "model.layers.{i}.input_layernorm.weight": "blk.{i}.attn_norm.weight",
    "model.layers.{i}.self_attn.q_proj.weight": "blk.{i}.attn_q.weight",
    "model.layers.{i}.self_attn.k_proj.weight": "blk.{i}.attn_k.weight",
    "model.layers.{i}.self_attn.v_proj.weight": "blk.{i}.attn_v.weight",
    "model.layers.{i}.self_attn.o_proj.weight": "blk.{i}.attn_output.weight",
    "model.layers.{i}.post_attention_layernorm.weight": "blk.{i}.ffn_norm.weight",
    "model.layers.{i}.mlp.gate_proj.weight": "blk.{i}.ffn_gate.weight",
    "model.layers.{i}.mlp.up_proj.weight": "blk.{i}.ffn_up.weight",
    "model.layers.{i}.mlp.down_proj.weight": "blk.{i}.ffn_down.weight",
}
_LAYER = re.compile(r"^model\.layers\.(\d+)\.")


def gguf_name(hf_name: str) -> str:
    m = _LAYER.match(hf_name)
    key = _LAYER.sub("model.layers.{i}.", hf_name) if m else hf_name
    if key not in GGUF_NAMES:
        raise KeyError(f"no GGUF name for weight {hf_name!r} (a LLaMA has only {sorted(GGUF_NAMES)})")
    return GGUF_NAMES[key].replace("{i}", m.group(1)) if m else GGUF_NAMES[key]


def rope_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """q/k projection rows from Hugging Face's half-split RoPE layout (rotate_half) to GGML's interleaved pairs
    (llama.cpp's converter does the same). w: [n_head * head_dim, in]."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def rope_unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """The inverse of rope_permute (for checking a GGUF file against its source)."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama_config(
    *,
    vocab_size: int,
    hidden_size: int,
    intermediate_size: int,
    num_layers: int,
    num_heads: int,
    num_kv_heads: int,
    max_position_embeddings: int,
    rms_norm_eps: float,
    rope_theta: float,
    bos_token_id: int,
    eos_token_id: int,
    pad_token_id: int | None,
    dtype: str,
) -> dict[str, Any]:
    """config.json of a LlamaForCausalLM (untied head, no biases). RoPE is written both ways: `rope_parameters`
    (transformers 5) and `rope_theta` (transformers 4, which vLLM releases still pin)."""
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": vocab_size,
        "hidden_size": hidden_size,
        "intermediate_size": intermediate_size,
        "num_hidden_layers": num_layers,
        "num_attention_heads": num_heads,
        "num_key_value_heads": num_kv_heads,
        "head_dim": hidden_size // num_heads,
        "hidden_act": "silu",
        "max_position_embeddings": max_position_embeddings,
        "rms_norm_eps": rms_norm_eps,
        "rope_theta": rope_theta,
        "rope_parameters": {"rope_type": "default", "rope_theta": rope_theta},
        "attention_bias": False,
        "attention_dropout": 0.0,
        "mlp_bias": False,
        "tie_word_embeddings": False,
        "bos_token_id": bos_token_id,
        "eos_token_id": eos_token_id,
        "pad_token_id": pad_token_id,
        "use_cache": True,
        "torch_dtype": dtype,
        "dtype": dtype,
    }


def jinja_chat_template(t: dict[str, str]) -> str:
    """A package's chat template (seed.json's {system, user_prefix, assistant_prefix, turn_separator}) as the Jinja
    string of tokenizer_config.json, for engines' /v1/chat/completions. Text messages only: SEED's images are
    `<img>` + image tokens + `</img>` inside the content. The kernel sends token ids to /v1/completions instead."""

    def lit(x: str) -> str:
        return "{{ " + json.dumps(x) + " }}" if x else ""

    return (
        "{{ bos_token }}" + lit(t.get("system", "")) + "{% for m in messages %}"
        "{% if m['role'] == 'user' %}{% if not loop.first %}"
        + lit(t["turn_separator"])
        + "{% endif %}"
        + lit(t["user_prefix"])
        + "{{ m['content'] }}"
        "{% elif m['role'] == 'assistant' %}" + lit(t["assistant_prefix"]) + "{{ m['content'] }}{% endif %}"
        "{% endfor %}{% if add_generation_prompt %}" + lit(t["assistant_prefix"]) + "{% endif %}"
    )


def write_hf_folder(
    out: Path,
    config: dict[str, Any],
    state_dict: dict[str, torch.Tensor],
    tokenizer_json: Path,
    tokenizer_config: dict[str, Any],
    generation_config: dict[str, Any],
) -> list[str]:
    """Writes the Hugging Face folder; weights in config["torch_dtype"]. Returns the file names written."""
    from safetensors.torch import save_file

    dtype = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[config["torch_dtype"]]
    expected = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"} | {
        k.replace("{i}", str(i)) for k in GGUF_NAMES if "{i}" in k for i in range(config["num_hidden_layers"])
    }
    if set(state_dict) != expected:
        raise KeyError(
            f"weights do not match a {config['num_hidden_layers']}-layer LlamaForCausalLM: "
            f"missing {sorted(expected - set(state_dict))}, unexpected {sorted(set(state_dict) - expected)}"
        )
    out.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to(dtype).contiguous() for k, v in state_dict.items()}
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    shutil.copyfile(tokenizer_json, out / "tokenizer.json")
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n")
    (out / "generation_config.json").write_text(json.dumps(generation_config, indent=2) + "\n")
    return ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"]


def gguf_vocab(tokenizer_json: Path) -> tuple[list[str], list[float], list[int]]:
    """(tokens, scores, token types) by id from a LLaMA-layout tokenizer.json, in llama.cpp's SPM conventions:
    `<unk>` UNKNOWN; the base vocabulary's special tokens (`<s>`, `</s>`) CONTROL; `<0xNN>` BYTE; tokens added after
    the base vocabulary (SEED's `<img_NNNNN>`, `<img>`, `</img>`; SEED-LLaMA marks them special, SEED-mini does not)
    USER_DEFINED, which llama.cpp matches whole in text and returns verbatim as text (a CONTROL token would come back
    as an empty string); BPE pieces NORMAL with score -id (merges are ranked by the id of the merged piece, so a higher score is an
    earlier merge, as in a SentencePiece model)."""
    from gguf import TokenType

    tj = json.loads(tokenizer_json.read_text())
    model = tj["model"]
    if model.get("type") != "BPE" or not model.get("byte_fallback"):
        raise ValueError(f"{tokenizer_json} is not a LLaMA-style BPE with byte fallback (model {model.get('type')})")
    by_id: dict[int, tuple[str, float, int]] = {}
    for piece, i in model["vocab"].items():
        if piece == model.get("unk_token", "<unk>"):
            by_id[i] = (piece, 0.0, int(TokenType.UNKNOWN))
        elif re.fullmatch(r"<0x[0-9A-F]{2}>", piece):
            by_id[i] = (piece, 0.0, int(TokenType.BYTE))
        else:
            by_id[i] = (piece, -float(i), int(TokenType.NORMAL))
    base = len(model["vocab"])
    for t in tj.get("added_tokens", []):
        if t["content"] == model.get("unk_token", "<unk>"):
            kind = TokenType.UNKNOWN
        elif t["id"] < base and t["special"]:
            kind = TokenType.CONTROL
        else:
            kind = TokenType.USER_DEFINED
        by_id[t["id"]] = (t["content"], 0.0, int(kind))
    n = max(by_id) + 1
    gaps = [i for i in range(n) if i not in by_id]
    if gaps:
        raise ValueError(f"{tokenizer_json}: ids {gaps[:10]} have no token (the vocabulary must be dense)")
    return [by_id[i][0] for i in range(n)], [by_id[i][1] for i in range(n)], [by_id[i][2] for i in range(n)]


def write_gguf(
    path: Path,
    name: str,
    config: dict[str, Any],
    state_dict: dict[str, torch.Tensor],
    tokenizer_json: Path,
    add_bos: bool = True,
    dtype: str = "float32",
) -> None:
    """Writes a llama-architecture GGUF: 2-d weights in `dtype` (float32 or float16), norms in float32."""
    import gguf

    if dtype not in ("float32", "float16"):
        raise ValueError(f"GGUF dtype must be float32 or float16, got {dtype!r}")
    tokens, scores, types = gguf_vocab(tokenizer_json)
    if len(tokens) != config["vocab_size"]:
        raise ValueError(
            f"{tokenizer_json} holds {len(tokens)} tokens, the model's vocabulary is {config['vocab_size']}"
        )
    n_head, n_kv = config["num_attention_heads"], config["num_key_value_heads"]
    path.parent.mkdir(parents=True, exist_ok=True)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name(name)
    w.add_context_length(config["max_position_embeddings"])
    w.add_embedding_length(config["hidden_size"])
    w.add_block_count(config["num_hidden_layers"])
    w.add_feed_forward_length(config["intermediate_size"])
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_rope_dimension_count(config["head_dim"])
    w.add_rope_freq_base(float(config["rope_theta"]))
    w.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))
    w.add_vocab_size(config["vocab_size"])
    w.add_file_type(gguf.LlamaFileType.ALL_F32 if dtype == "float32" else gguf.LlamaFileType.MOSTLY_F16)
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(config["bos_token_id"])
    w.add_eos_token_id(config["eos_token_id"])
    w.add_unk_token_id(0)
    if config.get("pad_token_id") is not None:
        w.add_pad_token_id(config["pad_token_id"])
    w.add_add_bos_token(add_bos)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(True)
    np_dtype = np.float32 if dtype == "float32" else np.float16
    for hf, t in state_dict.items():
        a = t.detach().to(torch.float32).numpy()
        if hf.endswith("q_proj.weight"):
            a = rope_permute(a, n_head)
        elif hf.endswith("k_proj.weight"):
            a = rope_permute(a, n_kv)
        w.add_tensor(gguf_name(hf), np.ascontiguousarray(a.astype(np_dtype if a.ndim == 2 else np.float32)))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
