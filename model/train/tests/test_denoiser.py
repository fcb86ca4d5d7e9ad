"""The denoiser's conditioning paths: adaLN from the generation embedding, per-cell conditioning and the cell reader
(denoiser.py)."""

from __future__ import annotations

import unittest

import torch

from model.train.denoiser import Denoiser, denoiser_for, depth_of, grow_state, reads_cells
from model.train.seed_mini import GEN_DIM


class DenoiserTest(unittest.TestCase):
    def setUp(self) -> None:
        torch.manual_seed(0)
        self.m = Denoiser().eval()
        # adaLN-Zero starts at zero (output 0 whatever the input); give the output layers weights for the test.
        for layer in (self.m.out, self.m.ada_out[1]):
            torch.nn.init.normal_(layer.weight, std=0.02)

    def test_shapes_and_contract(self) -> None:
        y = self.m(torch.randn(3, 8, 16, 16), torch.tensor([0.0, 500.0, 999.0]), torch.randn(3, GEN_DIM))
        self.assertEqual(tuple(y.shape), (3, 8, 16, 16))

    def test_a_cell_slice_conditions_that_cell_most(self) -> None:
        """Changing the generation embedding's slice of cell 0 (top left) changes the output most at the top-left
        patches: the cell conditioning routes each cell's content to where it is drawn."""
        from model.train.semantic import CELL_DIM

        e, x, t = torch.randn(1, GEN_DIM), torch.randn(1, 8, 16, 16), torch.tensor([500.0])
        with torch.no_grad():
            for blk in self.m.blocks:  # isolate the cell path: blocks mix positions through attention
                blk.ada[1].bias.zero_()
            base = self.m(x, t, e)
            e2 = e.clone()
            e2[0, :CELL_DIM] += 3.0 * torch.randn(CELL_DIM)
            bumped = self.m(x, t, e2)
        diff = (bumped - base).abs().sum(1)[0]  # [16, 16]
        self.assertGreater(float(diff[:4, :4].mean()), 5 * float(diff[10:, 10:].mean()))

    def test_patch_cells_cover_the_grid_row_major(self) -> None:
        cells = self.m.patch_cell.reshape(8, 8)
        self.assertEqual(cells[0, 0].item(), 0)
        self.assertEqual(cells[0, 7].item(), 2)
        self.assertEqual(cells[4, 4].item(), 4)
        self.assertEqual(cells[7, 0].item(), 6)
        self.assertEqual(cells[7, 7].item(), 8)
        self.assertEqual(sorted(torch.bincount(cells.flatten()).tolist()), [4, 6, 6, 6, 6, 9, 9, 9, 9])

    def test_growing_keeps_what_it_draws_and_the_new_blocks_learn(self) -> None:
        """A 3-block denoiser grown to 5 computes the same output (the new blocks' adaLN gates are zero), and the
        new blocks get gradient through their gates; a state that is not a prefix of the deeper model is refused."""
        torch.manual_seed(1)
        small = Denoiser(depth=3)
        for p in small.parameters():  # trained-looking weights: zero gates everywhere would hide a wrong load
            torch.nn.init.normal_(p, std=0.05)
        big = Denoiser(depth=5)
        fresh = grow_state(big, small.state_dict())
        self.assertEqual(depth_of(big.state_dict()), 5)
        self.assertTrue(fresh and all(n.startswith(("blocks.3.", "blocks.4.")) for n in fresh))
        x, t, e = torch.randn(2, 8, 16, 16), torch.tensor([10.0, 700.0]), torch.randn(2, GEN_DIM)
        torch.testing.assert_close(big(x, t, e), small(x, t, e))
        big(x, t, e).pow(2).mean().backward()
        self.assertGreater(float(big.blocks[4].ada[1].weight.grad.abs().sum()), 0.0)
        with self.assertRaises(ValueError):
            grow_state(Denoiser(depth=2), small.state_dict())  # deeper than the model
        wrong = dict(small.state_dict())
        wrong["inp.weight"] = torch.zeros(1)
        with self.assertRaises(RuntimeError):  # a shape mismatch outside the new blocks
            grow_state(Denoiser(depth=5), wrong)


class CellReaderTest(unittest.TestCase):
    """The reader: a frozen copy of the semantic heads' cell MLP whose identity / colour / size probabilities enter
    each cell's patch tokens through read_in (zero at first, so adding it to a trained denoiser changes nothing)."""

    def setUp(self) -> None:
        torch.manual_seed(2)
        self.plain = Denoiser(depth=2)
        for p in self.plain.parameters():  # trained-looking weights
            torch.nn.init.normal_(p, std=0.05)
        self.read = Denoiser(depth=2, read=True)
        self.fresh = grow_state(self.read, self.plain.state_dict())
        self.x, self.t, self.e = torch.randn(2, 8, 16, 16), torch.tensor([10.0, 700.0]), torch.randn(2, GEN_DIM)

    def test_added_to_a_trained_denoiser_it_draws_the_same_and_learns(self) -> None:
        self.assertEqual(sorted({n.split(".")[0] for n in self.fresh}), ["read", "read_in"])
        torch.testing.assert_close(self.read(self.x, self.t, self.e), self.plain(self.x, self.t, self.e))
        self.read(self.x, self.t, self.e).pow(2).mean().backward()
        self.assertGreater(float(self.read.read_in.weight.grad.abs().sum()), 0.0)
        self.assertTrue(all(p.grad is None and not p.requires_grad for p in self.read.read.parameters()))

    def test_the_reader_conditions_its_cell(self) -> None:
        """Only through the reader (cell_in and the global adaLN path zeroed, blocks at their initial identity),
        changing cell 4's slice changes the centre patches and nothing else."""
        from model.train.semantic import CELL_DIM

        m = Denoiser(depth=2, read=True).eval()
        with torch.no_grad():
            for layer in (m.read[0], m.read[2], m.read_in, m.out, m.ada_out[1]):
                torch.nn.init.normal_(layer.weight, std=0.3)
            torch.nn.init.zeros_(m.cell_in.weight)
            torch.nn.init.zeros_(m.e_mlp[2].weight)
            e2 = self.e[:1].clone()
            e2[0, 4 * CELL_DIM : 5 * CELL_DIM] = torch.randn(CELL_DIM)
            diff = (m(self.x[:1], self.t[:1], e2) - m(self.x[:1], self.t[:1], self.e[:1])).abs().sum(1)[0]
        # the latent pixels of the 2x2 patches whose centre is in cell 4
        centre = (m.patch_cell.reshape(8, 8) == 4).repeat_interleave(2, 0).repeat_interleave(2, 1)
        self.assertGreater(float(diff[centre].min()), 0.0)
        self.assertLess(float(diff[~centre].max()), 1e-6)

    def test_shape_is_read_from_a_state_and_from_an_exported_graph(self) -> None:
        """denoiser_for rebuilds depth and reader from a state dict, and from the named weights of the ONNX graph
        (package_weights), which then loads strictly and computes what onnxruntime computes."""
        import tempfile
        from pathlib import Path

        import onnxruntime as ort

        from model.train.export_graphs import component_io, export_onnx
        from model.train.package_weights import load_module, onnx_tensors

        self.assertTrue(reads_cells(self.read.state_dict()))
        self.assertFalse(reads_cells(self.plain.state_dict()))
        with torch.no_grad():
            torch.nn.init.normal_(self.read.read_in.weight, std=0.1)
        io = component_io(192, 32, 8, GEN_DIM, 8, 16, 16, 64)["denoiser"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "denoiser.onnx"
            export_onnx(self.read, (self.x, self.t, self.e), io, path)
            rebuilt = denoiser_for(onnx_tensors(path)[0])
            self.assertEqual((depth_of(rebuilt.state_dict()), rebuilt.read is not None), (2, True))
            load_module(rebuilt, path)
            want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
                None, {"sample": self.x.numpy(), "timestep": self.t.numpy(), "generation_embedding": self.e.numpy()}
            )[0]
        with torch.no_grad():
            got = rebuilt.eval()(self.x, self.t, self.e)
        self.assertLess(float((got - torch.from_numpy(want)).abs().max()), 1e-4)
        self.assertIsNone(denoiser_for(self.plain.state_dict()).read)


if __name__ == "__main__":
    unittest.main()
