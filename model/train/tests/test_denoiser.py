"""The denoiser's conditioning paths: adaLN from the generation embedding and per-cell conditioning (denoiser.py)."""

from __future__ import annotations

import unittest

import torch

from model.train.denoiser import Denoiser
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


if __name__ == "__main__":
    unittest.main()
