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
        from model.train.denoiser import denoiser_for
        from model.train.package_weights import onnx_tensors
        from model.train.seed_mini import GEN_DIM

        self.check(
            denoiser_for(onnx_tensors(PACKAGE / "denoiser.onnx")[0]),  # its depth, with or without the reader
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

        with self.assertRaisesRegex(KeyError, "weights not in the file"):
            load_module(Decoder(), PACKAGE / "latent_encoder.onnx")

    def test_scope_path(self) -> None:
        from model.train.package_weights import module_at, scope_path

        self.assertEqual(scope_path("/qformer/layers.0/mlp/mlp.0/MatMul"), "qformer.layers.0.mlp.0")
        self.assertEqual(scope_path("/m/seq/seq.0/seq.0.0/MatMul"), "m.seq.0.0")
        self.assertEqual(scope_path("/net/net.1/body/body.0/Mul"), "net.1.body.0")
        self.assertEqual(scope_path("/a/a/MatMul"), "a.a")  # a child named like its parent
        self.assertEqual(scope_path("/MatMul"), "")
        names = ["", "m", "m.blocks.0.attn.q", "m.blocks.1.attn.q"]
        self.assertEqual(module_at("blocks.1.attn.q", names), "m.blocks.1.attn.q")  # scope entered by a method
        self.assertEqual(module_at("model.blocks.0.attn.q", ["", "blocks.0.attn.q"], "model."), "blocks.0.attn.q")
        self.assertIsNone(module_at("attn.q", names))  # ambiguous

    def test_load_package_computes_what_the_graphs_compute(self) -> None:
        """The whole image path on dataset scenes: the tokenizer's codes (encoder.onnx then quantizer.onnx), the
        detokenizer's generation embedding for full and prefix token masks, and the denoiser."""
        import onnxruntime as ort

        from model.train import dataset as D
        from model.train.common import to_clip_pixels
        from model.train.package_weights import load_package

        tok, _ae, den, _scale = load_package(PACKAGE)

        def run(file: str, **feeds: np.ndarray) -> list[np.ndarray]:
            session = ort.InferenceSession(str(PACKAGE / file), providers=["CPUExecutionProvider"])
            return session.run(None, feeds)

        pixels = to_clip_pixels(D.render_batch([D.scene_at("test", i) for i in range(16)]))  # [16, 3, 64, 64]
        causal_want, maps_want = run("encoder.onnx", pixel_values=pixels.numpy())
        ids_want = run("quantizer.onnx", causal_embeddings=causal_want)[0]  # [16, 32]
        mask = (torch.arange(32)[None] < torch.tensor([32, 32, 8, 1] * 4)[:, None]).float()  # [16, 32]
        gen_want = run("detokenizer.onnx", ids=ids_want, token_mask=mask.numpy())[0]  # [16, 320]
        sample, timestep = torch.randn(16, 8, 16, 16, generator=torch.Generator().manual_seed(0)), torch.arange(16.0)
        out_want = run(
            "denoiser.onnx", sample=sample.numpy(), timestep=timestep.numpy() * 60, generation_embedding=gen_want
        )[0]
        with torch.no_grad():
            causal, maps = tok.encode(pixels)
            ids = tok.quantizer.ids(tok.encode_task_layer(causal))
            gen = tok.generation_embedding(torch.from_numpy(ids_want), mask)
            out = den(sample, timestep * 60, torch.from_numpy(gen_want))
        self.assertLess(float(np.abs(causal.numpy() - causal_want).max()), 1e-4)
        self.assertLess(float(np.abs(maps.numpy() - maps_want).max()), 1e-5)
        # all 512 codes: the two implementations differ by ~1e-6 in the causal embeddings, while the nearest and
        # second-nearest codes of these scenes are >= 2.8e-3 apart in squared distance
        self.assertEqual(ids.tolist(), ids_want.tolist())
        self.assertLess(float(np.abs(gen.numpy() - gen_want).max()), 1e-4)
        self.assertLess(float(np.abs(out.numpy() - out_want).max()), 1e-4)


if __name__ == "__main__":
    unittest.main()
