"""Attribute judge for evaluation: a small CNN trained separately on the dataset, never on model outputs.

Per grid cell, a 24x24 crop around the cell centre -> (identity or empty, colour or none, size). The background
is judged analytically (nearest named background to the image's per-channel median). Trained on clean renders
with mild blur/noise augmentation so that it reads slightly soft reconstructions the way a person would.

Trained as the `judge` stage of `python -m model.train` (runs/judge.done.pt).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import dataset as D
from .attributes import EMPTY, NO_COLOUR, labels  # noqa: F401 (re-exported)
from .common import RUNS, load, scenes_for_step
from .stages import Stage

CROP = 24
_BG = np.array(list(D.BACKGROUNDS.values()), np.float32)


def cell_crops(images: Tensor) -> Tensor:
    """images f32 [B, 3, 64, 64] in [0, 1] -> crops [B*9, 3, 24, 24] (row-major cells, edge-padded)."""
    x = F.pad(images, (4, 4, 4, 4), mode="replicate")
    out = []
    for cell in range(9):
        cy, cx = (cell // 3 + 0.5) * 64 / 3 + 4, (cell % 3 + 0.5) * 64 / 3 + 4
        y0, x0 = int(round(cy - CROP / 2)), int(round(cx - CROP / 2))
        out.append(x[:, :, y0 : y0 + CROP, x0 : x0 + CROP])
    return torch.stack(out, 1).reshape(-1, 3, CROP, CROP)


class Judge(nn.Module):
    def __init__(self) -> None:
        super().__init__()

        def conv(i: int, o: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))

        self.features = nn.Sequential(
            conv(3, 32), conv(32, 64), conv(64, 128), nn.Flatten(), nn.Linear(128 * 9, 256), nn.ReLU()
        )
        self.identity = nn.Linear(256, EMPTY + 1)
        self.colour = nn.Linear(256, NO_COLOUR + 1)
        self.size = nn.Linear(256, len(D.SIZES))

    def forward(self, crops: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        h = self.features(crops * 2 - 1)
        return self.identity(h), self.colour(h), self.size(h)


def augment(x: Tensor, g: torch.Generator) -> Tensor:
    """Random mild blur (blend with a 3x3 box blur) and Gaussian noise; x [B, 3, 64, 64] in [0, 1]."""
    w = torch.rand(x.shape[0], 1, 1, 1, generator=g) * 0.7
    blur = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    x = (1 - w) * x + w * blur
    return (x + 0.03 * torch.rand(x.shape[0], 1, 1, 1, generator=g) * torch.randn(x.shape, generator=g)).clamp(0, 1)


def background_of(images: np.ndarray) -> np.ndarray:
    """uint8 [B, 64, 64, 3] -> background index [B]: nearest named background to the per-channel median."""
    med = np.median(images.reshape(len(images), -1, 3).astype(np.float32), axis=1)  # [B, 3]
    return ((med[:, None] - _BG[None]) ** 2).sum(-1).argmin(1)


@torch.no_grad()
def judge_scenes(judge: Judge, images: np.ndarray) -> dict[str, np.ndarray]:
    """uint8 [B, 64, 64, 3] -> predicted identity/colour/size [B, 9] and background [B]."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    out = {"identity": [], "colour": [], "size": []}
    for i in range(0, len(x), 128):
        li, lc, ls = judge(cell_crops(x[i : i + 128]))
        for k, v in zip(out, (li, lc, ls)):
            out[k].append(v.argmax(-1).reshape(-1, 9))
    res = {k: torch.cat(v).numpy() for k, v in out.items()}
    res["background"] = background_of(images)
    return res


def load_judge() -> Judge:
    j = Judge()
    j.load_state_dict(load(RUNS / "judge.done.pt")["model"])
    return j.eval()


class JudgeStage(Stage):
    """The judge as a train_all stage (same loop, checkpoints, resume, device and time box as the others)."""

    name, index = "judge", 50

    def __init__(self, batch: int) -> None:
        super().__init__(batch)
        self.model = Judge()

    def make_batch(self, step: int) -> dict[str, Tensor]:
        scenes = scenes_for_step(self.index, step, self.batch)
        x = torch.from_numpy(D.render_batch(scenes)).permute(0, 3, 1, 2).float() / 255
        yi, yc, ys = labels(scenes)
        return {"x": augment(x, torch.Generator().manual_seed(step)), "identity": yi, "colour": yc, "size": ys}

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        li, lc, ls = self.model(cell_crops(batch["x"]))
        loss = (
            F.cross_entropy(li, batch["identity"])
            + F.cross_entropy(lc, batch["colour"])
            + F.cross_entropy(ls, batch["size"], ignore_index=-100)
        )
        return loss, {"identity_acc": (li.argmax(-1) == batch["identity"]).float().mean().detach()}
