"""Transformer building blocks shared by the SEED-mini models (ONNX-exportable with torch 1.13 at opset 17).

Attention is written by hand (torch 1.13 has no scaled_dot_product_attention); additive masks use
finfo.min-scaled values, never -inf, so a fully masked row stays finite in ONNX Runtime.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class Attention(nn.Module):
    """Multi-head attention. x [B, Tq, D] attends to ctx [B, Tk, Dk] (ctx=None: self-attention).

    Returns (out [B, Tq, D], probs [B, H, Tq, Tk]); probs are what the encoder exports as attention maps.
    """

    def __init__(self, dim: int, heads: int, ctx_dim: int | None = None) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} must be divisible by heads {heads}")
        self.heads, self.head_dim = heads, dim // heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(ctx_dim or dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor, ctx: Tensor | None = None, bias: Tensor | None = None) -> tuple[Tensor, Tensor]:
        b, tq, d = x.shape
        ctx = x if ctx is None else ctx
        tk = ctx.shape[1]
        q = self.q(x).reshape(b, tq, self.heads, self.head_dim).transpose(1, 2)  # [B, H, Tq, Dh]
        k, v = self.kv(ctx).reshape(b, tk, 2, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)  # [B, H, Tk, Dh]
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))  # [B, H, Tq, Tk]
        if bias is not None:
            scores = scores + bias
        probs = scores.softmax(dim=-1)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, tq, d)
        return self.proj(out), probs


def causal_bias(n: int, device: torch.device | None = None) -> Tensor:
    """Additive lower-triangular mask [n, n]: 0 where key j <= query i, a large negative value elsewhere."""
    allowed = torch.ones(n, n, dtype=torch.bool, device=device).tril()
    return torch.zeros(n, n, device=device).masked_fill(~allowed, -1e4)


class Mlp(nn.Sequential):
    def __init__(self, dim: int, hidden: int, out: int | None = None) -> None:
        super().__init__(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, out or dim))


class Block(nn.Module):
    """Pre-norm transformer block: x + Attn(LN x) (optionally masked), x + MLP(LN x). x [B, T, D]."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), Attention(dim, heads)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=1e-6), Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: Tensor, bias: Tensor | None = None) -> Tensor:
        x = x + self.attn(self.norm1(x), bias=bias)[0]
        return x + self.mlp(self.norm2(x))


def timestep_embedding(t: Tensor, dim: int, max_period: float = 10000.0) -> Tensor:
    """Sinusoidal embedding of (float) timesteps t [B] -> [B, dim] as [cos | sin] (flip_sin_to_cos, shift 0)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
