"""Reading checkpoints and loading them strictly by their original key names.

`load_strict(module, state, prefix, ignore)` takes the keys under `prefix`, drops those matching an explicit
`ignore` list of known-unused keys (each with the reason it is unused), and loads the rest with strict=True:
a missing key, an unexpected key or a wrong shape is an error that names the keys and the checkpoint.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from torch import Tensor, nn


class CheckpointError(ValueError):
    pass


def read_state_dict(path: Path) -> dict[str, Tensor]:
    """A .pt/.pth/.bin (torch.load, weights only) or .safetensors file -> flat {name: tensor}. Unwraps {"model": …}
    and {"state_dict": …} containers."""
    if not path.exists():
        raise CheckpointError(f"{path}: no such file")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return dict(load_file(str(path)))
    obj = torch.load(str(path), map_location="cpu", weights_only=True)
    for key in ("model", "state_dict", "module"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, Tensor) for v in obj.values()):
        raise CheckpointError(f"{path}: expected a state dict of tensors (or one under 'model'/'state_dict')")
    return dict(obj)


def read_folder_weights(folder: Path) -> dict[str, Tensor]:
    """A diffusers/transformers component folder: diffusion_pytorch_model.safetensors, model.safetensors or the .bin."""
    for name in (
        "diffusion_pytorch_model.safetensors",
        "model.safetensors",
        "diffusion_pytorch_model.bin",
        "pytorch_model.bin",
    ):
        if (folder / name).exists():
            return read_state_dict(folder / name)
    raise CheckpointError(f"{folder}: no diffusion_pytorch_model.safetensors, model.safetensors or .bin weights file")


def take(state: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def load_strict(
    module: nn.Module, state: dict[str, Tensor], source: str, ignore: list[tuple[str, str]] | None = None
) -> list[str]:
    """Loads `state` into `module` with strict=True after dropping keys that match an `ignore` regex (full match).
    Returns the dropped keys. Errors name the source, the missing/unexpected keys and shape mismatches."""
    ignored: list[str] = []
    kept: dict[str, Tensor] = {}
    for k, v in state.items():
        if any(re.fullmatch(pattern, k) for pattern, _ in (ignore or [])):
            ignored.append(k)
        else:
            kept[k] = v
    own = module.state_dict()
    missing = sorted(set(own) - set(kept))
    unexpected = sorted(set(kept) - set(own))
    shapes = [
        f"{k}: checkpoint {tuple(kept[k].shape)}, module {tuple(own[k].shape)}"
        for k in sorted(set(own) & set(kept))
        if tuple(own[k].shape) != tuple(kept[k].shape)
    ]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:6])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:6])})")
        if shapes:
            parts.append(f"{len(shapes)} with another shape ({'; '.join(shapes[:4])})")
        raise CheckpointError(f"{source}: the checkpoint does not match {type(module).__name__}: {'; '.join(parts)}")
    module.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in kept.items()}, strict=True)
    return ignored


def count_indexed(state: dict[str, Tensor], prefix: str) -> int:
    """How many `prefix{i}.` groups the keys hold (i = 0..n-1, checked to be contiguous)."""
    found = {int(m.group(1)) for k in state if (m := re.match(re.escape(prefix) + r"(\d+)\.", k))}
    if found and found != set(range(len(found))):
        raise CheckpointError(f"keys {prefix}<i>. are not numbered 0..{len(found) - 1}: {sorted(found)}")
    return len(found)


def require(state: dict[str, Tensor], key: str, source: str) -> Tensor:
    if key not in state:
        raise CheckpointError(f"{source}: key {key!r} is missing; is this the right checkpoint?")
    return state[key]
