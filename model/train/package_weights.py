"""Torch weights from a model package's ONNX files: the exported initialisers are the modules' own state_dict
entries (names kept by torch.onnx.export; fp16-stored ones carry an `_fp16` suffix, onnx_fp16.py).

Used to continue from a shipped package without its training checkpoints (the autoencoder that v3 reuses, a
denoiser warm start) and by the benchmark's PyTorch baseline, so neither needs gitignored files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn


def onnx_tensors(path: Path, prefix: str = "") -> tuple[dict[str, torch.Tensor], list[torch.Tensor]]:
    """({state_dict name: fp32 tensor} of every float initialiser whose name starts with `prefix`, stripped),
    plus the anonymous ones (`onnx::Mul_70`: GroupNorm's affine weight and bias, which torch exports as separate
    Mul/Add constants) in the order torch numbered them, which is the module order."""
    named: dict[str, torch.Tensor] = {}
    anonymous: list[tuple[int, torch.Tensor]] = []
    for init in onnx.load(str(path)).graph.initializer:
        name = init.name.removesuffix("_fp16")
        arr = numpy_helper.to_array(init)
        if arr.dtype not in (np.float16, np.float32):
            continue
        t = torch.from_numpy(arr.astype(np.float32))
        if name.startswith("onnx::"):
            anonymous.append((int(name.rsplit("_", 1)[1]), t))
        elif name.startswith(prefix):
            named[name[len(prefix) :]] = t
    return named, [t for _, t in sorted(anonymous, key=lambda p: p[0])]


def load_module(
    module: nn.Module, path: Path, prefix: str = "", strict: bool = True, new: tuple[str, ...] = ()
) -> list[str]:
    """Loads `module` from the ONNX file's initialisers. strict: every parameter and buffer must be there with its
    shape (non-float buffers such as BatchNorm's step count excepted). Not strict: loads the entries whose name and
    shape match and returns the names it could not fill. `new`: name prefixes of layers the graph does not have
    (a warm start of a changed architecture), so that they take no anonymous constant."""
    found, anonymous = onnx_tensors(path, prefix)
    state = module.state_dict()
    # Anonymous constants, in trace order: GroupNorm's affine weight and bias ([C, 1, 1]) and the weights of Linear
    # layers applied to 3-d inputs (exported as MatMul with the weight transposed). Trace order follows the
    # forward pass, which for these modules is their declaration order; each match is checked by shape and a
    # caller checks the result against the graph's outputs (tests/test_package_weights.py).
    linear_or_norm = {
        f"{n}.weight" if n else "weight": m
        for n, m in module.named_modules()
        if isinstance(m, nn.Linear) or (isinstance(m, nn.GroupNorm) and m.affine)
    }
    queue = list(anonymous)
    for name in state:
        m = linear_or_norm.get(name)
        if m is None or name in found or not queue or name.startswith(new):
            continue
        t = queue[0]
        if isinstance(m, nn.GroupNorm) and t.numel() == m.num_channels and len(queue) > 1:
            found[name], found[name[: -len("weight")] + "bias"] = queue.pop(0).flatten(), queue.pop(0).flatten()
        elif isinstance(m, nn.Linear) and t.dim() == 2 and t.t().shape == m.weight.shape:
            found[name] = queue.pop(0).t().contiguous()
        elif isinstance(m, nn.Linear) and t.dim() == 2 and not strict:
            queue.pop(0)  # this layer changed shape: its old weight is not used
    missing = []
    for name, t in state.items():
        src = found.get(name)
        if src is not None and src.shape == t.shape:
            state[name] = src.to(t.dtype)
        elif t.is_floating_point():
            missing.append(name if src is None else f"{name} (shape {tuple(src.shape)} vs {tuple(t.shape)})")
    if strict and missing:
        raise KeyError(f"{path.name} does not hold these weights of {type(module).__name__}: {missing}")
    module.load_state_dict(state)
    return missing


def load_package(pkg: Path):  # noqa: ANN201 (tokenizer, autoencoder, denoiser, latent scale)
    """SEED-mini's PyTorch modules with the weights of a package's ONNX files (eval mode): the benchmark's baseline
    and a warm start need no training checkpoints. The tokenizer's semantic encoder comes back with its BatchNorms
    folded into the convs (as exported); training-only parts (text encoder, heads) keep their initial values."""
    import json

    from .autoencoder import AutoEncoder
    from .denoiser import Denoiser
    from .export_graphs import DetokenizerGraph, EncoderGraph, QuantizerGraph
    from .seed_mini import SeedMini
    from .semantic import fuse_batchnorm
    from .text_encoder import build_vocab

    tok = SeedMini(len(build_vocab())).eval()
    fuse_batchnorm(tok.backbone)
    load_module(EncoderGraph(tok), pkg / "encoder.onnx")
    load_module(QuantizerGraph(tok), pkg / "quantizer.onnx", strict=False)
    load_module(DetokenizerGraph(tok), pkg / "detokenizer.onnx", strict=False)
    ae = AutoEncoder().eval()
    load_module(ae.encoder, pkg / "latent_encoder.onnx")
    load_module(ae.decoder, pkg / "latent_decoder.onnx")
    den = Denoiser().eval()
    load_module(den, pkg / "denoiser.onnx")
    scale = float(json.loads((pkg / "seed.json").read_text())["image_decoder"]["latent_scaling_factor"])
    return tok.requires_grad_(False), ae.requires_grad_(False), den.requires_grad_(False), scale
