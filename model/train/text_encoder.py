"""Small text encoder for the image-text contrastive objective (training only; not exported).

SEED stage 1 contrasts the last causal query with the Q-Former's own text CLS feature. Here a 2-layer
transformer over a closed word vocabulary (every word the caption templates can produce) plays that role.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from . import dataset as D
from .modules import Block

MAX_WORDS = 40
PAD, CLS, UNK = 0, 1, 2


def _words(text: str) -> list[str]:
    return text.replace(",", " ,").split()


def build_vocab() -> tuple[str, ...]:
    """[PAD], [CLS], [UNK], then every caption word in sorted order (deterministic)."""
    words: set[str] = {"a", "an", "and", "on", "background", "with", ","}
    for phrase in (*D.IDENTITIES, *D.COLOURS, *D.BACKGROUNDS, *D.CELL_PHRASES, *D.SIZES):
        words.update(_words(phrase))
    return ("[PAD]", "[CLS]", "[UNK]", *sorted(words))


class CaptionTokenizer:
    def __init__(self) -> None:
        self.vocab = build_vocab()
        self.index = {w: i for i, w in enumerate(self.vocab)}

    def __call__(self, captions: Sequence[str]) -> Tensor:
        """captions -> int64 [B, MAX_WORDS]: [CLS] words... [PAD]...; raises on a caption that is too long."""
        out = torch.full((len(captions), MAX_WORDS), PAD, dtype=torch.long)
        for i, c in enumerate(captions):
            ids = [CLS] + [self.index.get(w, UNK) for w in _words(c)]
            if len(ids) > MAX_WORDS:
                raise ValueError(f"caption has {len(ids)} tokens, more than MAX_WORDS={MAX_WORDS}: {c!r}")
            out[i, : len(ids)] = torch.tensor(ids)
        return out


class TextEncoder(nn.Module):
    """ids [B, T] -> CLS feature [B, dim]."""

    def __init__(self, vocab_size: int, dim: int = 128, depth: int = 2, heads: int = 4) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.randn(1, MAX_WORDS, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids: Tensor) -> Tensor:
        bias = torch.zeros(ids.shape, device=ids.device).masked_fill(ids == PAD, -1e4)[:, None, None, :]
        h = self.tok(ids) + self.pos[:, : ids.shape[1]]
        for blk in self.blocks:
            h = blk(h, bias=bias)
        return self.norm(h[:, 0])
