"""Torch weights from a model package's ONNX files, so that a shipped package can be continued (the autoencoder
that v3 reuses, a denoiser warm start) or benchmarked without its training checkpoints.

How an initialiser of a graph exported by torch.onnx.export (TorchScript exporter, constant folding on) finds the
module entry it came from:
  * named: a parameter or buffer the graph uses as is (Conv, Gemm, LayerNorm, biases) keeps its state_dict name;
    fp16-stored ones carry an `_fp16` suffix (onnx_fp16.py).
  * anonymous (`onnx::MatMul_788`, `onnx::Mul_70`): a constant folded from a parameter: the transposed weight of a
    Linear applied to a 3-d input (consumed by a MatMul), GroupNorm's affine weight and bias (Mul and Add, shaped
    [C, 1, 1]). The consuming node is named after the module scope it ran in (`/qformer/layers.0/mlp/mlp.0/MatMul`),
    which names the module (scope_path, module_at). Matching by scope does not depend on the order in which the
    exporter numbered the constants, nor on other folded constants that sit between them.
  * folded through a function: a parameter the graph uses only through an input-independent function of it is
    stored as that function's value. A module lists such parameters in a class attribute ONNX_FOLDED
    {parameter name: inverse}; the constant consumed in that module's own scope, with the parameter's shape, is
    passed through the inverse (SemanticEncoder: the graph holds softmax(pool_logits)).
Anonymous constants that name no parameter (e.g. a codebook's transpose, whose buffer is also stored by name) are
not used. A caller checks the rebuilt modules against the graphs' outputs (model/train/tests/test_semantic.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn


def scope_path(node_name: str) -> str:
    """The module path of an exported node: '/qformer/layers.0/mlp/mlp.0/MatMul' -> 'qformer.layers.0.mlp.0'.

    A scope component repeats the tail of its parent's path where the parent is a container (`mlp` then `mlp.0`,
    `seq.0` then `seq.0.0`); each component adds the segments after that repeated tail. Scopes of modules called
    from a method rather than a forward (EncoderGraph calls SeedMini.encode) are not in the path, so it can lack
    leading segments of the module's name (module_at matches it as a suffix)."""
    path: list[str] = []
    for comp in node_name.strip("/").split("/")[:-1]:
        segs = comp.split(".")
        overlap = max(k for k in range(len(segs)) if k <= len(path) and path[len(path) - k :] == segs[:k])
        path += segs[overlap:]
    return ".".join(path)


def module_at(path: str, names: list[str], prefix: str = "") -> str | None:
    """The one module name in `names` (named_modules of the module being loaded, '' for itself) that a scope path
    denotes, or None when none or several do. `prefix` (the graph's name for the module, e.g. 'model.') is
    stripped from the path first."""
    p = prefix.rstrip(".")
    if p and (path == p or path.startswith(p + ".")):
        path = path[len(p) + 1 :]
    if not path:
        return "" if "" in names else None
    hits = [n for n in names if n == path or n.endswith("." + path)]
    return hits[0] if len(hits) == 1 else None


def onnx_tensors(
    path: Path, prefix: str = ""
) -> tuple[dict[str, torch.Tensor], list[tuple[torch.Tensor, list[tuple[str, str]]]]]:
    """({state_dict name: fp32 tensor} of every float initialiser whose name starts with `prefix`, stripped),
    plus the anonymous float initialisers, each with the (op type, node name) of the nodes that consume it
    (through the Cast of an fp16-stored one)."""
    graph = onnx.load(str(path)).graph
    named: dict[str, torch.Tensor] = {}
    anonymous: dict[str, torch.Tensor] = {}
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype not in (np.float16, np.float32):
            continue
        name = init.name.removesuffix("_fp16")
        t = torch.from_numpy(arr.astype(np.float32))
        if name.startswith("onnx::"):
            anonymous[init.name] = t
        elif name.startswith(prefix):
            named[name[len(prefix) :]] = t
    cast_of = {n.output[0]: n.input[0] for n in graph.node if n.op_type == "Cast" and n.input[0] in anonymous}
    uses: dict[str, list[tuple[str, str]]] = {name: [] for name in anonymous}
    for node in graph.node:
        for i in node.input:
            src = cast_of.get(i, i)
            if src in anonymous and not (node.op_type == "Cast" and i == src):
                uses[src].append((node.op_type, node.name))
    return named, [(anonymous[n], uses[n]) for n in anonymous]


def load_module(
    module: nn.Module, path: Path, prefix: str = "", strict: bool = True, absent: tuple[str, ...] = ()
) -> list[str]:
    """Loads `module` from the ONNX file's initialisers (see the module docstring for how each one is matched).

    strict: every float parameter and buffer must be there with its shape, and every named initialiser under
    `prefix` must be taken by one of them. Not strict: loads the entries whose shape matches and returns the names
    it could not fill. `absent`: name prefixes of entries the graph does not compute with (training-only state, a
    layer added since the file was exported): they take nothing from the file and strict does not require them.
    Returns the names left at their current values."""
    found, anonymous = onnx_tensors(path, prefix)
    modules = dict(module.named_modules())
    names = list(modules)
    state = module.state_dict()
    for t, uses in anonymous:
        for op, node in uses:
            at = module_at(scope_path(node), names, prefix)
            if at is None:
                continue
            m, base = modules[at], f"{at}." if at else ""
            if isinstance(m, nn.Linear) and op == "MatMul" and t.dim() == 2:
                found[base + "weight"] = t.t().contiguous()  # MatMul multiplies by weight^T
            elif isinstance(m, nn.GroupNorm) and m.affine and op in ("Mul", "Add"):
                found[base + ("weight" if op == "Mul" else "bias")] = t.flatten()
            else:
                folded = getattr(type(m), "ONNX_FOLDED", {})
                fits = [p for p in folded if base + p in state and state[base + p].shape == t.shape]
                if len(fits) == 1:
                    found[base + fits[0]] = folded[fits[0]](t)
    missing, required = [], []
    for name, t in state.items():
        src = None if name.startswith(absent) else found.get(name)
        if src is not None and src.shape == t.shape:
            state[name] = src.to(t.dtype)
        elif t.is_floating_point():
            missing.append(name if src is None else f"{name} (shape {tuple(src.shape)} vs {tuple(t.shape)})")
            if not name.startswith(absent):
                required.append(missing[-1])
    if strict:
        unused = [n for n in found if n not in state or n.startswith(absent)]
        if required or unused:
            raise KeyError(
                f"{path.name} does not match {type(module).__name__}: weights not in the file {required}, "
                f"file entries the module has no place for {unused}"
            )
    module.load_state_dict(state)
    return missing


def load_package(pkg: Path):  # noqa: ANN201 (tokenizer, autoencoder, denoiser, latent scale)
    """SEED-mini's PyTorch modules with the weights of a package's ONNX files (eval mode), strictly: each graph's
    weights fill the modules it computes with. The tokenizer's semantic encoder comes back with its BatchNorms folded
    into the convs (as exported); training-only parts (text encoder, heads, projections, the codebook's EMA state,
    the detokenizer's recon layer) keep their initial values. The detokenizer graph holds the codebook as a constant
    equal to quantizer.onnx's; the torch tokenizer has one codebook, loaded from quantizer.onnx."""
    import json

    from .autoencoder import AutoEncoder
    from .denoiser import denoiser_for
    from .export_graphs import DetokenizerGraph, QuantizerGraph
    from .seed_mini import SeedMini
    from .semantic import fuse_batchnorm
    from .text_encoder import build_vocab

    tok = SeedMini(len(build_vocab())).eval()
    fuse_batchnorm(tok.backbone)
    # EncoderGraph(tok) holds the whole tokenizer as `m` and computes with these three parts of it
    encoder = nn.ModuleDict({"backbone": tok.backbone, "slice_in": tok.slice_in, "qformer": tok.qformer})
    load_module(encoder, pkg / "encoder.onnx", prefix="m.")
    load_module(QuantizerGraph(tok), pkg / "quantizer.onnx", absent=("quantizer.ema_",))
    load_module(DetokenizerGraph(tok), pkg / "detokenizer.onnx", absent=("detokenizer.recon.",))
    ae = AutoEncoder().eval()
    load_module(ae.encoder, pkg / "latent_encoder.onnx")
    load_module(ae.decoder, pkg / "latent_decoder.onnx")
    den = denoiser_for(onnx_tensors(pkg / "denoiser.onnx")[0]).eval()  # its depth, with or without the reader
    load_module(den, pkg / "denoiser.onnx")
    scale = float(json.loads((pkg / "seed.json").read_text())["image_decoder"]["latent_scaling_factor"])
    return tok.requires_grad_(False), ae.requires_grad_(False), den.requires_grad_(False), scale
