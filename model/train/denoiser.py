"""Latent diffusion denoiser: a small DiT over the AE latent, conditioned on the generation embedding and t.

sample [B, 8, 16, 16] -> 2x2 patches -> 64 tokens -> d 192, 6 blocks with adaLN-Zero modulation from
c = MLP(timestep embedding) + MLP(generation embedding) -> out_sample [B, 8, 16, 16] (v-prediction).
Real SEED: the unCLIP SD-2.1 UNet with the 1024-d image embedding as class label (v-prediction as well).
A zero generation embedding is the unconditional input for classifier-free guidance (as SEED).

Spatial hint. A global vector through adaLN alone is a weak signal for a small DiT trained for minutes: the first
SEED-mini denoiser (900 steps) learned backgrounds and ignored which object goes where (a flat prefix curve). So the
generation embedding also goes through `hint`, an MLP to a 3x32x32 picture, initialised from the tokenizer's
training-only regression head (which maps the same embedding to the image average-pooled to 32x32) and trained on;
its pixel-unshuffled 12x16x16 map is concatenated to the latent before patching. Everything stays inside the
denoiser graph, so the package contract (sample, timestep, generation_embedding -> out_sample) is unchanged and a
real SEED UNet drops into the same slot. Zero embeddings (the unconditional half of CFG) give hint(0), a constant.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .modules import Attention, Mlp, timestep_embedding


class DiTBlock(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.n1 = nn.LayerNorm(dim, eps=1e-6)  # affine: torch 1.13 mis-exports affine-free LN at opset 17
        self.attn = Attention(dim, heads)
        self.n2 = nn.LayerNorm(dim, eps=1e-6)  # affine: torch 1.13 mis-exports affine-free LN at opset 17
        self.mlp = Mlp(dim, 4 * dim)
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))
        nn.init.zeros_(self.ada[1].weight)
        nn.init.zeros_(self.ada[1].bias)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        s1, b1, g1, s2, b2, g2 = self.ada(c).unsqueeze(1).chunk(6, dim=-1)   # each [B, 1, D]
        x = x + g1 * self.attn(self.n1(x) * (1 + s1) + b1)[0]
        return x + g2 * self.mlp(self.n2(x) * (1 + s2) + b2)


class Denoiser(nn.Module):
    HINT_SIZE = 32

    def __init__(self, channels: int = 8, size: int = 16, gen_dim: int = 256, dim: int = 192,
                 depth: int = 6, heads: int = 6, patch: int = 2) -> None:
        super().__init__()
        self.channels, self.size, self.patch, self.dim = channels, size, patch, dim
        self.grid = size // patch
        pdim = channels * patch * patch
        self.hint = nn.Sequential(nn.Linear(gen_dim, 512), nn.GELU(), nn.Linear(512, 3 * self.HINT_SIZE ** 2))
        self.hint_channels = 3 * (self.HINT_SIZE // size) ** 2                                  # 12 at 16x16
        self.inp = nn.Linear(pdim + self.hint_channels * patch * patch, dim)
        self.pos = nn.Parameter(torch.randn(1, self.grid * self.grid, dim) * 0.02)
        self.t_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.e_mlp = nn.Sequential(nn.Linear(gen_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.blocks = nn.ModuleList(DiTBlock(dim, heads) for _ in range(depth))
        self.n_out = nn.LayerNorm(dim, eps=1e-6)  # affine: torch 1.13 mis-exports affine-free LN at opset 17
        self.ada_out = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))
        self.out = nn.Linear(dim, pdim)
        for layer in (self.ada_out[1], self.out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, sample: Tensor, timestep: Tensor, generation_embedding: Tensor) -> Tensor:
        b, c, p, g = sample.shape[0], self.channels, self.patch, self.grid
        hs = self.HINT_SIZE
        hint = F.pixel_unshuffle(self.hint(generation_embedding).reshape(b, 3, hs, hs), hs // self.size)
        x = torch.cat([sample, hint], dim=1)                                                   # [B, 20, 16, 16]
        c = x.shape[1]
        x = x.reshape(b, c, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, c * p * p)  # [B, 64, 80]
        x = self.inp(x) + self.pos
        c = self.channels
        cond = self.t_mlp(timestep_embedding(timestep, self.dim)) + self.e_mlp(generation_embedding)  # [B, D]
        for blk in self.blocks:
            x = blk(x, cond)
        s, sh = self.ada_out(cond).unsqueeze(1).chunk(2, dim=-1)
        x = self.out(self.n_out(x) * (1 + s) + sh)                                             # [B, 64, 32]
        return x.reshape(b, g, g, c, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, c, g * p, g * p)
