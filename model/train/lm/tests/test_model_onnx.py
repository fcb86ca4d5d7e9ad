"""The LM and its ONNX export: the KV cache is exact in PyTorch, and ORT (onnxruntime-node) agrees with PyTorch
within 1e-4 on prefill (empty past) and on decode steps with a past, with the Optimum I/O names."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from model.train.lm.export import round_to_fp16
from model.train.lm.fp16_storage import to_fp16_storage
from model.train.lm.generate import generate, image_spans, sample_top_p
from model.train.lm.model import LMConfig, SeedMiniLM, grow_state, grown_index, layers_in
from model.train.lm.onnx_export import export_onnx, input_names, output_names
from model.train.lm.ort_bridge import ort_run

TOL = 1e-4


def tiny_model(seed: int = 0) -> SeedMiniLM:
    torch.manual_seed(seed)
    m = SeedMiniLM(LMConfig(vocab_size=300, d_model=64, n_layers=4, n_heads=4, d_ff=128, max_position_embeddings=64))
    with torch.no_grad():  # larger weights than the init, so that a masking bug shows in the logits
        for p in m.parameters():
            p.mul_(3.0)
    return m.eval()


def feeds(ids: torch.Tensor, mask: torch.Tensor, pos: torch.Tensor, past: list) -> dict[str, np.ndarray]:
    f = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "position_ids": pos.numpy()}
    for i, (k, v) in enumerate(past):
        f[f"past_key_values.{i}.key"], f[f"past_key_values.{i}.value"] = k.numpy(), v.numpy()
    return f


class ModelTest(unittest.TestCase):
    def test_cached_decode_equals_full_forward(self) -> None:
        m = tiny_model()
        ids = torch.randint(0, 300, (2, 12))
        mask = torch.ones(2, 12, dtype=torch.int64)
        pos = torch.arange(12).unsqueeze(0).expand(2, 12)
        with torch.no_grad():
            full, _ = m(ids, mask, pos, m.empty_past(2))
            _, past = m(ids[:, :9], mask[:, :9], pos[:, :9], m.empty_past(2))
            step, present = m(ids[:, 9:], mask, pos[:, 9:], past)
        self.assertEqual(tuple(present[0][0].shape), (2, 4, 12, 16))
        self.assertLess(float((full[:, 9:] - step).abs().max()), 1e-5)

    def test_padding_does_not_leak_into_real_tokens(self) -> None:
        m = tiny_model()
        ids = torch.randint(0, 300, (1, 10))
        padded = torch.cat([ids, torch.randint(0, 300, (1, 4))], 1)
        mask = torch.cat([torch.ones(1, 10), torch.zeros(1, 4)], 1).long()
        with torch.no_grad():
            a, _ = m(ids, torch.ones(1, 10, dtype=torch.int64), torch.arange(10).unsqueeze(0), m.empty_past(1))
            b, _ = m(padded, mask, torch.arange(14).unsqueeze(0), m.empty_past(1))
        self.assertLess(float((a - b[:, :10]).abs().max()), 1e-5)

    def test_onnx_matches_torch_prefill_and_decode(self) -> None:
        m = tiny_model(1)
        round_to_fp16(m)
        with tempfile.TemporaryDirectory() as tmp:
            p32, p16 = Path(tmp) / "lm.onnx", Path(tmp) / "lm16.onnx"
            export_onnx(m, p32)
            converted, _ = to_fp16_storage(p32, p16)
            self.assertGreater(converted, 0)
            self.assertLess(p16.stat().st_size, 0.7 * p32.stat().st_size)
            ids = torch.randint(0, 300, (2, 9))
            mask = torch.ones(2, 9, dtype=torch.int64)
            mask[1, :3] = 0  # left padding in row 1
            pos = torch.arange(9).unsqueeze(0).expand(2, 9).contiguous()
            with torch.no_grad():
                l1, past = m(ids, mask, pos, m.empty_past(2))
                nxt = torch.randint(0, 300, (2, 1))
                mask2 = torch.cat([mask, torch.ones(2, 1, dtype=torch.int64)], 1)
                pos2 = torch.full((2, 1), 9, dtype=torch.int64)
                l2, present = m(nxt, mask2, pos2, past)
            for path in (p32, p16):
                ins, outs, (r1, r2) = ort_run(
                    path, [feeds(ids, mask, pos, m.empty_past(2)), feeds(nxt, mask2, pos2, past)]
                )
                self.assertEqual(ins, input_names(4))
                self.assertEqual(outs, output_names(4))
                self.assertLess(float(np.abs(r1["logits"] - l1.numpy()).max()), TOL)
                self.assertLess(float(np.abs(r2["logits"] - l2.numpy()).max()), TOL)
                self.assertEqual(r2["present.3.value"].shape, (2, 4, 10, 16))
                self.assertLess(float(np.abs(r2["present.3.value"] - present[3][1].numpy()).max()), TOL)

    def test_grown_model_computes_what_the_shallower_one_did_and_then_learns(self) -> None:
        small = tiny_model(1)
        deep = SeedMiniLM(LMConfig(**{**small.cfg.to_dict(), "n_layers": 6})).eval()
        self.assertEqual(grown_index(4, 6), [0, 1, 3, 4])
        self.assertEqual(grow_state(deep, small.state_dict()), [2, 5])
        self.assertEqual((layers_in(small.state_dict()), layers_in(deep.state_dict())), (4, 6))
        ids = torch.randint(0, 300, (2, 12))
        mask, pos = torch.ones_like(ids), torch.arange(12).expand(2, 12)
        with torch.no_grad():
            want, _ = small(ids, mask, pos, small.empty_past(2))
            got, _ = deep(ids, mask, pos, deep.empty_past(2))
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
        # the new blocks are not dead: their zeroed projections get a gradient on the first step
        deep.train()
        deep.loss(ids, mask, torch.ones_like(ids)).backward()
        self.assertGreater(float(deep.blocks[2].attn.o.weight.grad.abs().sum()), 0.0)
        self.assertGreater(float(deep.blocks[5].down.weight.grad.abs().sum()), 0.0)
        with self.assertRaisesRegex(ValueError, "cannot grow a 6-layer LM into 4 layers"):
            grow_state(tiny_model(), deep.state_dict())


class GenerateTest(unittest.TestCase):
    def test_greedy_generation_is_deterministic_and_stops(self) -> None:
        m = tiny_model(2)
        a = generate(m, [1, 5, 7], 20, stop_ids=[], temperature=0.0)
        b = generate(m, [1, 5, 7], 20, stop_ids=[], temperature=0.0)
        self.assertEqual(a.ids, b.ids)
        self.assertEqual(len(a.ids), 20)
        c = generate(m, [1, 5, 7], 20, stop_ids=[a.ids[3]], temperature=0.0)
        self.assertTrue(c.stopped)
        self.assertEqual(c.ids, a.ids[: a.ids.index(a.ids[3]) + 1])

    def test_top_p_keeps_only_the_nucleus(self) -> None:
        logits = torch.tensor([5.0, 4.9, -10.0, -10.0])
        g = torch.Generator().manual_seed(0)
        draws = {sample_top_p(logits, 1.0, 0.5, g) for _ in range(50)}
        self.assertEqual(draws, {0})
        draws = {sample_top_p(logits, 1.0, 0.99, g) for _ in range(200)}
        self.assertEqual(draws, {0, 1})

    def test_image_spans(self) -> None:
        self.assertEqual(image_spans([3, 100, 5, 6, 101, 7, 100, 8], 100, 101), [[5, 6], [8]])


if __name__ == "__main__":
    unittest.main()
