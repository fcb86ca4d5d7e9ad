"""The unCLIP SD-2.1 decoder (stabilityai/stable-diffusion-2-1-unclip folder layout) as package parts:

denoiser: UNet2DConditionModel behind a wrapper whose inputs are the package's (sample, timestep,
          generation_embedding). Inside: the 1024-d image embedding is noise-augmented as diffusers'
          StableUnCLIPImg2ImgPipeline.noise_image_embeddings does at a fixed noise level (image_normalizer.scale,
          the image_noising_scheduler's sqrt(alpha_cumprod[level]), unscale; its random term is left out, so the
          graph is deterministic: at level 0 that term has std sqrt(beta_0) ~ 0.006 in normalised units), then
          concatenated with the sinusoidal embedding of the level -> class_labels [B, 2048]. A generation
          embedding of all zeros is the classifier-free-guidance unconditional branch: its class_labels are zeros,
          as the pipeline's negative image embeds are. The text conditioning is the CLIP text encoder's states for
          the empty prompt (the pipeline's prompt "" for both branches), computed once here and stored in the graph.
latent_decoder / latent_encoder: the VAE decoder (post_quant_conv +) and encoder mean (+ quant_conv).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from .diffusion_blocks import timestep_embedding
from .state_dicts import CheckpointError, load_strict, read_folder_weights
from .unet import UNet2DConditionModel, UNetConfig
from .vae import AutoencoderKL, VaeConfig, rename_legacy_vae_keys


def read_json(path: Path) -> dict:
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing; expected the stable-diffusion-2-1-unclip folder layout")
    return json.loads(path.read_text())


def alphas_cumprod(config: dict) -> Tensor:
    """A diffusers DDPM/DDIM/PNDM scheduler config -> alphas_cumprod [T] in float64."""
    t = int(config.get("num_train_timesteps", 1000))
    kind = config.get("beta_schedule", "linear")
    b0, b1 = float(config.get("beta_start", 0.0001)), float(config.get("beta_end", 0.02))
    if config.get("trained_betas"):
        betas = torch.tensor(config["trained_betas"], dtype=torch.float64)
    elif kind == "linear":
        betas = torch.linspace(b0, b1, t, dtype=torch.float64)
    elif kind == "scaled_linear":
        betas = torch.linspace(b0**0.5, b1**0.5, t, dtype=torch.float64) ** 2
    elif kind == "squaredcos_cap_v2":
        bar = lambda x: math.cos((x + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
        betas = torch.tensor([min(1 - bar((i + 1) / t) / bar(i / t), 0.999) for i in range(t)], dtype=torch.float64)
    else:
        raise ValueError(f"beta_schedule {kind!r} is not supported (linear, scaled_linear, squaredcos_cap_v2)")
    return torch.cumprod(1 - betas, 0)


class UnclipDenoiser(nn.Module):
    def __init__(
        self,
        unet: UNet2DConditionModel,
        text_states: Tensor,
        mean: Tensor,
        std: Tensor,
        noise_level: int,
        noising: dict,
    ) -> None:
        super().__init__()
        self.unet = unet
        self.register_buffer("text_states", text_states.float())
        self.register_buffer("mean", mean.reshape(1, -1).float())
        self.register_buffer("std", std.reshape(1, -1).float())
        ac = alphas_cumprod(noising)
        if not 0 <= noise_level < len(ac):
            raise ValueError(f"noise level {noise_level} is outside [0, {len(ac)})")
        self.signal = float(ac[noise_level].sqrt())
        dim = self.mean.shape[1]
        self.register_buffer("level_embedding", timestep_embedding(torch.tensor([float(noise_level)]), dim, True, 0.0))
        want = unet.cfg.class_input_dim
        if want != 2 * dim:
            raise ValueError(
                f"unet projection_class_embeddings_input_dim is {want}, expected 2 x the image embedding width {dim}"
            )

    def class_labels(self, emb: Tensor) -> Tensor:
        noised = ((emb - self.mean) / self.std) * self.signal * self.std + self.mean
        labels = torch.cat([noised, self.level_embedding.expand(emb.shape[0], -1)], dim=-1)
        conditional = (emb.abs().amax(dim=-1, keepdim=True) > 0).to(emb.dtype)  # zeros = unconditional branch
        return labels * conditional

    def forward(self, sample: Tensor, timestep: Tensor, generation_embedding: Tensor) -> Tensor:
        ctx = self.text_states.expand(sample.shape[0], -1, -1)
        return self.unet(sample, timestep, ctx, self.class_labels(generation_embedding))


class LatentDecoder(nn.Module):
    def __init__(self, vae: AutoencoderKL) -> None:
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample: Tensor) -> Tensor:
        return self.vae.decode(latent_sample)


class LatentEncoder(nn.Module):
    def __init__(self, vae: AutoencoderKL) -> None:
        super().__init__()
        self.vae = vae

    def forward(self, sample: Tensor) -> Tensor:
        return self.vae.encode_mean(sample)


@dataclass
class Unclip:
    unet: UNet2DConditionModel
    vae: AutoencoderKL
    denoiser: UnclipDenoiser
    scheduler_config: dict
    text_states: Tensor


def empty_prompt_states(folder: Path) -> Tensor:
    """CLIP text encoder states of "" padded to the tokenizer's max length: [1, 77, D] (SD 2's last_hidden_state)."""
    from transformers import CLIPTextModel, CLIPTokenizer

    tok = CLIPTokenizer.from_pretrained(str(folder / "tokenizer"))
    enc = CLIPTextModel.from_pretrained(str(folder / "text_encoder"), dtype=torch.float32).eval()
    ids = tok("", padding="max_length", max_length=tok.model_max_length, truncation=True, return_tensors="pt").input_ids
    with torch.no_grad():
        return enc(ids).last_hidden_state.float()


def load_unclip(folder: Path, noise_level: int = 0, text_states: Tensor | None = None) -> Unclip:
    ucfg = UNetConfig.from_json(read_json(folder / "unet" / "config.json"))
    if ucfg.class_embed_type != "projection":
        raise ValueError(
            f"{folder}/unet/config.json: class_embed_type must be 'projection' (an unCLIP UNet), got {ucfg.class_embed_type!r}"
        )
    unet = UNet2DConditionModel(ucfg)
    load_strict(unet, read_folder_weights(folder / "unet"), f"{folder.name}/unet")
    vae = AutoencoderKL(VaeConfig.from_json(read_json(folder / "vae" / "config.json")))
    load_strict(vae, rename_legacy_vae_keys(read_folder_weights(folder / "vae")), f"{folder.name}/vae")
    norm = read_folder_weights(folder / "image_normalizer")
    if set(norm) != {"mean", "std"}:
        raise CheckpointError(f"{folder.name}/image_normalizer: expected the keys mean and std, got {sorted(norm)}")
    states = text_states if text_states is not None else empty_prompt_states(folder)
    if states.shape[-1] != ucfg.cross_attention_dim:
        raise ValueError(
            f"text encoder width {states.shape[-1]} != unet cross_attention_dim {ucfg.cross_attention_dim}"
        )
    noising = read_json(folder / "image_noising_scheduler" / "scheduler_config.json")
    den = UnclipDenoiser(unet, states, norm["mean"], norm["std"], noise_level, noising)
    return Unclip(
        unet.eval(), vae.eval(), den.eval(), read_json(folder / "scheduler" / "scheduler_config.json"), states
    )
