"""SEED-2's Causal Q-Former: BERT-base layers (post-norm, LayerNorm eps 1e-12, exact GELU) run on 32 learned query
tokens only, with causal self-attention among the queries (query i sees queries 0..i) and cross-attention to the
ViT's patch tokens in every `cross_attention_freq`-th layer (layers 0, 2, 4, ... for BERT-base with freq 2).
BLIP-2's text branch (word/position embeddings, the text FFN `intermediate`/`output`, the MLM head) is absent,
as in SEED's checkpoint.

State-dict names (under `Qformer.bert.`): embeddings.LayerNorm.*, encoder.layer.{i}.attention.self.{query,key,value}.*,
encoder.layer.{i}.attention.output.{dense,LayerNorm}.*, encoder.layer.{i}.crossattention.* (same form, key/value
take the vision width), encoder.layer.{i}.intermediate_query.dense.*, encoder.layer.{i}.output_query.{dense,LayerNorm}.*.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# BERT's additive mask value for a masked position ((1 - mask) * -10000); exp() of it is 0 in float32.
MASKED = -10000.0


@dataclass(frozen=True)
class QformerConfig:
    hidden: int = 768
    layers: int = 12
    heads: int = 12
    intermediate: int = 3072
    vision_width: int = 1408
    num_queries: int = 32
    cross_attention_freq: int = 2
    eps: float = 1e-12

    def has_cross(self, layer: int) -> bool:
        return layer % self.cross_attention_freq == 0


class SelfAttention(nn.Module):
    """BERT's BertSelfAttention: q from the hidden states, k/v from `context` (itself, or the image tokens)."""

    def __init__(self, hidden: int, heads: int, kv_width: int) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(kv_width, hidden)
        self.value = nn.Linear(kv_width, hidden)

    def forward(self, x: Tensor, context: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        b, n, c = x.shape
        dh = c // self.heads
        q = self.query(x).view(b, n, self.heads, dh).transpose(1, 2)
        k = self.key(context).view(b, context.shape[1], self.heads, dh).transpose(1, 2)
        v = self.value(context).view(b, context.shape[1], self.heads, dh).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) / (dh**0.5)
        if mask is not None:
            scores = scores + mask
        probs = scores.softmax(dim=-1)  # [B, H, N, M]
        return (probs @ v).transpose(1, 2).reshape(b, n, c), probs


class DenseNorm(nn.Module):
    """BERT's BertSelfOutput / BertOutput: LayerNorm(dense(x) + residual)."""

    def __init__(self, d_in: int, hidden: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, cfg: QformerConfig, kv_width: int) -> None:
        super().__init__()
        self.self = SelfAttention(cfg.hidden, cfg.heads, kv_width)
        self.output = DenseNorm(cfg.hidden, cfg.hidden, cfg.eps)

    def forward(self, x: Tensor, context: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        h, probs = self.self(x, context, mask)
        return self.output(h, x), probs


class Intermediate(nn.Module):
    def __init__(self, cfg: QformerConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden, cfg.intermediate)

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(self.dense(x))


class QformerLayer(nn.Module):
    def __init__(self, cfg: QformerConfig, index: int) -> None:
        super().__init__()
        self.attention = Attention(cfg, cfg.hidden)
        self.crossattention = Attention(cfg, cfg.vision_width) if cfg.has_cross(index) else None
        self.intermediate_query = Intermediate(cfg)
        self.output_query = DenseNorm(cfg.intermediate, cfg.hidden, cfg.eps)

    def forward(self, x: Tensor, image: Tensor, causal: Tensor) -> tuple[Tensor, Tensor | None]:
        x, _ = self.attention(x, x, causal)
        cross = None
        if self.crossattention is not None:
            x, cross = self.crossattention(x, image, None)
        return self.output_query(self.intermediate_query(x), x), cross


class Embeddings(nn.Module):
    def __init__(self, cfg: QformerConfig) -> None:
        super().__init__()
        self.LayerNorm = nn.LayerNorm(cfg.hidden, eps=cfg.eps)


class Encoder(nn.Module):
    def __init__(self, cfg: QformerConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([QformerLayer(cfg, i) for i in range(cfg.layers)])


class QformerBert(nn.Module):
    def __init__(self, cfg: QformerConfig) -> None:
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.encoder = Encoder(cfg)


class Qformer(nn.Module):
    """Holds `bert` so that the state-dict names read `Qformer.bert.…` under the tokenizer."""

    def __init__(self, cfg: QformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.bert = QformerBert(cfg)

    def forward(self, queries: Tensor, image: Tensor) -> tuple[Tensor, list[Tensor]]:
        """queries [B, N, D], image tokens [B, M, W] -> hidden [B, N, D] and each cross layer's probs [B, H, N, M]."""
        n = queries.shape[1]
        allowed = torch.ones(n, n, device=queries.device).tril()
        causal = ((1.0 - allowed) * MASKED)[None, None]  # [1, 1, N, N]
        x = self.bert.embeddings.LayerNorm(queries)
        crosses: list[Tensor] = []
        for layer in self.bert.encoder.layer:
            x, cross = layer(x, image, causal)
            if cross is not None:
                crosses.append(cross)
        return x, crosses
