"""Per-cell scene attributes as classification targets: shared by the judge (evaluation) and the tokenizer's
semantic objective (training).

A scene is described cell by cell (3x3 grid, row-major): identity (an emoji or shape, or EMPTY), colour (a named
colour for shapes, NO_COLOUR for emoji and empty cells), size (small/large; ignored, -100, for empty cells), plus
the background. `AttributeHead` predicts all of them from one vector; `attribute_loss` is the mean cross-entropy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import dataset as D

CELLS = 9
EMPTY = len(D.IDENTITIES)  # identity class for an empty cell
NO_COLOUR = len(D.COLOURS)  # colour class for emoji and empty cells
N_IDENTITY, N_COLOUR, N_SIZE, N_BACKGROUND = EMPTY + 1, NO_COLOUR + 1, len(D.SIZES), len(D.BACKGROUNDS)
PER_CELL = N_IDENTITY + N_COLOUR + N_SIZE
N_LOGITS = CELLS * PER_CELL + N_BACKGROUND


def labels(scenes: list[D.Scene]) -> tuple[Tensor, Tensor, Tensor]:
    """-> identity [B*9], colour [B*9], size [B*9] (size of an empty cell is ignored via -100)."""
    ident = torch.full((len(scenes), CELLS), EMPTY, dtype=torch.long)
    colour = torch.full((len(scenes), CELLS), NO_COLOUR, dtype=torch.long)
    size = torch.full((len(scenes), CELLS), -100, dtype=torch.long)
    for i, s in enumerate(scenes):
        for o in s.objects:
            ident[i, o.cell] = o.identity
            colour[i, o.cell] = o.colour if o.is_shape else NO_COLOUR
            size[i, o.cell] = o.size
    return ident.flatten(), colour.flatten(), size.flatten()


def scene_targets(scenes: list[D.Scene]) -> Tensor:
    """-> int64 [B, 28]: identity [9] | colour [9] | size [9] | background [1] (one row per scene)."""
    i, c, s = (t.reshape(len(scenes), CELLS) for t in labels(scenes))
    bg = torch.tensor([sc.background for sc in scenes], dtype=torch.long)[:, None]
    return torch.cat([i, c, s, bg], 1)


class AttributeHead(nn.Module):
    """vector [B, in_dim] -> logits [B, N_LOGITS] (9 cells x (identity | colour | size), then background)."""

    def __init__(self, in_dim: int, hidden: int = 512) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, N_LOGITS))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def attribute_loss(logits: Tensor, targets: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """logits [B, N_LOGITS], targets [B, 28] (scene_targets) -> (mean CE over the four kinds, accuracies).

    Accuracies: identity on occupied cells (the hard part), background.
    """
    b = logits.shape[0]
    cells = logits[:, : CELLS * PER_CELL].reshape(b, CELLS, PER_CELL)
    li, lc, ls = cells.split((N_IDENTITY, N_COLOUR, N_SIZE), dim=-1)
    lb = logits[:, CELLS * PER_CELL :]
    ti, tc, ts, tb = targets[:, :9], targets[:, 9:18], targets[:, 18:27], targets[:, 27]
    loss = (
        F.cross_entropy(li.reshape(-1, N_IDENTITY), ti.reshape(-1))
        + F.cross_entropy(lc.reshape(-1, N_COLOUR), tc.reshape(-1))
        + F.cross_entropy(ls.reshape(-1, N_SIZE), ts.reshape(-1), ignore_index=-100)
        + F.cross_entropy(lb, tb)
    )
    with torch.no_grad():
        occ = ti != EMPTY
        id_acc = ((li.argmax(-1) == ti) & occ).sum() / occ.sum().clamp(min=1)  # tensors: no device sync
        bg_acc = (lb.argmax(-1) == tb).float().mean()
    return loss, {"id_acc": id_acc, "bg_acc": bg_acc}
