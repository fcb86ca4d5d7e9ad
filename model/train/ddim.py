"""DDIM scheduler (diffusers DDIMScheduler semantics) and the reference Python sampling loop.

The config written to scheduler_config.json is SCHEDULER_CONFIG; the TypeScript scheduler must reproduce
`DDIM.step` exactly (the golden fixtures record the per-step latents of `sample_ddim`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

# seed.json's image_decoder.defaults: what a plain decode uses (the runtime reads them from the manifest; the
# Python evaluations use the same, so that they measure what a user gets). Guidance 4 (`model.train.hops
# --guidance-sweep`, the codes of 96 held-out scenes at 25 steps): after the denoiser's fifth run emoji/shape
# identity was 42.9 / 44.5 / 45.0 / 42.9 / 43.5 / 41.4% at guidance 3 / 3.5 / 4 / 4.5 / 5 / 6, after the sixth
# 46.1 / 47.1 / 46.1 / 46.6 / 48.2% at 3 to 5, after the eighth 58.6 / 58.1 / 57.6% at 3.5 / 4 / 4.5, with the
# detokenizer trained further 60.2 / 59.2 / 58.1%, after the ninth run on its embeddings (the shipped package) 60.2 /
# 61.3 / 57.6%: within the noise of 96 scenes each time, the other attributes within a point of each other.
DECODE_DEFAULTS: dict[str, int | float] = {"steps": 25, "guidance_scale": 4.0, "eta": 0.0}

SCHEDULER_CONFIG: dict[str, object] = {
    "_class_name": "DDIMScheduler",
    "_diffusers_version": "0.20.2",
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "beta_start": 0.0001,
    "beta_end": 0.02,
    "trained_betas": None,
    "prediction_type": "v_prediction",
    "clip_sample": False,
    "clip_sample_range": 1.0,
    "set_alpha_to_one": True,
    "steps_offset": 0,
    "timestep_spacing": "leading",
    "thresholding": False,
    "rescale_betas_zero_snr": False,
}


def alphas_cumprod(num_train_timesteps: int = 1000) -> Tensor:
    """squaredcos_cap_v2 (diffusers betas_for_alpha_bar, cosine): float64 [T] cumulative alpha products."""

    def bar(t: float) -> float:
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    betas = [
        min(1 - bar((i + 1) / num_train_timesteps) / bar(i / num_train_timesteps), 0.999)
        for i in range(num_train_timesteps)
    ]
    return torch.cumprod(1 - torch.tensor(betas, dtype=torch.float64), 0)


class DDIM:
    """set_timesteps(n) then step(model_output, t, sample) -> (prev_sample, pred_original_sample); eta = 0."""

    def __init__(self, num_train_timesteps: int = 1000) -> None:
        self.T = num_train_timesteps
        self.ac = alphas_cumprod(num_train_timesteps)
        self.final_alpha = 1.0  # set_alpha_to_one
        self.timesteps: list[int] = []

    def set_timesteps(self, n: int) -> None:
        if not 1 <= n <= self.T:
            raise ValueError(f"num_inference_steps must be in 1..{self.T}, got {n}")
        ratio = self.T // n  # "leading" spacing, steps_offset 0
        self.step_ratio = ratio
        self.timesteps = [i * ratio for i in reversed(range(n))]

    def step(self, v: Tensor, t: int, sample: Tensor) -> tuple[Tensor, Tensor]:
        prev_t = t - self.step_ratio
        a_t = float(self.ac[t])
        a_prev = float(self.ac[prev_t]) if prev_t >= 0 else self.final_alpha
        x0 = math.sqrt(a_t) * sample - math.sqrt(1 - a_t) * v  # v-prediction
        eps = math.sqrt(a_t) * v + math.sqrt(1 - a_t) * sample
        prev = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps
        return prev, x0


def add_noise_v(x0: Tensor, noise: Tensor, t: Tensor, ac: Tensor) -> tuple[Tensor, Tensor]:
    """Training pair: x_t = sqrt(a) x0 + sqrt(1-a) eps and the v target sqrt(a) eps - sqrt(1-a) x0. t [B] int."""
    a = ac.to(x0.dtype)[t].view(-1, 1, 1, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise, a.sqrt() * noise - (1 - a).sqrt() * x0


Model = Callable[[Tensor, Tensor, Tensor], Tensor]


@torch.no_grad()
def sample_ddim(
    model: Model,
    gen: Tensor,
    noise: Tensor,
    steps: int,
    guidance: float,
    on_step: Callable[[int, int, Tensor], None] | None = None,
) -> Tensor:
    """Reference loop: noise [B, C, h, w] -> latent. CFG: out = u + g (c - u), batched as [uncond; cond]."""
    sched = DDIM()
    sched.set_timesteps(steps)
    x = noise
    for i, t in enumerate(sched.timesteps):
        tt = torch.full((2 * x.shape[0],), float(t))
        out = model(torch.cat([x, x]), tt, torch.cat([torch.zeros_like(gen), gen]))
        u, c = out.chunk(2)
        x, _ = sched.step(u + guidance * (c - u), t, x)
        if on_step is not None:
            on_step(i, t, x)
    return x
