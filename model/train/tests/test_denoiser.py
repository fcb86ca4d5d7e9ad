"""The denoiser's conditioning paths: adaLN from the generation embedding and per-cell conditioning (denoiser.py)."""

from __future__ import annotations

import unittest

import torch

from model.train.denoiser import Denoiser, depth_of, grow_state
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


if __name__ == "__main__":
    unittest.main()
