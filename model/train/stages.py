"""The three training stages of SEED-mini: (1) visual tokenizer + detokenizer, (2) autoencoder, (3) denoiser.

The tokenizer goes first and does not depend on the autoencoder (its training-only regression head predicts a
32x32 downsampled image), so it is frozen as early as possible for the language model (part 2).

Each stage is a small class: `model` (the trainable nn.Module), `train_step(step) -> (loss, stats)`,
`after_step(step)` and `final_payload()` (what is frozen into runs/<name>.done.pt). train_all.py runs them.
"""
from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import dataset as D
from .autoencoder import AutoEncoder
from .common import RUNS, load, scenes_for_step, to_clip_pixels, to_unit_range
from .ddim import add_noise_v, alphas_cumprod
from .denoiser import Denoiser
from .seed_mini import SeedMini, sample_prefix_mask
from .text_encoder import CaptionTokenizer

TARGET_NUMEL = 3 * 32 * 32  # the tokenizer's regression target: the image average-pooled to 32x32


class AutoencoderStage:
    name, index = "autoencoder", 1

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.model = AutoEncoder()

    def train_step(self, step: int) -> tuple[Tensor, dict[str, float]]:
        x = to_unit_range(D.render_batch(scenes_for_step(self.index, step, self.batch)))
        return self.model.loss(x)

    def after_step(self, step: int) -> None:
        pass

    @torch.no_grad()
    def final_payload(self) -> dict[str, Any]:
        """Weights plus latent_scale = 1 / std of the latents over 16 fresh batches (SD's scaling_factor role)."""
        self.model.eval()
        zs = [self.model.encoder(to_unit_range(D.render_batch(scenes_for_step(90, i, 64)))) for i in range(16)]
        scale = 1.0 / float(torch.cat(zs).std())
        return {"model": self.model.state_dict(), "latent_scale": scale}


def load_autoencoder() -> tuple[AutoEncoder, float]:
    done = load(RUNS / "autoencoder.done.pt")
    ae = AutoEncoder()
    ae.load_state_dict(done["model"])
    return ae.eval().requires_grad_(False), float(done["latent_scale"])


class TokenizerStage:
    name, index = "tokenizer", 0

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.captions = CaptionTokenizer()
        self.model = SeedMini(len(self.captions.vocab), target_numel=TARGET_NUMEL)
        self._z: Tensor | None = None
        self.restarts = 0

    def train_step(self, step: int) -> tuple[Tensor, dict[str, float]]:
        scenes = scenes_for_step(self.index, step, self.batch)
        images = D.render_batch(scenes)
        target = F.avg_pool2d(to_unit_range(images), 2)                                  # [B, 3, 32, 32]
        text = self.captions([D.caption(s) for s in scenes])
        mask = sample_prefix_mask(self.batch, torch.Generator().manual_seed(step))
        loss, stats, self._z = self.model.loss(to_clip_pixels(images), text, target, mask)
        stats["restarts"] = float(self.restarts)
        return loss, stats

    def after_step(self, step: int) -> None:
        if self._z is not None and step % (10 if step < 500 else 50) == 0:
            self.restarts += self.model.quantizer.restart_dead_codes(self._z, threshold=0.2)

    def final_payload(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "vocab": list(self.captions.vocab)}


def load_tokenizer() -> SeedMini:
    done = load(RUNS / "tokenizer.done.pt")
    model = SeedMini(len(done["vocab"]), target_numel=TARGET_NUMEL)
    model.load_state_dict(done["model"])
    return model.eval().requires_grad_(False)


class DenoiserStage:
    name, index = "denoiser", 2

    def __init__(self, batch: int, cfg_drop: float = 0.1, ema_decay: float = 0.999) -> None:
        self.batch, self.cfg_drop, self.ema_decay = batch, cfg_drop, ema_decay
        self.ae, self.latent_scale = load_autoencoder()
        self.tok = load_tokenizer()
        self.model = Denoiser()
        self.model.hint.load_state_dict(self.tok.target_head.state_dict())   # see denoiser.py: spatial hint
        self.ema = copy.deepcopy(self.model).requires_grad_(False)
        self.ac = alphas_cumprod()

    def train_step(self, step: int) -> tuple[Tensor, dict[str, float]]:
        g = torch.Generator().manual_seed(10_000_000 + step)
        images = D.render_batch(scenes_for_step(self.index, step, self.batch))
        with torch.no_grad():
            x0 = self.ae.encoder(to_unit_range(images)) * self.latent_scale              # [B, 8, 16, 16]
            causal, _ = self.tok.encode(to_clip_pixels(images))
            ids = self.tok.quantizer.ids(self.tok.encode_task_layer(causal))             # [B, 32]
            gen = self.tok.generation_embedding(ids, sample_prefix_mask(self.batch, g, p_full=0.6))
            keep = (torch.rand(self.batch, generator=g) >= self.cfg_drop).float()[:, None]
            gen = gen * keep                                                             # [B, 256]
        t = torch.randint(0, len(self.ac), (self.batch,), generator=g)
        xt, v = add_noise_v(x0, torch.randn(x0.shape, generator=g), t, self.ac)
        loss = (self.model(xt, t.float(), gen) - v).pow(2).mean()
        return loss, {"v_mse": float(loss)}

    @torch.no_grad()
    def after_step(self, step: int) -> None:
        d = min(self.ema_decay, (1 + step) / (10 + step))
        for pe, pm in zip(self.ema.parameters(), self.model.parameters()):
            pe.mul_(d).add_(pm.detach(), alpha=1 - d)

    def extra_state(self) -> dict[str, Any]:
        return {"ema": self.ema.state_dict()}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.ema.load_state_dict(state["ema"])

    def final_payload(self) -> dict[str, Any]:
        return {"model": self.ema.state_dict(), "raw": self.model.state_dict(), "latent_scale": self.latent_scale}


def load_denoiser() -> Denoiser:
    m = Denoiser()
    m.load_state_dict(load(RUNS / "denoiser.done.pt")["model"])
    return m.eval().requires_grad_(False)


def has_extra_state(stage: object) -> bool:
    return hasattr(stage, "extra_state")


def module_size(m: nn.Module) -> float:
    return sum(p.numel() for p in m.parameters()) / 1e6
