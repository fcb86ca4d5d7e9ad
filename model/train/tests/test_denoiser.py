"""The denoiser's conditioning paths: adaLN from the generation embedding and the spatial hint (denoiser.py)."""
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

    def test_hint_reaches_each_position_of_the_latent(self) -> None:
        """Changing the hint picture in one 2x2 corner of the 32x32 map changes the output most at that corner's patch."""
        e = torch.randn(1, GEN_DIM)
        x, t = torch.randn(1, 8, 16, 16), torch.tensor([500.0])
        with torch.no_grad():
            base = self.m(x, t, e)
            last = self.m.hint[2]
            bias = last.bias.clone()
            # the hint map is [3, 32, 32] flattened: bump channel 0 at pixels (0..1, 0..1) (top-left)
            for r in range(2):
                for c in range(2):
                    last.bias[r * 32 + c] += 5.0
            bumped = self.m(x, t, e)
            last.bias.copy_(bias)
        diff = (bumped - base).abs().sum(1)[0]                                      # [16, 16]
        self.assertGreater(float(diff[:2, :2].mean()), 5 * float(diff[4:, 4:].mean()))

    def test_hint_is_the_tokenizer_head_architecture(self) -> None:
        """stages.DenoiserStage copies SeedMini.target_head into hint: the shapes must match key by key."""
        from model.train.seed_mini import SeedMini
        from model.train.stages import TARGET_NUMEL
        head = SeedMini(10, TARGET_NUMEL).target_head.state_dict()
        hint = self.m.hint.state_dict()
        self.assertEqual({k: tuple(v.shape) for k, v in head.items()}, {k: tuple(v.shape) for k, v in hint.items()})


if __name__ == "__main__":
    unittest.main()
