"""Writes reduced-depth stand-ins of the real SEED checkpoints, with the real key names and the real widths and
random weights, so the exporter and the runtime can be tested without the 20+ GB of real weights:

  seed_quantizer.pt   SEED-2's layout, written from the key table below (Q-Former BERT-base width 768 with 2 layers,
                      codebook 8192 x 32, blocks_image depth 1, plus the training-only recon_s keys the exporter skips)
  eva_vit_g.pth       EVA ViT-g width 1408, 16 heads, MLP 6144, 2 blocks (the exporter builds 1: BLIP-2 drops the last)
  unclip/             stable-diffusion-2-1-unclip's folder layout: a small UNet with the unCLIP I/O (4x96x96 latent,
                      projection class embedding of 2 x 1024), a small VAE with the SD-2 8x scaling (768 px), a small
                      CLIP text encoder + tokenizer, image_normalizer, image_noising_scheduler, scheduler
  llm/                LlamaForCausalLM with SEED-LLaMA's 40,194-token vocabulary (2 layers, hidden 128) and a
                      LLaMA-style tokenizer.json: 32000 pieces, then the image tokens and <img>, </img>

    python -m model.export_seed.testing.checkpoints --out DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import Tensor

VIT_WIDTH, VIT_HEADS_DIM, VIT_MLP, PATCH, IMAGE = 1408, 88, 6144, 14, 224
HIDDEN, INTER, QUERIES, CODES, CODE_DIM, EMBED = 768, 3072, 32, 8192, 32, 1024


def _lin(keys: dict, name: str, d_out: int, d_in: int, bias: bool = True) -> None:
    keys[f"{name}.weight"] = (d_out, d_in)
    if bias:
        keys[f"{name}.bias"] = (d_out,)


def _norm(keys: dict, name: str, d: int) -> None:
    keys[f"{name}.weight"] = ("ln", d)
    keys[f"{name}.bias"] = (d,)


def quantizer_key_table(qformer_layers: int = 2, decode_depth: int = 1, recon_depth: int = 1) -> dict:
    """seed_quantizer.pt's keys and shapes (SEED-2's Blip2QformerQuantizer state dict, without visual_encoder)."""
    k: dict = {"query_tokens": (1, QUERIES, HIDDEN), "Qformer.bert.embeddings.position_ids": ("pos", 512)}
    _norm(k, "ln_vision", VIT_WIDTH)
    _norm(k, "Qformer.bert.embeddings.LayerNorm", HIDDEN)
    for i in range(qformer_layers):
        p = f"Qformer.bert.encoder.layer.{i}."
        for part, kv_in in (("attention", HIDDEN), ("crossattention", VIT_WIDTH)):
            if part == "crossattention" and i % 2 != 0:
                continue
            _lin(k, p + f"{part}.self.query", HIDDEN, HIDDEN)
            _lin(k, p + f"{part}.self.key", HIDDEN, kv_in)
            _lin(k, p + f"{part}.self.value", HIDDEN, kv_in)
            _lin(k, p + f"{part}.output.dense", HIDDEN, HIDDEN)
            _norm(k, p + f"{part}.output.LayerNorm", HIDDEN)
        _lin(k, p + "intermediate_query.dense", INTER, HIDDEN)
        _lin(k, p + "output_query.dense", HIDDEN, INTER)
        _norm(k, p + "output_query.LayerNorm", HIDDEN)
    k["quantize.embedding.weight"] = (CODES, CODE_DIM)
    _lin(k, "encode_task_layer.0", HIDDEN, HIDDEN)
    _lin(k, "encode_task_layer.2", CODE_DIM, HIDDEN)
    _lin(k, "decode_task_layer.0", CODE_DIM, CODE_DIM)
    _lin(k, "decode_task_layer.2", HIDDEN, CODE_DIM)
    for name, depth in (("blocks", recon_depth), ("blocks_image", decode_depth)):
        for i in range(depth):
            p = f"{name}.{i}."
            _norm(k, p + "norm1", HIDDEN)
            _lin(k, p + "attn.qkv", 3 * HIDDEN, HIDDEN)
            _lin(k, p + "attn.proj", HIDDEN, HIDDEN)
            _norm(k, p + "norm2", HIDDEN)
            _lin(k, p + "mlp.fc1", 4 * HIDDEN, HIDDEN)
            _lin(k, p + "mlp.fc2", HIDDEN, 4 * HIDDEN)
    k["pos_embed"] = (1, QUERIES, HIDDEN)
    k["pos_embed_image"] = (1, QUERIES, HIDDEN)
    _lin(k, "image_down.0", 256, HIDDEN, bias=False)
    _lin(k, "image_down.2", 128, 256, bias=False)
    _lin(k, "image_down.4", 32, 128, bias=False)
    _lin(k, "distill_image_proj", EMBED, QUERIES * 32)
    return k


def vit_key_table(blocks: int = 2) -> dict:
    """eva_vit_g.pth's keys and shapes (EVA-CLIP ViT-g/14 at 224 px)."""
    k: dict = {
        "cls_token": (1, 1, VIT_WIDTH),
        "pos_embed": (1, (IMAGE // PATCH) ** 2 + 1, VIT_WIDTH),
        "patch_embed.proj.weight": (VIT_WIDTH, 3, PATCH, PATCH),
        "patch_embed.proj.bias": (VIT_WIDTH,),
    }
    for i in range(blocks):
        p = f"blocks.{i}."
        _norm(k, p + "norm1", VIT_WIDTH)
        k[p + "attn.qkv.weight"] = (3 * VIT_WIDTH, VIT_WIDTH)
        k[p + "attn.q_bias"] = (VIT_WIDTH,)
        k[p + "attn.v_bias"] = (VIT_WIDTH,)
        _lin(k, p + "attn.proj", VIT_WIDTH, VIT_WIDTH)
        _norm(k, p + "norm2", VIT_WIDTH)
        _lin(k, p + "mlp.fc1", VIT_MLP, VIT_WIDTH)
        _lin(k, p + "mlp.fc2", VIT_WIDTH, VIT_MLP)
    return k


def materialise(table: dict, gen: torch.Generator) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for name, shape in table.items():
        if shape[0] == "ln":
            out[name] = 1.0 + 0.05 * torch.randn(shape[1], generator=gen)
        elif shape[0] == "pos":
            out[name] = torch.arange(shape[1]).unsqueeze(0)
        elif name.endswith("bias"):
            out[name] = 0.02 * torch.randn(*shape, generator=gen)
        elif name == "quantize.embedding.weight":
            out[name] = torch.randn(*shape, generator=gen)
        else:
            fan_in = shape[-1] if len(shape) == 2 else int(torch.tensor(shape[1:]).prod())
            out[name] = torch.randn(*shape, generator=gen) * (1.0 / fan_in**0.5 if len(shape) >= 2 else 0.02)
    return out


UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel",
    "act_fn": "silu",
    "attention_head_dim": [1, 2],
    "block_out_channels": [32, 64],
    "center_input_sample": False,
    "class_embed_type": "projection",
    "class_embeddings_concat": False,
    "cross_attention_dim": 64,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
    "downsample_padding": 1,
    "dual_cross_attention": False,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 1,
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "num_class_embeds": None,
    "only_cross_attention": False,
    "out_channels": 4,
    "projection_class_embeddings_input_dim": 2 * EMBED,
    "resnet_time_scale_shift": "default",
    "sample_size": 96,
    "time_embedding_type": "positional",
    "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
    "upcast_attention": True,
    "use_linear_projection": True,
}
VAE_CONFIG = {
    "_class_name": "AutoencoderKL",
    "act_fn": "silu",
    "block_out_channels": [32, 32, 32, 32],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 1,
    "norm_num_groups": 32,
    "sample_size": 768,
    "scaling_factor": 0.18215,
}
# The unCLIP SD-2.1 scheduler and image-noising scheduler configs (scaled_linear 0.00085..0.012, v-prediction; DDPM cosine).
SCHEDULER = {
    "_class_name": "DDIMScheduler",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}
NOISING = {
    "_class_name": "DDPMScheduler",
    "beta_schedule": "squaredcos_cap_v2",
    "num_train_timesteps": 1000,
    "clip_sample": True,
    "prediction_type": "epsilon",
    "variance_type": "fixed_small",
}


def _scale_params(module: torch.nn.Module, gen: torch.Generator) -> dict[str, Tensor]:
    """Random weights for the small diffusers-layout modules: normal / sqrt(fan_in), norms near 1, small biases."""
    out = {}
    for name, p in module.state_dict().items():
        if name.endswith("bias"):
            out[name] = 0.02 * torch.randn(p.shape, generator=gen)
        elif p.dim() == 1:
            out[name] = 1.0 + 0.05 * torch.randn(p.shape, generator=gen)
        else:
            out[name] = torch.randn(p.shape, generator=gen) / (p[0].numel() ** 0.5)
    return out


def write_unclip(folder: Path, gen: torch.Generator, legacy_vae_names: bool = True) -> None:
    from transformers import CLIPTextConfig, CLIPTextModel

    from ..unet import UNet2DConditionModel, UNetConfig
    from ..vae import AutoencoderKL, VaeConfig

    for sub in ("unet", "vae", "text_encoder", "tokenizer", "image_normalizer", "image_noising_scheduler", "scheduler"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    unet = UNet2DConditionModel(UNetConfig.from_json(UNET_CONFIG))
    save_file(_scale_params(unet, gen), str(folder / "unet" / "diffusion_pytorch_model.safetensors"))
    (folder / "unet" / "config.json").write_text(json.dumps(UNET_CONFIG, indent=2))
    vae_state = _scale_params(AutoencoderKL(VaeConfig.from_json(VAE_CONFIG)), gen)
    if legacy_vae_names:  # the pre-0.14 diffusers names some published VAEs still carry
        ren = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}
        vae_state = {
            next((k.replace(f".{a}.", f".{b}.") for a, b in ren.items() if f"mid_block.attentions.0.{a}." in k), k): v
            for k, v in vae_state.items()
        }
    save_file(vae_state, str(folder / "vae" / "diffusion_pytorch_model.safetensors"))
    (folder / "vae" / "config.json").write_text(json.dumps(VAE_CONFIG, indent=2))
    save_file(
        {"mean": 0.1 * torch.randn(1, EMBED, generator=gen), "std": 0.5 + torch.rand(1, EMBED, generator=gen)},
        str(folder / "image_normalizer" / "diffusion_pytorch_model.safetensors"),
    )
    (folder / "image_normalizer" / "config.json").write_text(
        json.dumps({"_class_name": "StableUnCLIPImageNormalizer", "embedding_dim": EMBED})
    )
    (folder / "image_noising_scheduler" / "scheduler_config.json").write_text(json.dumps(NOISING, indent=2))
    (folder / "scheduler" / "scheduler_config.json").write_text(json.dumps(SCHEDULER, indent=2))
    vocab = {"!": 0, "!</w>": 1, "a": 2, "a</w>": 3, "<|startoftext|>": 4, "<|endoftext|>": 5}
    (folder / "tokenizer" / "vocab.json").write_text(json.dumps(vocab))
    (folder / "tokenizer" / "merges.txt").write_text("#version: 0.2\n")
    (folder / "tokenizer" / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "CLIPTokenizer",
                "model_max_length": 77,
                "bos_token": "<|startoftext|>",
                "eos_token": "<|endoftext|>",
                "unk_token": "<|endoftext|>",
                "pad_token": "!",
            }
        )
    )
    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=gen)))
    text = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(vocab),
            hidden_size=UNET_CONFIG["cross_attention_dim"],
            intermediate_size=128,
            num_hidden_layers=1,
            num_attention_heads=2,
            max_position_embeddings=77,
            bos_token_id=4,
            eos_token_id=5,
            pad_token_id=0,
            hidden_act="gelu",
        )
    )
    text.save_pretrained(str(folder / "text_encoder"))
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableUnCLIPImg2ImgPipeline"}))


def llama_tokenizer_json(text_vocab: int = 32000) -> dict:
    """A LLaMA-shaped tokenizer.json (SentencePiece BPE with byte fallback): <unk>, <s>, </s>, the 256 byte pieces,
    single characters and a few words, padded with filler pieces to `text_vocab` (no image tokens)."""
    vocab: dict[str, int] = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    words = [
        "▁",
        "e",
        "t",
        "a",
        "o",
        "i",
        "n",
        "s",
        "r",
        "h",
        "l",
        "d",
        "c",
        "u",
        "m",
        "p",
        "g",
        "w",
        "y",
        "b",
        "f",
        "v",
        "k",
        "A",
        "S",
        "E",
        "R",
        "T",
        "U",
        "I",
        "N",
        "D",
        ":",
        ".",
        ",",
        "?",
        "!",
        "\n",
        "▁t",
        "he",
        "▁the",
        "▁a",
        "in",
        "er",
        "▁D",
        "ra",
        "▁Dra",
        "w",
        "▁Draw",
        "US",
        "ER",
        "USER",
        "AS",
        "SI",
        "ST",
        "AN",
        "ASSI",
        "ASSIST",
        "ASSISTAN",
        "ASSISTANT",
    ]
    for w in words:
        vocab.setdefault(w, len(vocab))
    merges = [
        ["▁", "t"],
        ["h", "e"],
        ["▁t", "he"],
        ["▁", "a"],
        ["i", "n"],
        ["e", "r"],
        ["▁", "D"],
        ["r", "a"],
        ["▁D", "ra"],
        ["▁Dra", "w"],
        ["U", "S"],
        ["E", "R"],
        ["US", "ER"],
        ["A", "S"],
        ["S", "I"],
        ["S", "T"],
        ["A", "N"],
        ["AS", "SI"],
        ["ASSI", "ST"],
        ["ASSIST", "AN"],
        ["ASSISTAN", "T"],
    ]
    i = 0
    while len(vocab) < text_vocab:
        vocab[f"▁filler{i}"] = len(vocab)
        i += 1
    added = [
        {
            "id": i,
            "content": t,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for t, i in (("<unk>", 0), ("<s>", 1), ("</s>", 2))
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Prepend", "prepend": "▁"},
                {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
            ],
        },
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "<s>", "type_id": 1}},
                {"Sequence": {"id": "B", "type_id": 1}},
            ],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": "<unk>",
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": merges,
        },
    }


def write_llm(folder: Path, gen: torch.Generator, hidden: int = 128, layers: int = 2) -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=gen)))
    cfg = LlamaConfig(
        vocab_size=40194,
        hidden_size=hidden,
        intermediate_size=hidden * 11 // 4,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        rms_norm_eps=1e-6,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(cfg)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0.0, 0.5 / p.shape[1] ** 0.5, generator=gen)
    model.save_pretrained(str(folder))
    (folder / "tokenizer.json").write_text(json.dumps(llama_tokenizer_json(), ensure_ascii=False))


def write_all(out: Path, seed: int = 0) -> dict[str, Path]:
    gen = torch.Generator().manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(materialise(quantizer_key_table(), gen), out / "seed_quantizer.pt")
    torch.save(materialise(vit_key_table(), gen), out / "eva_vit_g.pth")
    write_unclip(out / "unclip", gen)
    write_llm(out / "llm", gen)
    return {
        "tokenizer": out / "seed_quantizer.pt",
        "vit": out / "eva_vit_g.pth",
        "unclip": out / "unclip",
        "llm": out / "llm",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    for k, v in write_all(a.out, a.seed).items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
