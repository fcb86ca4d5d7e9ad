"""SEED-mini visual tokenizer: ViT -> Causal Q-Former -> encode_task_layer -> VQ codebook -> 32 ids (SEED-2 shape).

Sizes (real SEED in brackets): ViT patch 8 on 64x64 -> 8x8 patches + CLS, d 192, 4 blocks [EVA ViT-g/14, 1408,
39 blocks]; ln_vision; Causal Q-Former with 32 queries, d 192, 3 layers, causal self-attention among the queries
and cross-attention to the ViT tokens in every layer [BERT-base, 12 layers, cross-attention every 2nd];
encode_task_layer Linear-Tanh-Linear 192 -> 32; codebook 1024 x 32, plain L2 argmin [8192 x 32].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .modules import Attention, Block, Mlp, causal_bias

NUM_TOKENS, EMBED_DIM, CODE_DIM, CODEBOOK_SIZE = 32, 192, 32, 1024
PATCH, IMAGE = 8, 64
GRID = IMAGE // PATCH


class ViT(nn.Module):
    """pixel_values [B, 3, 64, 64] (CLIP-normalised) -> image_embeds [B, 1 + 64, D] after ln_vision."""

    def __init__(self, dim: int = EMBED_DIM, depth: int = 4, heads: int = 6) -> None:
        super().__init__()
        self.patch = nn.Conv2d(3, dim, PATCH, stride=PATCH)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, 1 + GRID * GRID, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.ln_vision = nn.LayerNorm(dim)

    def forward(self, x: Tensor) -> Tensor:
        p = self.patch(x).flatten(2).transpose(1, 2)  # [B, 64, D], row-major patches
        h = torch.cat([self.cls.expand(p.shape[0], -1, -1), p], 1) + self.pos
        for blk in self.blocks:
            h = blk(h)
        return self.ln_vision(h)


class QFormerLayer(nn.Module):
    """Pre-norm: causal self-attention among queries, cross-attention to image tokens, MLP."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.n1, self.self_attn = nn.LayerNorm(dim), Attention(dim, heads)
        self.n2, self.cross_attn = nn.LayerNorm(dim), Attention(dim, heads)
        self.n3, self.mlp = nn.LayerNorm(dim), Mlp(dim, 4 * dim)

    def forward(self, q: Tensor, img: Tensor, bias: Tensor, cross_bias: Tensor | None = None) -> tuple[Tensor, Tensor]:
        q = q + self.self_attn(self.n1(q), bias=bias)[0]
        c, probs = self.cross_attn(self.n2(q), ctx=img, bias=cross_bias)  # probs [B, H, 32, T]
        q = q + c
        return q + self.mlp(self.n3(q)), probs


class CausalQFormer(nn.Module):
    """image_embeds [B, 65, D] -> causal_embeddings [B, 32, D], attention_maps [B, 32, 64]."""

    def __init__(self, dim: int = EMBED_DIM, depth: int = 3, heads: int = 6, n_prefix: int = 1) -> None:
        """n_prefix: leading context tokens that are not image patches (left out of the attention maps)."""
        super().__init__()
        self.n_prefix = n_prefix
        self.query_tokens = nn.Parameter(torch.randn(1, NUM_TOKENS, dim) * 0.02)
        self.layers = nn.ModuleList(QFormerLayer(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.register_buffer("bias", causal_bias(NUM_TOKENS), persistent=False)
        # With prefix tokens (the semantic slices: global first, then the nine cells), query i < n_prefix starts out
        # reading prefix token i: a learnable cross-attention bias [32, n_prefix + 64] that puts the scene, in
        # reading order, into the first causal tokens (the rest read the patches for detail). Training may move it.
        if n_prefix > 1:
            init = torch.zeros(NUM_TOKENS, n_prefix + GRID * GRID)
            init[torch.arange(n_prefix), torch.arange(n_prefix)] = 8.0
            self.cross_bias = nn.Parameter(init)
        else:
            self.cross_bias = None

    def forward(self, img: Tensor) -> tuple[Tensor, Tensor]:
        q = self.query_tokens.expand(img.shape[0], -1, -1)
        maps = []
        for layer in self.layers:
            q, probs = layer(q, img, self.bias, self.cross_bias)
            maps.append(probs.mean(1))  # [B, 32, 65]
        m = torch.stack(maps, 0).mean(0)[:, :, self.n_prefix :]  # patches only -> [B, 32, 64]
        m = m / m.sum(-1, keepdim=True)
        return self.norm(q), m


class VectorQuantizer(nn.Module):
    """L2 nearest code over an EMA-updated codebook [K, C]; straight-through gradients; dead-code restarts."""

    def __init__(self, k: int = CODEBOOK_SIZE, dim: int = CODE_DIM, decay: float = 0.99) -> None:
        super().__init__()
        self.decay = decay
        self.register_buffer("embedding", torch.randn(k, dim) * 0.1)  # [K, C]
        self.register_buffer("ema_count", torch.ones(k))
        self.register_buffer("ema_sum", self.embedding.clone())
        self.register_buffer("initialised", torch.zeros((), dtype=torch.bool))
        self.register_buffer("usage", torch.zeros(k), persistent=False)  # assignments since the last restart check
        self._initialised_seen = False

    def ids(self, z: Tensor) -> Tensor:
        """z [B, N, C] -> ids int64 [B, N]: argmin ||z||^2 + ||e||^2 - 2 z.e (SEED's VectorQuantizer2)."""
        d = z.pow(2).sum(-1, keepdim=True) + self.embedding.pow(2).sum(-1) - 2 * z @ self.embedding.t()
        return d.argmin(-1)

    def forward(self, z: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Returns (z_q straight-through [B, N, C], ids [B, N], commitment loss)."""
        if self.training and not self._initialised_seen:
            if not bool(self.initialised):  # data-dependent init: codes start on encoder outputs
                self.ema_count.zero_()
                self.restart_dead_codes(z.detach().reshape(-1, z.shape[-1]))
                self.initialised.fill_(True)
            self._initialised_seen = True  # a Python flag: no device sync on every step after the first
        ids = self.ids(z)
        zq = F.embedding(ids, self.embedding)
        if self.training:
            self._ema_update(z.detach().reshape(-1, z.shape[-1]), ids.reshape(-1))
        commit = (z - zq.detach()).pow(2).mean()
        return z + (zq - z).detach(), ids, commit

    @torch.no_grad()
    def _ema_update(self, z: Tensor, ids: Tensor) -> None:
        onehot = F.one_hot(ids, self.embedding.shape[0]).type_as(z)  # [M, K]
        self.usage.add_(onehot.sum(0))
        self.ema_count.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.ema_sum.mul_(self.decay).add_(onehot.t() @ z, alpha=1 - self.decay)
        n = self.ema_count.sum()
        count = (self.ema_count + 1e-5) / (n + self.embedding.shape[0] * 1e-5) * n
        self.embedding.copy_(self.ema_sum / count[:, None])

    @torch.no_grad()
    def restart_dead_codes(self, z: Tensor, threshold: float = 0.03) -> int:
        """Move dead codes onto random recent encoder outputs z [M, C]: codes whose EMA usage fell below `threshold`,
        and codes no batch chose since the last call (the window check keeps a small batch's codebook alive: an
        EMA count decays too slowly to notice a collapse early). Resets the window."""
        window_dead = self.usage == 0 if bool(self.usage.sum() > 0) else torch.zeros_like(self.usage, dtype=torch.bool)
        dead = ((self.ema_count < threshold) | window_dead).nonzero().flatten()
        self.usage.zero_()
        if len(dead) == 0:
            return 0
        pick = z[torch.randint(0, z.shape[0], (len(dead),), device=z.device)]
        pick = pick + 0.01 * z.std() * torch.randn_like(pick)
        self.embedding[dead] = pick
        self.ema_sum[dead] = pick * 0.5
        self.ema_count[dead] = 0.5
        return int(len(dead))


class Detokenizer(nn.Module):
    """ids [B, 32] (+ token_mask [B, 32]) -> generation_embedding [B, E] (SEED's get_codebook_entry MLP variant).

    code lookup -> decode_task_layer (Linear-Tanh-Linear 32 -> D) -> withheld tokens replaced by a learned mask
    embedding -> + pos_embed_image -> blocks_image (bidirectional) -> image_down per token (D -> 64 -> 16)
    -> flatten [B, 512] -> distill_image_proj Linear -> [B, E].
    """

    def __init__(self, dim: int = EMBED_DIM, depth: int = 2, heads: int = 6, out_dim: int = 256) -> None:
        super().__init__()
        self.decode_task_layer = nn.Sequential(nn.Linear(CODE_DIM, CODE_DIM), nn.Tanh(), nn.Linear(CODE_DIM, dim))
        self.mask_embed = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed_image = nn.Parameter(torch.randn(1, NUM_TOKENS, dim) * 0.02)
        self.blocks_image = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.image_down = nn.Sequential(nn.Linear(dim, 64, bias=False), nn.ReLU(), nn.Linear(64, 16, bias=False))
        self.distill_image_proj = nn.Linear(NUM_TOKENS * 16, out_dim)
        self.recon = nn.Linear(dim, dim)  # training only: rebuilds the causal embeddings (SEED's recon_s)

    def hidden(self, codes: Tensor, token_mask: Tensor) -> Tensor:
        """codes [B, 32, C] (quantised vectors), token_mask [B, 32] in {0, 1} -> token states [B, 32, D]."""
        h = self.decode_task_layer(codes)
        m = token_mask.unsqueeze(-1)
        h = h * m + self.mask_embed * (1 - m) + self.pos_embed_image
        for blk in self.blocks_image:
            h = blk(h)
        return h

    def embed(self, h: Tensor) -> Tensor:
        return self.distill_image_proj(self.image_down(h).flatten(1))  # [B, E]
