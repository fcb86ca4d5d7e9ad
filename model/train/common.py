"""Shared training plumbing: paths, batches from the seeded dataset, preprocessing, checkpoints, logging."""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from . import dataset as D

ROOT = Path(__file__).resolve().parent
RUNS = Path(os.environ.get("SEED_MINI_RUNS", ROOT / "runs"))  # override for smoke tests
PACKAGE_DIR = Path(os.environ.get("SEED_MINI_PACKAGE", ROOT.parent / "seed-mini"))
SEED = 1234
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def setup_torch(threads: int = 2) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    torch.set_num_threads(threads)


def device() -> torch.device:
    """Where training runs: SEED_MINI_DEVICE (cpu, the default, or cuda when a GPU is lent)."""
    return torch.device(os.environ.get("SEED_MINI_DEVICE", "cpu"))


def package_file(name: str, revision: str | None = None) -> Path:
    """A file of the SEED-mini package: model/seed-mini/<name>, or as committed at a git revision (extracted once
    into runs/packages/<revision>/, so a plan can start from an earlier package than the one checked out)."""
    if revision is None:
        return PACKAGE_DIR / name
    out = RUNS / "packages" / revision / name
    if not out.exists():
        repo = ROOT.parent.parent
        try:
            data = subprocess.run(
                ["git", "show", f"{revision}:model/seed-mini/{name}"], cwd=repo, capture_output=True, check=True
            ).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            err = getattr(e, "stderr", b"") or b""
            raise SystemExit(
                f"cannot read model/seed-mini/{name} at git revision {revision}: {err.decode().strip() or e}; "
                "this plan starts from that earlier package, so it needs the repository's history (not a shallow "
                "clone: `git fetch --unshallow`)"
            ) from e
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(out)
    return out


def add_device_args(ap: argparse.ArgumentParser) -> None:
    """--device, --workers, --seconds: the device options of `python -m model.train`."""
    ap.add_argument(
        "--device",
        default=os.environ.get("SEED_MINI_DEVICE", "cpu"),
        help="cpu (default) or cuda; a GPU trains the same stages with larger batches in minutes",
    )
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers rendering batches ahead (0: inline)")
    ap.add_argument(
        "--seconds",
        type=float,
        default=0.0,
        help="time box: as many steps as fit (at most the "
        "planned count), measured after 40 steps; the cosine schedule fits that count",
    )


def to_device(batch: dict[str, Tensor], dev: torch.device) -> dict[str, Tensor]:
    return {k: v.to(dev, non_blocking=True) for k, v in batch.items()}


def scenes_for_step(stage: int, step: int, batch: int, split: D.Split = "train") -> list[D.Scene]:
    """The batch of a given stage and step: a pure function of (SEED, stage, step), so resuming is exact."""
    rng = np.random.default_rng([SEED, stage, step])
    return [D.sample_scene(rng, split) for _ in range(batch)]


def to_clip_pixels(images: np.ndarray) -> Tensor:
    """uint8 [B, 64, 64, 3] -> pixel_values f32 [B, 3, 64, 64], CLIP mean/std (the encoder's input)."""
    return clip_pixels_from_uint8(torch.from_numpy(images))


def to_unit_range(images: np.ndarray) -> Tensor:
    """uint8 [B, 64, 64, 3] -> f32 [B, 3, 64, 64] in [-1, 1] (the autoencoder's input)."""
    return unit_range_from_uint8(torch.from_numpy(images))


def clip_pixels_from_uint8(images: Tensor) -> Tensor:
    """uint8 [B, 64, 64, 3] tensor (any device) -> CLIP-normalised f32 [B, 3, 64, 64]. Stages call it on the device,
    so that DataLoader workers ship 1 byte per pixel value instead of 4."""
    x = images.permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(CLIP_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std


def unit_range_from_uint8(images: Tensor) -> Tensor:
    """uint8 [B, 64, 64, 3] tensor (any device) -> f32 [B, 3, 64, 64] in [-1, 1] (to_unit_range on a device)."""
    return images.permute(0, 3, 1, 2).float() / 127.5 - 1.0


def to_uint8(x: Tensor) -> np.ndarray:
    """f32 [B, 3, H, W] in [-1, 1] -> uint8 [B, H, W, 3]."""
    return ((x.clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def save_atomic(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load(path: Path) -> Any:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run `python -m model.train` first")
    return torch.load(path, map_location="cpu", weights_only=False)


class Log:
    """Appends lines to runs/train.log and echoes them to stdout."""

    def __init__(self, path: Path = RUNS / "train.log") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path

    def __call__(self, msg: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}"
        print(line, flush=True)
        with self.path.open("a") as f:
            f.write(line + "\n")


def fmt_duration(seconds: float) -> str:
    s = int(max(seconds, 0))
    return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def fmt_stats(stats: dict[str, Any], keys: Sequence[str] | None = None) -> str:
    """Values may be floats or 0-d tensors (kept on the device until a line is logged)."""
    return " ".join(f"{k} {float(stats[k]):.4g}" for k in (keys or stats))
