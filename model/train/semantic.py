"""The semantic encoder: SEED-mini's stand-in for the frozen, pretrained EVA-CLIP image model of the real SEED.

Real SEED never learns *what* is in an image from its own objective: its visual tokenizer reads the features of a
frozen CLIP ViT, and its generation embedding regresses a frozen CLIP image embedding, the space the unCLIP decoder
was pretrained to draw from. SEED-mini has no pretrained CLIP, so it trains one small model first, freezes it, and
builds the tokenizer and the decoder on top of it in the same roles:

    pixels [B, 3, 64, 64] (CLIP mean/std)
      -> CNN (conv stem /2, three residual stages 48-96-192 at 32/16/8 px)    features [B, 192, 8, 8]
      -> patch tokens [B, 1 + 64, 192] (a pooled global token first, then the 8x8 grid, row-major)
                                                              = what the Causal Q-Former cross-attends to
      -> image embedding E [B, 320] = 9 cell vectors [32] (learned spatial pooling onto the 3x3 scene grid)
                                      + 1 global vector [32], each layer-normalised
                                                              = the generation embedding's regression target
                                                                and the denoiser's conditioning space

Training (stages.SemanticStage): per-cell heads read each cell's identity (empty, 183 emoji, 7 shapes), colour and size
from that cell's 32-d vector alone, and the background from the global vector. So E is *semantic by construction*:
a small, fixed head recovers the scene's attributes from it. A CNN is used rather than a ViT because at this data
size a from-scratch ViT learns identity far more slowly (measured: a ViT reached 10% identity where this CNN family
reached 99.9% on 2 cores in about 15 minutes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attributes import CELLS, N_BACKGROUND, N_COLOUR, N_IDENTITY, N_SIZE
from .common import RUNS, load

FEATURE_DIM = 192  # patch token width (the Q-Former's context width)
FEATURE_GRID = 8  # 8x8 feature map on a 64x64 image
CELL_DIM = 32  # per-cell slice of the image embedding
EMBED_DIM = (CELLS + 1) * CELL_DIM  # 320: 9 cells + global


class ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(ch, ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(ch),
            nn.ReLU(),
            nn.Conv2d(ch, ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(ch),
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.body(x))


def _down(i: int, o: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(i, o, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU())


def cell_membership(grid: int = FEATURE_GRID) -> Tensor:
    """[9, grid*grid] 0/1: which 3x3 scene cell each feature position's centre falls in (row-major both)."""
    centre = (torch.arange(grid) + 0.5) * 3 / grid  # in cell units, 0..3
    cell_of = centre.floor().long().clamp(0, 2)  # [grid]
    idx = (cell_of[:, None] * 3 + cell_of[None, :]).flatten()  # [grid*grid]
    return F.one_hot(idx, CELLS).t().float()


class SemanticEncoder(nn.Module):
    """pixel_values [B, 3, 64, 64] -> (patch tokens [B, 65, 192], image embedding E [B, 320])."""

    # The exported graph holds softmax(pool_logits), folded to a constant since it depends on no input; its log
    # is a set of logits with the same softmax (softmax ignores a per-row constant). Read by package_weights.py.
    ONNX_FOLDED: ClassVar[dict[str, Callable[[Tensor], Tensor]]] = {"pool_logits": torch.log}

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 48, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(48), nn.ReLU())
        self.stages = nn.Sequential(
            ResBlock(48),
            _down(48, 96),
            ResBlock(96),
            _down(96, FEATURE_DIM),
            ResBlock(FEATURE_DIM),
            ResBlock(FEATURE_DIM),
        )
        # spatial pooling onto the 3x3 grid: learned logits, initialised to each cell's own positions
        self.pool_logits = nn.Parameter(4.0 * cell_membership())  # [9, 64]
        self.cell_proj = nn.Linear(FEATURE_DIM, CELL_DIM)
        self.global_proj = nn.Linear(FEATURE_DIM, CELL_DIM)
        self.token_norm = nn.LayerNorm(FEATURE_DIM)

    def forward(self, pixels: Tensor) -> tuple[Tensor, Tensor]:
        f = self.stages(self.stem(pixels)).flatten(2).transpose(1, 2)  # [B, 64, 192]
        g = f.mean(1)  # [B, 192]
        cells = torch.matmul(self.pool_logits.softmax(-1), f)  # [B, 9, 192]
        e = torch.cat([self.cell_proj(cells), self.global_proj(g)[:, None]], 1)  # [B, 10, 32]
        e = F.layer_norm(e, (CELL_DIM,))
        tokens = self.token_norm(torch.cat([g[:, None], f], 1))  # [B, 65, 192]
        return tokens, e.flatten(1)  # [B, 65, 192], [B, 320]


def cell_head(hidden: int = 256) -> nn.Sequential:
    """The MLP that reads a cell's identity, colour and size logits from its 32-d slice (SemanticHeads.cell; the
    denoiser's cell reader is a frozen copy)."""
    return nn.Sequential(nn.Linear(CELL_DIM, hidden), nn.GELU(), nn.Linear(hidden, N_IDENTITY + N_COLOUR + N_SIZE))


class SemanticHeads(nn.Module):
    """E [B, 320] -> attribute logits [B, 9 * (identity | colour | size) + background] (attributes.N_LOGITS).

    One small MLP shared by the nine cells reads a cell from its own 32-d slice; the background comes from the
    global slice. Frozen after the semantic stage, it also scores how much of a scene any E-shaped vector keeps
    (the tokenizer's generation embedding is trained through it)."""

    def __init__(self, hidden: int = 256) -> None:
        super().__init__()
        self.cell = cell_head(hidden)
        self.background = nn.Sequential(nn.Linear(CELL_DIM, hidden), nn.GELU(), nn.Linear(hidden, N_BACKGROUND))

    def forward(self, e: Tensor) -> Tensor:
        parts = e.reshape(e.shape[0], CELLS + 1, CELL_DIM)
        cells = self.cell(parts[:, :CELLS]).flatten(1)  # [B, 9 * per-cell]
        return torch.cat([cells, self.background(parts[:, CELLS])], 1)


class SemanticModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = SemanticEncoder()
        self.heads = SemanticHeads()


def augment_pixels(pixels: Tensor, generator: torch.Generator) -> Tensor:
    """Light photometric noise (the decoder's images are not pixel-perfect): per-image brightness/contrast, noise."""
    b = pixels.shape[0]
    gain = 1 + 0.15 * (torch.rand(b, 1, 1, 1, generator=generator) - 0.5)
    bias = 0.2 * (torch.rand(b, 1, 1, 1, generator=generator) - 0.5)
    noise = 0.05 * torch.randn(pixels.shape, generator=generator)
    return pixels * gain + bias + noise


def load_semantic() -> SemanticModel:
    m = SemanticModel()
    m.load_state_dict(load(RUNS / "semantic.done.pt")["model"])
    return m.eval().requires_grad_(False)


@torch.no_grad()
def fuse_batchnorm(module: nn.Module) -> None:
    """Fold every eval-mode BatchNorm2d that follows a Conv2d inside an nn.Sequential into the conv, in place (the
    BatchNorm becomes an Identity). The exported graph then holds only conv weights, which the fp16 storage can
    round exactly (a fold done by the ONNX exporter would produce fp32 values after the rounding)."""
    for seq in [m for m in module.modules() if isinstance(m, nn.Sequential)]:
        for i in range(len(seq) - 1):
            conv, bn = seq[i], seq[i + 1]
            if not (isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)):
                continue
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # [C_out]
            bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
            fused = nn.Conv2d(
                conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, bias=True
            ).to(conv.weight.device)
            fused.weight.copy_(conv.weight * scale[:, None, None, None])
            fused.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
            seq[i], seq[i + 1] = fused, nn.Identity()
