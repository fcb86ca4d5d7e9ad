"""Causal mask of the Q-Former and the vector quantiser (cheap: tiny batches, random weights)."""

import unittest

import torch

from model.train.modules import causal_bias
from model.train.tokenizer import CausalQFormer, VectorQuantizer


class CausalMaskTest(unittest.TestCase):
    def test_bias_is_lower_triangular(self) -> None:
        b = causal_bias(4)
        self.assertTrue(torch.equal(b == 0, torch.ones(4, 4, dtype=torch.bool).tril()))

    def test_query_i_ignores_later_queries(self) -> None:
        torch.manual_seed(0)
        qf = CausalQFormer(dim=48, depth=2, heads=4).eval()
        img = torch.randn(2, 65, 48)
        with torch.no_grad():
            before, _ = qf(img)
            qf.query_tokens[:, 10:] += torch.randn(1, 22, 48)  # perturb queries 10..31 only
            after, _ = qf(img)
        self.assertTrue(torch.allclose(before[:, :10], after[:, :10], atol=1e-5))
        self.assertFalse(torch.allclose(before[:, 10:], after[:, 10:], atol=1e-3))

    def test_attention_maps_are_distributions_over_patches(self) -> None:
        qf = CausalQFormer(dim=48, depth=1, heads=4).eval()
        _, maps = qf(torch.randn(3, 65, 48))
        self.assertEqual(tuple(maps.shape), (3, 32, 64))
        self.assertTrue(torch.allclose(maps.sum(-1), torch.ones(3, 32), atol=1e-5))


class QuantizerTest(unittest.TestCase):
    def test_ids_are_the_l2_nearest_codes(self) -> None:
        vq = VectorQuantizer(k=16, dim=4)
        z = torch.randn(2, 5, 4)
        brute = torch.cdist(z.reshape(-1, 4), vq.embedding).argmin(-1).reshape(2, 5)
        self.assertTrue(torch.equal(vq.ids(z), brute))

    def test_straight_through_and_ema_pull_codes_to_data(self) -> None:
        torch.manual_seed(0)
        vq = VectorQuantizer(k=8, dim=2, decay=0.5).train()
        z = torch.tensor([[[3.0, 3.0], [-3.0, -3.0]]]).repeat(4, 8, 1)  # two clusters
        for _ in range(20):
            zq, ids, _ = vq(z.clone().requires_grad_())
        nearest = torch.cdist(torch.tensor([[3.0, 3.0], [-3.0, -3.0]]), vq.embedding).min(-1).values
        self.assertTrue(bool((nearest < 0.1).all()), vq.embedding)
        x = z.clone().requires_grad_()
        zq, _, _ = vq(x)
        zq.sum().backward()
        self.assertTrue(torch.equal(x.grad, torch.ones_like(x)))  # straight-through gradient

    def test_dead_codes_restart_on_data(self) -> None:
        vq = VectorQuantizer(k=8, dim=2)
        vq.ema_count.zero_()
        vq.ema_count[0] = 5.0
        z = torch.full((10, 2), 7.0)
        self.assertEqual(vq.restart_dead_codes(z, threshold=0.2), 7)
        self.assertTrue(torch.allclose(vq.embedding[1:], torch.full((7, 2), 7.0), atol=0.5))


if __name__ == "__main__":
    unittest.main()
