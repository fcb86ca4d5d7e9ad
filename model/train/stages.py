"""The training stages of SEED-mini, in order: (1) semantic encoder (then frozen), (2) visual tokenizer +
detokenizer on top of it, (3) denoiser conditioned on its embedding space. The autoencoder (a stage of its own,
`AutoencoderStage`) is reused from the shipped package unless runs/autoencoder.done.pt exists.

Each stage is a small class: `model` (the trainable nn.Module), `make_batch(step) -> dict of CPU tensors` (a pure
function of the step, run in DataLoader workers when there are cores to spare: it must not touch the device),
`to(device)`, `train_step(step, batch) -> (loss, stats)`, `after_step(step)` and `final_payload()` (what is frozen
into runs/<name>.done.pt). loop.py runs them (python -m model.train).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import dataset as D
from .attributes import attribute_loss, scene_targets
from .autoencoder import AutoEncoder
from .common import (
    PACKAGE_DIR,
    RUNS,
    clip_pixels_from_uint8,
    load,
    scenes_for_step,
    to_unit_range,
    unit_range_from_uint8,
)
from .ddim import add_noise_v, alphas_cumprod
from .denoiser import DEPTH, Denoiser, denoiser_for, grow_state
from .package_weights import load_module
from .seed_mini import GEN_DIM, W_REG, SeedMini, codes_fingerprint, sample_prefix_mask
from .semantic import SemanticModel, augment_pixels, load_semantic
from .text_encoder import CaptionTokenizer


def cpu_state(m: nn.Module) -> dict[str, Tensor]:
    """state_dict with every tensor on the CPU (so .done.pt files load anywhere)."""
    return {k: v.detach().cpu() for k, v in m.state_dict().items()}


class Stage:
    """What every stage shares: one trainable `model` moved to the device, nothing to do after a step, continued
    from an earlier .done.pt's weights, frozen as its CPU weights. Subclasses set name, index and model and write
    make_batch and train_step; they override the rest when they hold more (frozen models, EMA, a codebook).
    Optimiser settings are class attributes (AdamW betas, warm-up steps, the cosine schedule's floor)."""

    name: str
    index: int
    model: nn.Module
    betas: tuple[float, float] = (0.9, 0.99)
    warmup: int = 100
    lr_floor: float = 0.1
    weight_decay: float = 0.01

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.history: list[dict[str, Any]] = []  # earlier training runs these weights continue (--init-from)
        self.options: dict[str, Any] = {}  # the plan's keyword options for this run, recorded in its history

    def make_batch(self, step: int) -> dict[str, Tensor]:
        """CPU tensors of step `step`'s batch: a pure function of the step (DataLoader workers may build it)."""
        raise NotImplementedError

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        """(loss, stats as 0-d tensors) for a batch already on the device."""
        raise NotImplementedError

    def to(self, dev: torch.device) -> None:
        self.model.to(dev)

    def param_groups(self) -> list[dict[str, Any]]:
        """AdamW parameter groups: weight decay on matrices and convolution kernels, none on vectors."""
        params = [p for p in self.model.parameters() if p.requires_grad]
        return [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": self.weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]

    def after_step(self, step: int, log: Any) -> None:
        pass

    def extra_state(self) -> dict[str, Any]:
        """State besides the model and optimiser that a resumed run needs (an EMA copy)."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def init_from(self, done: dict[str, Any]) -> str | None:
        """Start from an earlier run's result; returns a note when it started from something else instead."""
        self.model.load_state_dict(done["model"])
        return None

    def resume_weights(self, state: dict[str, Tensor]) -> None:
        """The weights of an interrupted run's checkpoint (runs/<stage>.pt)."""
        self.model.load_state_dict(state)

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
    """The trained autoencoder: runs/autoencoder.done.pt, else the shipped package's (v3 reuses it unchanged)."""
    ae = AutoEncoder()
    if (RUNS / "autoencoder.done.pt").exists():
        done = load(RUNS / "autoencoder.done.pt")
        ae.load_state_dict(done["model"])
        scale = float(done["latent_scale"])
    else:
        load_module(ae.encoder, PACKAGE_DIR / "latent_encoder.onnx")
        load_module(ae.decoder, PACKAGE_DIR / "latent_decoder.onnx")
        scale = float(json.loads((PACKAGE_DIR / "seed.json").read_text())["image_decoder"]["latent_scaling_factor"])
    return ae.eval().requires_grad_(False), scale


class SemanticStage(Stage):
    """The frozen semantic encoder's training (model/train/semantic.py): per-cell attribute targets."""

    name, index = "semantic", 4

    def __init__(self, batch: int) -> None:
        super().__init__(batch)
        self.model = SemanticModel()

    def make_batch(self, step: int) -> dict[str, Tensor]:
        scenes = scenes_for_step(self.index, step, self.batch)
        g = torch.Generator().manual_seed(20_000_000 + step)
        pixels = clip_pixels_from_uint8(torch.from_numpy(D.render_batch(scenes)))
        return {"pixels": augment_pixels(pixels, g) if step % 2 else pixels, "attributes": scene_targets(scenes)}

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        _, e = self.model.encoder(batch["pixels"])
        loss, stats = attribute_loss(self.model.heads(e.float()), batch["attributes"])
        return loss, {k: v.detach() for k, v in stats.items()}


class TokenizerStage(Stage):
    name, index = "tokenizer", 0

    def __init__(self, batch: int) -> None:
        super().__init__(batch)
        self.captions = CaptionTokenizer()
        semantic = load_semantic()
        self.model = SeedMini(len(self.captions.vocab), semantic.encoder, semantic.heads)
        self._z: Tensor | None = None
        self.restarts = 0

    def make_batch(self, step: int) -> dict[str, Tensor]:
        scenes = scenes_for_step(self.index, step, self.batch)
        return {
            "images": torch.from_numpy(D.render_batch(scenes)),  # uint8 [B, 64, 64, 3]
            "text": self.captions([D.caption(s) for s in scenes]),
            "mask": sample_prefix_mask(self.batch, torch.Generator().manual_seed(step)),
            "attributes": scene_targets(scenes),
        }  # [B, 28]

    def init_from(self, done: dict[str, Any]) -> None:
        """Continue from an earlier tokenizer (its codebook and EMA state included)."""
        self.model.load_state_dict(done["model"])

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        loss, stats, self._z = self.model.loss(
            clip_pixels_from_uint8(batch["images"]), batch["text"], batch["mask"], batch["attributes"]
        )
        stats["restarts"] = torch.tensor(float(self.restarts))
        return loss, stats

    def after_step(self, step: int, log: Any) -> None:
        if self._z is not None and step % (10 if step < 500 else 50) == 0:
            # a code is dead below 0.2 uses per step at batch 256 (8192 assignments): scale with the batch, so that
            # small batches do not keep re-seeding codes the detokenizer is learning to read
            self.restarts += self.model.quantizer.restart_dead_codes(self._z, threshold=0.2 * self.batch / 256)

    def final_payload(self) -> dict[str, Any]:
        return {**super().final_payload(), "vocab": list(self.captions.vocab)}


def load_tokenizer(path: Path | None = None, detokenizer: bool = True) -> SeedMini:
    """The trained tokenizer (runs/tokenizer.done.pt, or another run's file at `path`), frozen; with the detokenizer
    of runs/detokenizer.done.pt when that stage has run (detokenizer=False: the tokenizer's own)."""
    done = load(path or RUNS / "tokenizer.done.pt")
    model = SeedMini(len(done["vocab"]))
    model.load_state_dict(done["model"])
    if detokenizer:
        apply_detokenizer(model)
    return model.eval().requires_grad_(False)


def apply_detokenizer(model: SeedMini) -> dict[str, Any] | None:
    """Loads runs/detokenizer.done.pt (DetokenizerStage's result) into the tokenizer's detokenizer when that stage has
    run; returns what the file held (its history), else None. A detokenizer trained on another tokenizer's codes
    (its recorded codes_fingerprint differs: the tokenizer was retrained since) would read every code as something
    else: that is an error that says what to do, not a silent mismatch."""
    path = RUNS / "detokenizer.done.pt"
    if not path.exists():
        return None
    done = load(path)
    trained_on = done.get("codes_fingerprint")  # absent from a result saved before the stage recorded it
    if trained_on is not None and trained_on != (now := codes_fingerprint(model)):
        raise RuntimeError(
            f"{path} was trained on the codes of another tokenizer (codes fingerprint {trained_on}; "
            f"the tokenizer's is {now}): move it away, then train the detokenizer stage again on these "
            "codes (python -m model.train --only detokenizer; it starts from the tokenizer's own detokenizer), or "
            "leave it away to use the tokenizer's own"
        )
    model.detokenizer.load_state_dict(done["model"])
    return done


class DetokenizerStage(Stage):
    """More training of the detokenizer alone (codes -> generation embedding), the rest of the tokenizer frozen: the
    codes of every image stay what they were (the LM's corpus and the package's encoder are unchanged) while the
    embedding the decoder is conditioned on rebuilds more of E. The loss is the tokenizer's detokenizer part
    (seed_mini.SeedMini.detokenizer_losses: MSE to E weighted w_reg, the frozen semantic heads' attributes, the
    causal embeddings' (1 - cos) rebuild), with the same tail drop. load_tokenizer() returns this stage's detokenizer
    once it is done, so the denoiser runs that wait for it (plans.Run.after) are conditioned on what the runtime
    decodes from."""

    name, index = "detokenizer", 5

    def __init__(self, batch: int, w_reg: float = W_REG) -> None:
        super().__init__(batch)
        self.w_reg = w_reg
        self.tok = load_tokenizer(detokenizer=False)  # frozen: backbone, Q-Former, codebook, heads
        self.model = self.tok.detokenizer.requires_grad_(True)  # a later run starts from the previous (init_from)

    def to(self, dev: torch.device) -> None:
        self.tok.to(dev)

    def make_batch(self, step: int) -> dict[str, Tensor]:
        scenes = scenes_for_step(self.index, step, self.batch)
        return {
            "images": torch.from_numpy(D.render_batch(scenes)),  # uint8 [B, 64, 64, 3]
            "mask": sample_prefix_mask(self.batch, torch.Generator().manual_seed(7_000_000 + step)),
            "attributes": scene_targets(scenes),  # [B, 28]
        }

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        tok, mask = self.tok, batch["mask"]
        # the codes as the package computes them (fp32, outside the loop's bf16 autocast)
        with torch.no_grad(), torch.autocast(mask.device.type, enabled=False):
            tokens, e = tok.backbone(clip_pixels_from_uint8(batch["images"]))  # E [B, 320]
            causal, _ = tok.qformer(tok.context(tokens, e))  # [B, 32, D]
            codes = F.embedding(tok.quantizer.ids(tok.encode_task_layer(causal)), tok.quantizer.embedding)
        reg, attr, recon, _, s_gen = tok.detokenizer_losses(codes, mask, causal, e, batch["attributes"])
        return self.w_reg * reg + attr + recon, {"reg": reg, "attr": attr, "recon": recon, **s_gen}

    def init_from(self, done: dict[str, Any]) -> str | None:
        """Continue from an earlier detokenizer run when it read these codes; one trained on another tokenizer's
        codes (the tokenizer had a run since: plans.Run.after) would read every code as something else, so this run
        starts from the tokenizer's own detokenizer instead, which was trained with the codes it reads."""
        trained_on = done.get("codes_fingerprint")
        if trained_on is not None and trained_on != (now := codes_fingerprint(self.tok)):
            return (
                f"the previous run read other codes (codes fingerprint {trained_on}; the tokenizer's is {now}): "
                "starting from the tokenizer's own detokenizer"
            )
        return super().init_from(done)

    def final_payload(self) -> dict[str, Any]:
        return {**super().final_payload(), "codes_fingerprint": codes_fingerprint(self.tok)}


class DenoiserStage(Stage):
    name, index = "denoiser", 2

    def __init__(
        self,
        batch: int,
        cfg_drop: float = 0.1,
        ema_decay: float = 0.999,
        p_true: float = 0.5,
        noise_aug: float = 0.1,
        p_full: float = 0.6,
        depth: int = DEPTH,
        read: bool = False,
        data_seed: int = 0,
    ) -> None:
        """Conditioned (unCLIP style) on the semantic encoder's own embedding E of the image with probability
        p_true (plus Gaussian noise of std noise_aug: unCLIP's noise augmentation), else on the tokenizer's
        generation embedding of a random prefix (all 32 codes with probability p_full); zeros with probability
        cfg_drop (classifier-free guidance). depth: the DiT's blocks; a run deeper than the one it continues
        grows it (denoiser.grow_state). read: give the denoiser the cell reader (a frozen copy of the semantic
        heads' cell MLP; a run that adds it to a trained denoiser starts it at zero effect). data_seed: a run with
        another one sees other scenes, noise and timesteps for the same steps (each run restarts at step 0)."""
        super().__init__(batch)
        self.cfg_drop, self.ema_decay, self.p_true, self.noise_aug = cfg_drop, ema_decay, p_true, noise_aug
        self.p_full, self.data_seed = p_full, data_seed
        self.ae, self.latent_scale = load_autoencoder()
        self.tok = load_tokenizer()
        self.model = Denoiser(depth=depth, read=read)
        if self.model.read is not None:  # the reader: the semantic heads' cell MLP, frozen (as the tokenizer's)
            self.model.read.load_state_dict(self.tok.heads.cell.state_dict())
        self.ema = copy.deepcopy(self.model).requires_grad_(False)
        self.ac = alphas_cumprod()

    def warm_start_from_package(self, source: Path | None = None) -> list[str]:
        """Start from a package's denoiser (default: the shipped one) where shapes match (its DiT blocks already
        draw the dataset's objects); returns the names that start fresh."""
        source = source or PACKAGE_DIR / "denoiser.onnx"
        missing = load_module(self.model, source, strict=False)
        self.ema.load_state_dict(self.model.state_dict())
        return missing

    def make_batch(self, step: int) -> dict[str, Tensor]:
        step += 1_000_000 * self.data_seed
        g = torch.Generator().manual_seed(10_000_000 + step)
        images = D.render_batch(scenes_for_step(self.index, step, self.batch))
        mask = sample_prefix_mask(self.batch, g, p_full=self.p_full)
        keep = (torch.rand(self.batch, generator=g) >= self.cfg_drop).float()[:, None]
        true = (torch.rand(self.batch, generator=g) < self.p_true).float()[:, None]
        t = torch.randint(0, len(self.ac), (self.batch,), generator=g)
        noise = torch.randn((self.batch, 8, 16, 16), generator=g)
        e_noise = self.noise_aug * torch.randn((self.batch, GEN_DIM), generator=g)
        return {
            "images": torch.from_numpy(images),
            "mask": mask,
            "keep": keep,
            "true": true,
            "t": t,
            "noise": noise,
            "e_noise": e_noise,
        }

    def init_from(self, done: dict[str, Any]) -> None:
        """Continue from an earlier denoiser's EMA weights (as both the trained and the EMA copy); a shallower one
        is grown to this stage's depth (new blocks start as the identity)."""
        grow_state(self.model, done["model"])  # a reader new to the model keeps the copy made in __init__
        self.ema.load_state_dict(self.model.state_dict())

    def to(self, dev: torch.device) -> None:
        for m in (self.ae, self.tok, self.model, self.ema):
            m.to(dev)
        self.ac = self.ac.to(dev)

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        with torch.no_grad():
            x0 = self.ae.encoder(unit_range_from_uint8(batch["images"])) * self.latent_scale  # [B, 8, 16, 16]
            tokens, e = self.tok.backbone(clip_pixels_from_uint8(batch["images"]))  # E [B, 320]
            causal, _ = self.tok.qformer(self.tok.context(tokens, e))
            ids = self.tok.quantizer.ids(self.tok.encode_task_layer(causal).float())  # [B, 32]
            gen = self.tok.generation_embedding(ids, batch["mask"]).float()  # [B, 320]
            cond = batch["true"] * (e + batch["e_noise"]) + (1 - batch["true"]) * gen
            gen = cond * batch["keep"]
        t = batch["t"]
        xt, v = add_noise_v(x0, batch["noise"].to(x0.dtype), t, self.ac)
        loss = (self.model(xt, t.float(), gen).float() - v).pow(2).mean()
        return loss, {"v_mse": loss.detach()}

    @torch.no_grad()
    def after_step(self, step: int, log: Any) -> None:
        d = min(self.ema_decay, (1 + step) / (10 + step))
        for pe, pm in zip(self.ema.parameters(), self.model.parameters()):
            if pm.requires_grad:  # the frozen reader stays as copied
                pe.mul_(d).add_(pm.detach(), alpha=1 - d)

    def extra_state(self) -> dict[str, Any]:
        return {"ema": self.ema.state_dict()}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        self.ema.load_state_dict(state["ema"])

    def final_payload(self) -> dict[str, Any]:
        return {"model": cpu_state(self.ema), "raw": cpu_state(self.model), "latent_scale": self.latent_scale}


def run_weights(saved: dict[str, Any]) -> dict[str, Tensor]:
    """The weights a saved run stands for: a finished run's (its frozen model), or what a running run's checkpoint
    would finish with (its EMA copy where the stage keeps one)."""
    return saved["extra"]["ema"] if "extra" in saved else saved["model"]


def load_denoiser(path: Path | None = None) -> Denoiser:
    """The trained denoiser (runs/denoiser.done.pt), or the one in `path`: a finished run's file or a running
    run's checkpoint (its EMA weights)."""
    state = run_weights(load(path or RUNS / "denoiser.done.pt"))
    m = denoiser_for(state)
    m.load_state_dict(state)
    return m.eval().requires_grad_(False)


def module_size(m: nn.Module) -> float:
    """Millions of trainable parameters (a frozen part, such as the denoiser's cell reader, is not counted)."""
    return sum(p.numel() for p in m.parameters() if p.requires_grad) / 1e6
