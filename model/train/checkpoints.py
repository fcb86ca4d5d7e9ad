"""Compact continuation checkpoints kept in the repository (model/train/checkpoints/), so that training survives a
change of machine: runs/ is gitignored, this folder is not.

  save()     every stage's frozen result (runs/<stage>.done.pt) and the latest in-progress checkpoint of an unfinished
             stage (runs/<stage>.pt), float tensors rounded to fp16 (as the ONNX export does) and without optimiser
             state; replaces what the folder held (one file per stage, no pile-up)
  restore()  the reverse, for stages that runs/ does not have: a done stage is done again, an unfinished one resumes
             at its step with a fresh optimiser state

`python -m model.train` restores at start and saves after each stage and every `--save-every` seconds of training
when `--keep-checkpoints` is given.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import torch

from .common import ROOT, RUNS
from .onnx_fp16 import MIN_ELEMENTS

CHECKPOINTS = Path(os.environ.get("SEED_MINI_CHECKPOINTS", ROOT / "checkpoints"))  # override for smoke tests
BUDGET_MB = 60


def compact(obj: Any) -> Any:
    """Round float tensors of >= MIN_ELEMENTS elements to fp16, recursively; optimiser states dropped."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu()
        return t.half() if t.is_floating_point() and t.numel() >= MIN_ELEMENTS else t
    if isinstance(obj, dict):
        return {k: compact(v) for k, v in obj.items() if k not in ("opt", "raw")}
    if isinstance(obj, (list, tuple)):
        return type(obj)(compact(v) for v in obj)
    return obj


def expand(obj: Any) -> Any:
    """fp16 tensors back to fp32 (the modules train in fp32)."""
    if isinstance(obj, torch.Tensor):
        return obj.float() if obj.dtype == torch.float16 else obj
    if isinstance(obj, dict):
        return {k: expand(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(expand(v) for v in obj)
    return obj


def save(stages: tuple[str, ...], folder: Path = CHECKPOINTS) -> list[Path]:
    """Compacts runs/<stage>.done.pt (or runs/<stage>.pt) of each stage into folder/<stage>.pt; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in stages:
        src = RUNS / f"{name}.done.pt"
        done = src.exists()
        if not done:
            src = RUNS / f"{name}.pt"
            if not src.exists():
                continue
        out = folder / f"{name}.pt"
        if out.exists() and out.stat().st_mtime >= src.stat().st_mtime:
            continue  # already mirrored (save runs at every checkpoint of every stage: done stages stay as they are)
        payload = compact(torch.load(src, map_location="cpu", weights_only=False))
        payload["_done"] = done
        tmp = folder / f"{name}.pt.{os.getpid()}.tmp"  # two training processes may save at once
        torch.save(payload, tmp)
        tmp.replace(out)
        written.append(out)
    total = sum(p.stat().st_size for p in folder.glob("*.pt")) / 1e6
    if total > BUDGET_MB:
        raise RuntimeError(f"continuation checkpoints take {total:.0f} MB, over the {BUDGET_MB} MB budget")
    return written


def restore(stages: tuple[str, ...], folder: Path = CHECKPOINTS) -> list[str]:
    """Puts folder/<stage>.pt back into runs/ for stages that runs/ lacks; returns what was restored."""
    restored = []
    RUNS.mkdir(parents=True, exist_ok=True)
    for name in stages:
        src = folder / f"{name}.pt"
        if not src.exists() or (RUNS / f"{name}.done.pt").exists() or (RUNS / f"{name}.pt").exists():
            continue
        payload = expand(torch.load(src, map_location="cpu", weights_only=False))
        done = payload.pop("_done")
        target = RUNS / (f"{name}.done.pt" if done else f"{name}.pt")
        torch.save(payload, target)
        restored.append(f"{name} ({'done' if done else 'at step ' + str(payload.get('step'))})")
    return restored


def clear(folder: Path = CHECKPOINTS) -> None:
    shutil.rmtree(folder, ignore_errors=True)
