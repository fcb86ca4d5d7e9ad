"""The three training stages of SEED-mini: (1) visual tokenizer + detokenizer, (2) autoencoder, (3) denoiser.

The tokenizer goes first and does not depend on the autoencoder (its training-only regression head predicts a
32x32 downsampled image), so it is frozen as early as possible for the language model (part 2).

Each stage is a small class: `model` (the trainable nn.Module), `make_batch(step) -> dict of CPU tensors` (a pure
function of the step, run in DataLoader workers when there are cores to spare: it must not touch the device),
`to(device)`, `train_step(step, batch) -> (loss, stats)`, `after_step(step)` and `final_payload()` (what is frozen
into runs/<name>.done.pt). train_all.py runs them.
"""
from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import dataset as D
from .autoencoder import AutoEncoder
from .attributes import scene_targets
from .common import (RUNS, clip_pixels_from_uint8, load, scenes_for_step, to_unit_range,
                     unit_range_from_uint8)
from .ddim import add_noise_v, alphas_cumprod
from .denoiser import Denoiser
from .seed_mini import SeedMini, sample_prefix_mask
from .text_encoder import CaptionTokenizer

TARGET_NUMEL = 3 * 32 * 32  # the tokenizer's regression target: the image average-pooled to 32x32


def cpu_state(m: nn.Module) -> dict[str, Tensor]:
    """state_dict with every tensor on the CPU (so .done.pt files load anywhere)."""
    return {k: v.detach().cpu() for k, v in m.state_dict().items()}


class Stage:
    """What every stage shares: one trainable `model` moved to the device, nothing to do after a step, continued
    from an earlier .done.pt's weights, frozen as its CPU weights. Subclasses set name, index and model and write
    make_batch and train_step; they override the rest when they hold more (frozen models, EMA, a codebook)."""
    name: str
    index: int
    model: nn.Module

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.history: list[dict[str, Any]] = []   # earlier training runs these weights continue (--init-from)

    def make_batch(self, step: int) -> dict[str, Tensor]:
        """CPU tensors of step `step`'s batch: a pure function of the step (DataLoader workers may build it)."""
        raise NotImplementedError

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        """(loss, stats as 0-d tensors) for a batch already on the device."""
        raise NotImplementedError

    def to(self, dev: torch.device) -> None:
        self.model.to(dev)

    def after_step(self, step: int) -> None:
        pass

    def init_from(self, done: dict[str, Any]) -> None:
        self.model.load_state_dict(done["model"])

    def final_payload(self) -> dict[str, Any]:
        return {"model": cpu_state(self.model)}


class AutoencoderStage(Stage):
    name, index = "autoencoder", 1

    def __init__(self, batch: int) -> None:
        super().__init__(batch)
        self.model = AutoEncoder()

    def make_batch(self, step: int) -> dict[str, Tensor]:
        return {"images": torch.from_numpy(D.render_batch(scenes_for_step(self.index, step, self.batch)))}

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        return self.model.loss(unit_range_from_uint8(batch["images"]))

    @torch.no_grad()
    def final_payload(self) -> dict[str, Any]:
        """Weights plus latent_scale = 1 / std of the latents over 16 fresh batches (SD's scaling_factor role)."""
        self.model.eval()
        dev = next(self.model.parameters()).device
        zs = [self.model.encoder(to_unit_range(D.render_batch(scenes_for_step(90, i, 64))).to(dev)) for i in range(16)]
        scale = 1.0 / float(torch.cat(zs).std())
        return {**super().final_payload(), "latent_scale": scale}


def load_autoencoder() -> tuple[AutoEncoder, float]:
    done = load(RUNS / "autoencoder.done.pt")
    ae = AutoEncoder()
    ae.load_state_dict(done["model"])
    return ae.eval().requires_grad_(False), float(done["latent_scale"])


class TokenizerStage(Stage):
    name, index = "tokenizer", 0

    def __init__(self, batch: int) -> None:
        super().__init__(batch)
        self.captions = CaptionTokenizer()
        self.model = SeedMini(len(self.captions.vocab), target_numel=TARGET_NUMEL)
        self._z: Tensor | None = None
        self.restarts = 0

    def make_batch(self, step: int) -> dict[str, Tensor]:
        scenes = scenes_for_step(self.index, step, self.batch)
        return {"images": torch.from_numpy(D.render_batch(scenes)),                           # uint8 [B, 64, 64, 3]
                "text": self.captions([D.caption(s) for s in scenes]),
                "mask": sample_prefix_mask(self.batch, torch.Generator().manual_seed(step)),
                "attributes": scene_targets(scenes)}                                          # [B, 28]

    def init_from(self, done: dict[str, Any]) -> None:
        """Continue from an earlier tokenizer (its codebook and EMA state included; absent heads start fresh)."""
        load_tokenizer_state(self.model, done["model"])

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        images = batch["images"]
        target = F.avg_pool2d(unit_range_from_uint8(images), 2)                                # [B, 3, 32, 32]
        loss, stats, self._z = self.model.loss(clip_pixels_from_uint8(images), batch["text"], target, batch["mask"],
                                               batch["attributes"])
        stats["restarts"] = torch.tensor(float(self.restarts))
        return loss, stats

    def after_step(self, step: int) -> None:
        if self._z is not None and step % (10 if step < 500 else 50) == 0:
            self.restarts += self.model.quantizer.restart_dead_codes(self._z, threshold=0.2)

    def final_payload(self) -> dict[str, Any]:
        return {**super().final_payload(), "vocab": list(self.captions.vocab)}


# Training-only heads of the semantic objective: nothing after training reads them, so a compact checkpoint
# (model.train.accelerated) may leave them out.
OPTIONAL_TOKENIZER_KEYS = ("attr_head.", "causal_down.", "causal_attr_head.")


def load_tokenizer_state(model: SeedMini, state: dict[str, Tensor]) -> None:
    """load_state_dict that tolerates only the absence of the training-only attribute heads."""
    res = model.load_state_dict(state, strict=False)
    missing = [k for k in res.missing_keys if not k.startswith(OPTIONAL_TOKENIZER_KEYS)]
    if missing or res.unexpected_keys:
        raise KeyError(f"tokenizer weights do not match SeedMini: missing {missing}, unexpected {res.unexpected_keys}")


def load_tokenizer() -> SeedMini:
    done = load(RUNS / "tokenizer.done.pt")
    model = SeedMini(len(done["vocab"]), target_numel=TARGET_NUMEL)
    load_tokenizer_state(model, done["model"])
    return model.eval().requires_grad_(False)


class DenoiserStage(Stage):
    name, index = "denoiser", 2

    def __init__(self, batch: int, cfg_drop: float = 0.1, ema_decay: float = 0.999) -> None:
        super().__init__(batch)
        self.cfg_drop, self.ema_decay = cfg_drop, ema_decay
        self.ae, self.latent_scale = load_autoencoder()
        self.tok = load_tokenizer()
        self.model = Denoiser()
        self.model.hint.load_state_dict(self.tok.target_head.state_dict())   # see denoiser.py: spatial hint
        self.ema = copy.deepcopy(self.model).requires_grad_(False)
        self.ac = alphas_cumprod()

    def make_batch(self, step: int) -> dict[str, Tensor]:
        g = torch.Generator().manual_seed(10_000_000 + step)
        images = D.render_batch(scenes_for_step(self.index, step, self.batch))
        mask = sample_prefix_mask(self.batch, g, p_full=0.6)
        keep = (torch.rand(self.batch, generator=g) >= self.cfg_drop).float()[:, None]
        t = torch.randint(0, len(self.ac), (self.batch,), generator=g)
        noise = torch.randn((self.batch, 8, 16, 16), generator=g)
        return {"images": torch.from_numpy(images), "mask": mask, "keep": keep, "t": t, "noise": noise}

    def init_from(self, done: dict[str, Any]) -> None:
        """Continue from an earlier denoiser's EMA weights (as both the trained and the EMA copy)."""
        self.model.load_state_dict(done["model"])
        self.ema.load_state_dict(done["model"])

    def to(self, dev: torch.device) -> None:
        for m in (self.ae, self.tok, self.model, self.ema):
            m.to(dev)
        self.ac = self.ac.to(dev)

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        with torch.no_grad():
            x0 = self.ae.encoder(unit_range_from_uint8(batch["images"])) * self.latent_scale   # [B, 8, 16, 16]
            causal, _ = self.tok.encode(clip_pixels_from_uint8(batch["images"]))
            ids = self.tok.quantizer.ids(self.tok.encode_task_layer(causal))             # [B, 32]
            gen = self.tok.generation_embedding(ids, batch["mask"]) * batch["keep"]      # [B, 256]
        t = batch["t"]
        xt, v = add_noise_v(x0, batch["noise"].to(x0.dtype), t, self.ac)
        loss = (self.model(xt, t.float(), gen) - v).pow(2).mean()
        return loss, {"v_mse": loss.detach()}

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
        return {"model": cpu_state(self.ema), "raw": cpu_state(self.model), "latent_scale": self.latent_scale}


def load_denoiser() -> Denoiser:
    m = Denoiser()
    m.load_state_dict(load(RUNS / "denoiser.done.pt")["model"])
    return m.eval().requires_grad_(False)


def module_size(m: nn.Module) -> float:
    return sum(p.numel() for p in m.parameters()) / 1e6
