"""Writes a real-SEED model package: the graphs (graphs.py, llm.py), scheduler_config.json, the LM's tokenizer and
generation config, and seed.json (model/FORMAT.md) with every file's bytes and sha256 and the `memory` block."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from model.train.seed_json import Part, write_seed_json

from . import graphs, memory
from .graphs import Component
from .llm import export_llm, kv_layout, load_llm
from .onnx_io import PROTOBUF_LIMIT
from .quantize_llm import quantize_int8
from .seed_tokenizer import load_seed_tokenizer
from .serving import write_serving
from .text_tokenizer import BOI, CHAT_TEMPLATES, EOI, IMAGE_TOKEN_FORMAT, TokenLayout, build_tokenizer, write_tokenizer
from .unclip import load_unclip

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
# SEED-LLaMA's inference scripts: sampling with temperature 1.0 and top_p 0.5.
GENERATION = {"do_sample": True, "temperature": 1.0, "top_p": 0.5, "num_beams": 1, "repetition_penalty": 1.0}


@dataclass
class ExportOptions:
    tokenizer: Path
    vit: Path | None
    unclip: Path
    llm: Path | None
    out: Path
    name: str = "SEED-LLaMA"
    vit_depth: int | None = None
    noise_level: int = 0
    scheduler: str = "as-is"  # as-is | ddim | pndm
    llm_dtype: str = "float32"  # float32 | float16
    llm_int8: bool = False
    chat_template: str = "vicuna"
    steps: int = 20
    guidance: float = 10.0
    external_threshold: int = PROTOBUF_LIMIT
    check: bool = True
    text_states: torch.Tensor | None = None  # tests: skip the CLIP text encoder
    hf_out: Path | None = None  # also write the LM as a Hugging Face LlamaForCausalLM folder (serving.py)
    gguf_out: Path | None = None  # also write the LM as a GGUF file (serving.py)


def log(msg: str) -> None:
    print(f"[export_seed] {msg}", flush=True)


def scheduler_config(src: dict, kind: str) -> dict:
    cfg = dict(src)
    if kind == "ddim":
        cfg["_class_name"] = "DDIMScheduler"
    elif kind == "pndm":
        cfg["_class_name"] = "PNDMScheduler"
        cfg["skip_prk_steps"] = True
    elif kind != "as-is":
        raise ValueError(f"--scheduler must be as-is, ddim or pndm, got {kind!r}")
    if cfg.get("_class_name") not in ("DDIMScheduler", "PNDMScheduler"):
        raise ValueError(f"scheduler {cfg.get('_class_name')!r} is not supported; pass --scheduler ddim or pndm")
    return cfg


def export_language_model(o: ExportOptions, out: Path) -> tuple[Component, dict, list[str]]:
    dtype = {"float32": torch.float32, "float16": torch.float16}[o.llm_dtype]
    model = load_llm(o.llm, dtype)
    layout = TokenLayout()
    if model.config.vocab_size != layout.vocab_size:
        raise ValueError(
            f"{o.llm}/config.json: vocab_size {model.config.vocab_size}, expected SEED-LLaMA's {layout.vocab_size}"
        )
    tok = build_tokenizer(o.llm, layout)
    ctx = int(model.config.max_position_embeddings)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        raw = Path(tmp) / "language_model.onnx"
        files, ins, outs = export_llm(model, raw, o.external_threshold)
        if o.check:
            check_llm(model, raw)
        target = out / "language_model.onnx"
        if o.llm_int8:
            files = quantize_int8(raw, target, o.external_threshold)
        else:
            moved = []
            for f in files:
                shutil.move(str(f), str(out / f.name))
                moved.append(out / f.name)
            files = moved
    layers, heads, dh = kv_layout(model)
    kv_bytes = 2 * layers * heads * dh * (2 if dtype == torch.float16 else 4)
    comp = Component("language_model", files, ins, outs, extra={"kv_bytes_per_position": kv_bytes})
    block = {
        "num_layers": layers,
        "num_kv_heads": heads,
        "head_dim": dh,
        "vocab_size": layout.vocab_size,
        "max_position_embeddings": ctx,
        "tokenizer": "tokenizer.json",
        "tokenizer_config": "tokenizer_config.json",
        "generation_config": "generation_config.json",
        "image_token_offset": layout.text_vocab,
        "image_token_format": IMAGE_TOKEN_FORMAT,
        "boi_token": BOI,
        "eoi_token": EOI,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "stop_tokens": ["</s>"],
        "chat_template": CHAT_TEMPLATES[o.chat_template],
    }
    written = write_tokenizer(tok, out, ctx)
    gen = {
        **GENERATION,
        "max_new_tokens": min(512, ctx // 2),
        "bos_token_id": 1,
        "eos_token_id": [2],
        "pad_token_id": 0,
    }
    (out / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n")
    if o.hf_out is not None or o.gguf_out is not None:
        chat = CHAT_TEMPLATES[o.chat_template]
        for p in write_serving(model, out, chat, o.name, o.llm_dtype, o.hf_out, o.gguf_out):
            log(f"  for serving engines: {p}")
    return comp, block, written + ["generation_config.json"]


def check_llm(model, path: Path, tol: float = 1e-4) -> None:
    from .llm import reference_logits

    layers, heads, dh = kv_layout(model)
    ids = [1, 3148, 1001, 29901, 32000, 40192, 35000, 40193, 13]
    ids = [i % model.config.vocab_size for i in ids]
    ref1, ref2 = reference_logits(model, ids)
    s = graphs.session(path)
    np_dtype = np.float16 if model.dtype == torch.float16 else np.float32
    feeds = {
        "input_ids": np.array([ids[:-1]]),
        "attention_mask": np.ones((1, len(ids) - 1), np.int64),
        "position_ids": np.arange(len(ids) - 1)[None],
    }
    for i in range(layers):
        for kv in ("key", "value"):
            feeds[f"past_key_values.{i}.{kv}"] = np.zeros((1, heads, 0, dh), np_dtype)
    names = [x.name for x in s.get_outputs()]
    o1 = s.run(None, feeds)
    f2 = {
        "input_ids": np.array([ids[-1:]]),
        "attention_mask": np.ones((1, len(ids)), np.int64),
        "position_ids": np.array([[len(ids) - 1]]),
    }
    for i in range(layers):
        for kv in ("key", "value"):
            f2[f"past_key_values.{i}.{kv}"] = o1[names.index(f"present.{i}.{kv}")]
    o2 = s.run(None, f2)
    d1, d2 = graphs.max_diff(o1[0][0], ref1.numpy()), graphs.max_diff(o2[0][0], ref2.numpy())
    t = tol if model.dtype == torch.float32 else 5e-2
    log(f"language model: ORT vs transformers logits, prefill {d1:.2e}, cached step {d2:.2e}")
    if max(d1, d2) > t:
        raise RuntimeError(
            f"ONNX Runtime and transformers differ on the language model: prefill {d1:.2e}, step {d2:.2e} (tolerance {t})"
        )


def memory_block(out: Path, comps: list[Component]) -> dict:
    entries = {}
    for c in comps:
        e = {"weights_bytes": memory.weights_bytes(c.file)}
        if c.name != "language_model":
            e["activation_bytes"] = memory.activation_bytes(c.file, {"batch": c.batch_for_memory})
        else:
            e["activation_bytes"] = 0
        entries[c.name] = {**e, **c.extra}
    return {"components": entries}


def export_package(o: ExportOptions) -> dict:
    out = o.out
    out.mkdir(parents=True, exist_ok=True)
    log(f"visual tokenizer from {o.tokenizer.name}" + (f" + {o.vit.name}" if o.vit else ""))
    tk, ignored = load_seed_tokenizer(o.tokenizer, o.vit, o.vit_depth)
    log(
        f"  ViT depth {tk.cfg.vit.depth}, Q-Former {tk.cfg.qformer.layers} layers, codebook {tk.cfg.codebook_size}; "
        f"{len(ignored)} checkpoint keys unused by inference (training-only branches, dropped ViT blocks)"
    )
    comps = graphs.export_tokenizer_graphs(tk, out, o.external_threshold)
    if o.check:
        log(f"  ORT vs torch: {graphs.check_tokenizer_graphs(tk, out)}")
    log(f"unCLIP decoder from {o.unclip}")
    u = load_unclip(o.unclip, o.noise_level, o.text_states)
    comps += graphs.export_unclip_graphs(u, out, o.external_threshold)
    if o.check:
        log(f"  ORT vs torch: {graphs.check_unclip_graphs(u, out)}")
    sched = scheduler_config(u.scheduler_config, o.scheduler)
    (out / "scheduler_config.json").write_text(json.dumps(sched, indent=2) + "\n")
    extra_files = ["scheduler_config.json"]
    lm_block = None
    if o.llm is not None:
        log(f"language model from {o.llm} ({o.llm_dtype}{', int8 weights' if o.llm_int8 else ''})")
        comp, lm_block, written = export_language_model(o, out)
        comps.append(comp)
        extra_files += written
    vcfg, qcfg, ucfg = tk.cfg.vit, tk.cfg.qformer, u.unet.cfg
    scale = 2 ** (len(u.vae.cfg.block_out_channels) - 1)
    manifest = {
        "format": "seed-model",
        "format_version": 1,
        "name": o.name,
        "description": (
            f"{o.name}: SEED-2 visual tokenizer (EVA ViT-g depth {vcfg.depth} + Causal Q-Former {qcfg.layers} layers, "
            f"{tk.cfg.codebook_size} codes), unCLIP SD-2.1 decoder (noise level {o.noise_level}, "
            f"{sched['_class_name']})" + (", SEED-LLaMA" if lm_block else "") + ", exported by model.export_seed."
        ),
        "license": "See the licences of the source checkpoints (SEED, EVA-CLIP, Stable Diffusion 2.1 unCLIP, LLaMA).",
        "image": {
            "size": [vcfg.image_size, vcfg.image_size],
            "resample": "bicubic",
            "mean": CLIP_MEAN,
            "std": CLIP_STD,
            "background": [255, 255, 255],
            "alpha": "drop",
        },
        "visual_tokenizer": {
            "num_tokens": qcfg.num_queries,
            "codebook_size": tk.cfg.codebook_size,
            "code_dim": tk.cfg.code_dim,
            "embed_dim": qcfg.hidden,
            "patch_grid": [vcfg.grid, vcfg.grid],
        },
        "detokenizer": {"embedding_dim": tk.cfg.embedding_dim, "supports_token_mask": False},
        "image_decoder": {
            "latent_shape": [ucfg.in_channels, ucfg.sample_size, ucfg.sample_size],
            "latent_scaling_factor": u.vae.cfg.scaling_factor,
            "output_size": [ucfg.sample_size * scale, ucfg.sample_size * scale],
            "scheduler_config": "scheduler_config.json",
            "unconditional_embedding": "zeros",
            "defaults": {"steps": o.steps, "guidance_scale": o.guidance, "eta": 0.0},
        },
    }
    if lm_block:
        manifest["language_model"] = lm_block
    components = {
        c.name: {
            "file": c.file.name,
            **({"external_data": [f.name for f in c.files[1:]]} if len(c.files) > 1 else {}),
            "inputs": c.inputs,
            "outputs": c.outputs,
        }
        for c in comps
    }
    manifest["memory"] = memory_block(out, comps)
    names = [f.name for c in comps for f in c.files] + extra_files
    manifest = write_seed_json(out, Part(manifest, components, tuple(names)), whole=True)
    log(
        f"wrote {out / 'seed.json'} ({len(names)} files, {sum(e['bytes'] for e in manifest['files'].values()) / 1e6:.1f} MB)"
    )
    return manifest
