"""The package's ONNX graphs: thin wrappers with the package's input/output names (model/FORMAT.md), their export,
and a check of each exported graph against torch with ONNX Runtime before the package is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from torch import Tensor, nn

from .onnx_io import PROTOBUF_LIMIT, export
from .seed_tokenizer import SeedTokenizer
from .unclip import LatentDecoder, LatentEncoder, Unclip


class EncoderGraph(nn.Module):
    def __init__(self, tk: SeedTokenizer) -> None:
        super().__init__()
        self.tk = tk

    def forward(self, pixel_values: Tensor) -> tuple[Tensor, Tensor]:
        return self.tk.encode(pixel_values)


class QuantizerGraph(nn.Module):
    def __init__(self, tk: SeedTokenizer) -> None:
        super().__init__()
        self.tk = tk

    def forward(self, causal_embeddings: Tensor) -> Tensor:
        return self.tk.quantize_ids(causal_embeddings)


class DetokenizerGraph(nn.Module):
    def __init__(self, tk: SeedTokenizer) -> None:
        super().__init__()
        self.tk = tk

    def forward(self, ids: Tensor) -> Tensor:
        return self.tk.detokenize(ids)


def io(name: str, dtype: str, shape: list) -> dict:
    return {"name": name, "dtype": dtype, "shape": shape}


@dataclass
class Component:
    name: str
    files: list[Path]
    inputs: list[dict]
    outputs: list[dict]
    batch_for_memory: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def file(self) -> Path:
        return self.files[0]


def export_tokenizer_graphs(tk: SeedTokenizer, out: Path, threshold: int = PROTOBUF_LIMIT) -> list[Component]:
    v, q = tk.cfg.vit, tk.cfg.qformer
    n, d, g = q.num_queries, q.hidden, v.grid
    px = torch.randn(1, 3, v.image_size, v.image_size)
    b = {0: "batch"}
    enc = export(
        EncoderGraph(tk),
        (px,),
        out / "encoder.onnx",
        ["pixel_values"],
        ["causal_embeddings", "attention_maps"],
        {"pixel_values": b, "causal_embeddings": b, "attention_maps": b},
        threshold,
    )
    quant = export(
        QuantizerGraph(tk),
        (torch.randn(1, n, d),),
        out / "quantizer.onnx",
        ["causal_embeddings"],
        ["ids"],
        {"causal_embeddings": b, "ids": b},
        threshold,
    )
    det = export(
        DetokenizerGraph(tk),
        (torch.zeros(1, n, dtype=torch.int64),),
        out / "detokenizer.onnx",
        ["ids"],
        ["generation_embedding"],
        {"ids": b, "generation_embedding": b},
        threshold,
    )
    return [
        Component(
            "encoder",
            enc,
            [io("pixel_values", "float32", ["batch", 3, v.image_size, v.image_size])],
            [io("causal_embeddings", "float32", ["batch", n, d]), io("attention_maps", "float32", ["batch", n, g * g])],
        ),
        Component(
            "quantizer",
            quant,
            [io("causal_embeddings", "float32", ["batch", n, d])],
            [io("ids", "int64", ["batch", n])],
        ),
        Component(
            "detokenizer",
            det,
            [io("ids", "int64", ["batch", n])],
            [io("generation_embedding", "float32", ["batch", tk.cfg.embedding_dim])],
        ),
    ]


def export_unclip_graphs(u: Unclip, out: Path, threshold: int = PROTOBUF_LIMIT) -> list[Component]:
    c = u.unet.cfg
    h = c.sample_size
    lat = [c.in_channels, h, h]
    e = u.denoiser.mean.shape[1]
    scale = 2 ** (len(u.vae.cfg.block_out_channels) - 1)
    px = h * scale
    b = {0: "batch"}
    den = export(
        u.denoiser,
        (torch.randn(2, *lat), torch.tensor([500.0, 500.0]), torch.randn(2, e)),
        out / "denoiser.onnx",
        ["sample", "timestep", "generation_embedding"],
        ["out_sample"],
        {"sample": b, "timestep": b, "generation_embedding": b, "out_sample": b},
        threshold,
    )
    dec = export(
        LatentDecoder(u.vae),
        (torch.randn(1, u.vae.cfg.latent_channels, h, h),),
        out / "latent_decoder.onnx",
        ["latent_sample"],
        ["sample"],
        {"latent_sample": b, "sample": b},
        threshold,
    )
    enc = export(
        LatentEncoder(u.vae),
        (torch.randn(1, 3, px, px),),
        out / "latent_encoder.onnx",
        ["sample"],
        ["latent"],
        {"sample": b, "latent": b},
        threshold,
    )
    lc = u.vae.cfg.latent_channels
    return [
        Component(
            "denoiser",
            den,
            [
                io("sample", "float32", ["batch", *lat]),
                io("timestep", "float32", ["batch"]),
                io("generation_embedding", "float32", ["batch", e]),
            ],
            [io("out_sample", "float32", ["batch", c.out_channels, h, h])],
            batch_for_memory=2,
        ),
        Component(
            "latent_decoder",
            dec,
            [io("latent_sample", "float32", ["batch", lc, h, h])],
            [io("sample", "float32", ["batch", 3, px, px])],
        ),
        Component(
            "latent_encoder",
            enc,
            [io("sample", "float32", ["batch", 3, px, px])],
            [io("latent", "float32", ["batch", lc, h, h])],
        ),
    ]


def session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def max_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())


def check_tokenizer_graphs(tk: SeedTokenizer, out: Path, tol: float = 1e-4) -> dict[str, float]:
    """ORT vs torch on a random image: causal embeddings and maps within tol, ids equal, embedding within tol."""
    g = torch.Generator().manual_seed(0)
    px = torch.randn(1, 3, tk.cfg.vit.image_size, tk.cfg.vit.image_size, generator=g)
    with torch.no_grad():
        emb, maps = tk.encode(px)
        ids = tk.quantize_ids(emb)
        gen = tk.detokenize(ids)
    e_ort, m_ort = session(out / "encoder.onnx").run(None, {"pixel_values": px.numpy()})
    i_ort = session(out / "quantizer.onnx").run(None, {"causal_embeddings": emb.numpy()})[0]
    g_ort = session(out / "detokenizer.onnx").run(None, {"ids": ids.numpy()})[0]
    r = {
        "encoder": max_diff(e_ort, emb.numpy()),
        "attention_maps": max_diff(m_ort, maps.numpy()),
        "quantizer_mismatches": float((i_ort != ids.numpy()).sum()),
        "detokenizer": max_diff(g_ort, gen.numpy()),
    }
    if max(r["encoder"], r["attention_maps"], r["detokenizer"]) > tol or r["quantizer_mismatches"] > 0:
        raise RuntimeError(f"ONNX Runtime and torch differ on the visual tokenizer: {r} (tolerance {tol}, ids exact)")
    return r


def check_unclip_graphs(u: Unclip, out: Path, tol: float = 1e-3) -> dict[str, float]:
    c = u.unet.cfg
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, c.in_channels, c.sample_size, c.sample_size, generator=g)
    t = torch.tensor([999.0, 999.0])
    e = torch.cat([torch.zeros(1, u.denoiser.mean.shape[1]), torch.randn(1, u.denoiser.mean.shape[1], generator=g)])
    with torch.no_grad():
        ref = u.denoiser(x, t, e)
        img = u.vae.decode(x[:1])
    d_ort = session(out / "denoiser.onnx").run(
        None, {"sample": x.numpy(), "timestep": t.numpy(), "generation_embedding": e.numpy()}
    )[0]
    v_ort = session(out / "latent_decoder.onnx").run(None, {"latent_sample": x[:1].numpy()})[0]
    scale = max(1.0, float(ref.abs().max()))
    r = {"denoiser": max_diff(d_ort, ref.numpy()) / scale, "latent_decoder": max_diff(v_ort, img.numpy())}
    if max(r.values()) > tol:
        raise RuntimeError(
            f"ONNX Runtime and torch differ on the unCLIP decoder: {r} (tolerance {tol}, relative to the output scale)"
        )
    return r
