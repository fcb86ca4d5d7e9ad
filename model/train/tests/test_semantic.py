"""The semantic encoder (semantic.py): shapes, the cell structure of its embedding, BatchNorm folding, and that
the package loader (package_weights.py) rebuilds torch modules that compute what the ONNX graphs compute."""

from __future__ import annotations

import copy
import unittest
from pathlib import Path

import numpy as np
import torch

from model.train.semantic import CELL_DIM, EMBED_DIM, SemanticEncoder, SemanticHeads, cell_membership, fuse_batchnorm

PACKAGE = Path(__file__).resolve().parents[2] / "seed-mini"


class SemanticEncoderTest(unittest.TestCase):
    def setUp(self) -> None:
        torch.manual_seed(0)
        self.enc = SemanticEncoder().eval()

    def test_shapes(self) -> None:
        tokens, e = self.enc(torch.randn(2, 3, 64, 64))
        self.assertEqual(tuple(tokens.shape), (2, 65, 192))
        self.assertEqual(tuple(e.shape), (2, EMBED_DIM))

    def test_each_slice_is_layer_normalised(self) -> None:
        _, e = self.enc(torch.randn(4, 3, 64, 64))
        parts = e.reshape(4, -1, CELL_DIM)
        self.assertTrue(torch.allclose(parts.mean(-1), torch.zeros(4, parts.shape[1]), atol=1e-4))

    def test_cell_membership_partitions_the_grid(self) -> None:
        m = cell_membership(8)
        self.assertTrue(torch.equal(m.sum(0), torch.ones(64)))
        self.assertEqual(m[0, 0].item(), 1.0)  # top-left position belongs to cell 0
        self.assertEqual(m[8, 63].item(), 1.0)  # bottom-right to cell 8

    def test_heads_read_a_cell_from_its_own_slice(self) -> None:
        heads = SemanticHeads().eval()
        e = torch.randn(1, EMBED_DIM)
        e2 = e.clone()
        e2[0, 4 * CELL_DIM : 5 * CELL_DIM] += 1.0  # cell 4 only
        diff = (heads(e2) - heads(e)).abs()
        n_cell = (diff.shape[1] - heads.background[2].out_features) // 9
        per_cell = diff[0, : 9 * n_cell].reshape(9, n_cell).sum(-1)
        self.assertGreater(float(per_cell[4]), 0.0)
        self.assertEqual(float(per_cell[torch.arange(9) != 4].sum()), 0.0)

    def test_batchnorm_fold_keeps_the_function(self) -> None:
        torch.manual_seed(1)
        for m in self.enc.modules():  # non-trivial running statistics
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.normal_()
                m.bias.data.normal_()
        fused = copy.deepcopy(self.enc)
        fuse_batchnorm(fused)
        self.assertFalse(any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules()))
        x = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            a, ea = self.enc(x)
            b, eb = fused(x)
        self.assertTrue(torch.allclose(a, b, atol=1e-4), float((a - b).abs().max()))
        self.assertTrue(torch.allclose(ea, eb, atol=1e-4))


class PackageWeightsTest(unittest.TestCase):
    """Torch modules rebuilt from the shipped ONNX files compute what the graphs compute (onnxruntime)."""

    def check(self, module: torch.nn.Module, file: str, feeds: dict[str, torch.Tensor], prefix: str = "") -> None:
        import onnxruntime as ort

        from model.train.package_weights import load_module

        load_module(module, PACKAGE / file, prefix=prefix)
        module.eval()
        session = ort.InferenceSession(str(PACKAGE / file), providers=["CPUExecutionProvider"])
        want = session.run(None, {k: v.numpy() for k, v in feeds.items()})[0]
        with torch.no_grad():
            got = module(*feeds.values())
        got = got[0] if isinstance(got, tuple) else got
        self.assertLess(float(np.abs(got.numpy() - want).max()), 1e-3)

    def test_autoencoder(self) -> None:
        from model.train.autoencoder import Decoder, Encoder

        self.check(Encoder(), "latent_encoder.onnx", {"sample": torch.rand(2, 3, 64, 64) * 2 - 1})
        self.check(Decoder(), "latent_decoder.onnx", {"latent_sample": torch.randn(2, 8, 16, 16)})

    def test_denoiser(self) -> None:
        from model.train.denoiser import Denoiser
        from model.train.seed_mini import GEN_DIM

        self.check(
            Denoiser(),
            "denoiser.onnx",
            {
                "sample": torch.randn(2, 8, 16, 16),
                "timestep": torch.tensor([10.0, 700.0]),
                "generation_embedding": torch.randn(2, GEN_DIM),
            },
        )

    def test_missing_weights_are_named(self) -> None:
        from model.train.autoencoder import Decoder
        from model.train.package_weights import load_module

        with self.assertRaisesRegex(KeyError, "does not hold these weights"):
            load_module(Decoder(), PACKAGE / "latent_encoder.onnx")


if __name__ == "__main__":
    unittest.main()
