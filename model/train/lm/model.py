"""SEED-mini language model: a small LLaMA-style decoder (RMSNorm, RoPE, SwiGLU, untied head) with a KV cache.

One forward serves training, prefill and decode, and is what export.py traces into ONE ONNX graph with Hugging
Face Optimum's names:
    input_ids [B,S] int64, attention_mask [B,P+S] int64, position_ids [B,S] int64,
    past_key_values.{i}.key/value [B,H,P,Dh] f32  ->  logits [B,S,V] f32, present.{i}.key/value [B,H,P+S,Dh] f32
An empty past (P = 0) is the prefill. The additive mask is built inside the graph from attention_mask and the past
length, filled with finfo(float32).min (not -inf, so that a fully masked row stays finite).
Attention is written by hand (torch 1.13 has no scaled_dot_product_attention).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

KV = tuple[Tensor, Tensor]  # key, value: [B, H, P, Dh] each


@dataclass
class LMConfig:
    vocab_size: int
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 704  # SwiGLU hidden width (~8/3 d, multiple of 64)
    max_position_embeddings: int = 256
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(cfg: LMConfig) -> tuple[Tensor, Tensor]:
    """cos, sin [max_pos, Dh] (LLaMA's half-split layout: frequencies repeated for both halves)."""
    inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float32) / cfg.head_dim))
    freqs = torch.outer(torch.arange(cfg.max_position_embeddings, dtype=torch.float32), inv)  # [T, Dh/2]
    emb = torch.cat([freqs, freqs], dim=-1)  # [T, Dh]
    return emb.cos(), emb.sin()


def rotate_half(x: Tensor) -> Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: LMConfig) -> None:
        super().__init__()
        self.h, self.dh = cfg.n_heads, cfg.head_dim
        self.q = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.k = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.v = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.o = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, bias: Tensor, past: KV) -> tuple[Tensor, KV]:
        b, s, _ = x.shape
        q = self.q(x).view(b, s, self.h, self.dh).transpose(1, 2)  # [B, H, S, Dh]
        k = self.k(x).view(b, s, self.h, self.dh).transpose(1, 2)
        v = self.v(x).view(b, s, self.h, self.dh).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin  # cos/sin [B, 1, S, Dh]
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([past[0], k], dim=2)  # [B, H, P+S, Dh]
        v = torch.cat([past[1], v], dim=2)
        att = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.dh) + bias  # [B, H, S, P+S]
        out = torch.matmul(att.softmax(dim=-1), v)  # [B, H, S, Dh]
        out = out.transpose(1, 2).reshape(b, s, self.h * self.dh)
        return self.o(out), (k, v)


class Block(nn.Module):
    def __init__(self, cfg: LMConfig) -> None:
        super().__init__()
        self.norm1 = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.norm2 = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.gate = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.up = nn.Linear(cfg.d_model, cfg.d_ff, bias=False)
        self.down = nn.Linear(cfg.d_ff, cfg.d_model, bias=False)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, bias: Tensor, past: KV) -> tuple[Tensor, KV]:
        a, present = self.attn(self.norm1(x), cos, sin, bias, past)
        x = x + a
        h = self.norm2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h)), present


def attention_bias(attention_mask: Tensor, past_len: int | Tensor, seq_len: int | Tensor) -> Tensor:
    """Additive bias [B, 1, S, P+S]: 0 where query i may see key j (j <= P+i and attention_mask[b, j] = 1)."""
    total = attention_mask.shape[1]
    q_pos = torch.arange(seq_len, device=attention_mask.device).unsqueeze(1) + past_len  # [S, 1]
    k_pos = torch.arange(total, device=attention_mask.device).unsqueeze(0)  # [1, P+S]
    allowed = (k_pos <= q_pos).unsqueeze(0) & attention_mask.bool().unsqueeze(1)  # [B, S, P+S]
    zero = torch.zeros((), dtype=torch.float32, device=attention_mask.device)
    neg = torch.full((), torch.finfo(torch.float32).min, dtype=torch.float32, device=attention_mask.device)
    return torch.where(allowed, zero, neg).unsqueeze(1)


class SeedMiniLM(nn.Module):
    def __init__(self, cfg: LMConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        cos, sin = rope_tables(cfg)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init)
        for blk in self.blocks:  # scaled residual projections (GPT-2 style)
            nn.init.normal_(blk.attn.o.weight, std=0.02 / math.sqrt(2 * cfg.n_layers))
            nn.init.normal_(blk.down.weight, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def empty_past(self, batch: int) -> list[KV]:
        z = torch.zeros(batch, self.cfg.n_heads, 0, self.cfg.head_dim, device=self.embed.weight.device)
        return [(z, z) for _ in range(self.cfg.n_layers)]

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor, position_ids: Tensor, past: list[KV]
    ) -> tuple[Tensor, list[KV]]:
        """logits [B, S, V] and the new cache (one (key, value) pair per layer, [B, H, P+S, Dh])."""
        s = input_ids.shape[1]
        bias = attention_bias(attention_mask, past[0][0].shape[2], s)
        cos = self.rope_cos[position_ids].unsqueeze(1)  # [B, 1, S, Dh]
        sin = self.rope_sin[position_ids].unsqueeze(1)
        x = self.embed(input_ids)  # [B, S, D]
        presents: list[KV] = []
        for blk, layer_past in zip(self.blocks, past):
            x, present = blk(x, cos, sin, bias, layer_past)
            presents.append(present)
        return self.lm_head(self.norm(x)), presents

    def token_losses(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """Next-token cross-entropy at every position [B, S-1] (position i predicts token i + 1), no cache."""
        b, s = input_ids.shape
        pos = torch.arange(s, device=input_ids.device).unsqueeze(0).expand(b, s)
        logits, _ = self(input_ids, attention_mask, pos, self.empty_past(b))
        ce = F.cross_entropy(
            logits[:, :-1].reshape(-1, logits.shape[-1]), input_ids[:, 1:].reshape(-1), reduction="none"
        )
        return ce.view(b, s - 1)

    def loss(self, input_ids: Tensor, attention_mask: Tensor, loss_mask: Tensor) -> Tensor:
        """Mean next-token cross-entropy over tokens whose loss_mask is 1 (answers), prefill without a cache."""
        weight = loss_mask[:, 1:].float()
        return (self.token_losses(input_ids, attention_mask) * weight).sum() / weight.sum().clamp(min=1.0)


def layers_in(names: Iterable[str]) -> int:
    """How many blocks the weight names of an LM (a state dict's keys, or its ONNX graph's names) hold."""
    return len({n.split(".")[1] for n in names if n.startswith("blocks.")})


def grown_index(old_layers: int, new_layers: int) -> list[int]:
    """Where each of a shallower LM's blocks goes in a deeper one: block i at floor(i * new / old), so the new blocks
    fall evenly between the old ones (4 -> 6: old at 0, 1, 3, 4; new at 2 and 5)."""
    if not 0 < old_layers <= new_layers:
        raise ValueError(f"cannot grow a {old_layers}-layer LM into {new_layers} layers")
    return [i * new_layers // old_layers for i in range(old_layers)]


def grow_state(model: SeedMiniLM, state: dict[str, Tensor]) -> list[int]:
    """Loads a shallower (or equally deep) LM's state into `model`. The old blocks keep their order (grown_index); a new
    block's output projections (attention `o` and the MLP's `down`) start at zero, so it passes its input through
    unchanged and the grown model computes what `state` did, while its other weights keep their random init and
    get gradients from the first step. Returns the new blocks' indices; any other mismatch is an error."""
    place = grown_index(layers_in(state), len(model.blocks))
    moved = {}
    for k, v in state.items():
        if k.startswith("blocks."):
            _, i, rest = k.split(".", 2)
            k = f"blocks.{place[int(i)]}.{rest}"
        moved[k] = v
    missing, unexpected = model.load_state_dict(moved, strict=False)
    fresh = [i for i in range(len(model.blocks)) if i not in place]
    wrong = [n for n in missing if not any(n.startswith(f"blocks.{i}.") for i in fresh)] + list(unexpected)
    if wrong:
        raise ValueError(f"LM state does not match beyond its depth: {wrong[:5]}")
    with torch.no_grad():
        for i in fresh:
            model.blocks[i].attn.o.weight.zero_()
            model.blocks[i].down.weight.zero_()
    return fresh
