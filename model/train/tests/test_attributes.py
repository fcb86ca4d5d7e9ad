"""The semantic attribute targets (attributes.py) and the compact continuation checkpoints (checkpoints.py)."""

from __future__ import annotations

import unittest

import numpy as np
import torch

from model.train import dataset as D
from model.train.attributes import (
    CELLS,
    EMPTY,
    N_COLOUR,
    N_IDENTITY,
    N_LOGITS,
    N_SIZE,
    NO_COLOUR,
    PER_CELL,
    attribute_loss,
    scene_targets,
)
from model.train.checkpoints import compact
from model.train.onnx_fp16 import round_module_to_fp16


def _scenes(n: int) -> list[D.Scene]:
    rng = np.random.default_rng(7)
    return [D.sample_scene(rng) for _ in range(n)]


def _perfect_logits(t: torch.Tensor) -> torch.Tensor:
    """Logits with a margin of 20 on every true class (size of empty cells: any)."""
    out = torch.zeros(len(t), N_LOGITS)
    for b in range(len(t)):
        for c in range(CELLS):
            base = c * PER_CELL
            out[b, base + int(t[b, c])] = 20
            out[b, base + N_IDENTITY + int(t[b, 9 + c])] = 20
            if t[b, 18 + c] >= 0:
                out[b, base + N_IDENTITY + N_COLOUR + int(t[b, 18 + c])] = 20
        out[b, CELLS * PER_CELL + int(t[b, 27])] = 20
    return out


class SceneTargetsTest(unittest.TestCase):
    def test_targets_describe_each_cell(self) -> None:
        scenes = _scenes(20)
        t = scene_targets(scenes)
        self.assertEqual(tuple(t.shape), (20, 28))
        for b, s in enumerate(scenes):
            occupied = {o.cell: o for o in s.objects}
            for c in range(CELLS):
                o = occupied.get(c)
                self.assertEqual(int(t[b, c]), EMPTY if o is None else o.identity)
                self.assertEqual(int(t[b, 9 + c]), o.colour if o is not None and o.is_shape else NO_COLOUR)
                self.assertEqual(int(t[b, 18 + c]), -100 if o is None else o.size)
            self.assertEqual(int(t[b, 27]), s.background)
        self.assertTrue(bool((t[:, 18:27] < N_SIZE).all()))

    def test_loss_is_low_only_for_the_right_answer(self) -> None:
        t = scene_targets(_scenes(8))
        good, s_good = attribute_loss(_perfect_logits(t), t)
        self.assertLess(float(good), 1e-3)
        self.assertEqual(float(s_good["id_acc"]), 1.0)
        self.assertEqual(float(s_good["bg_acc"]), 1.0)
        shifted = t.clone()
        shifted[:, :9] = torch.where(t[:, :9] == EMPTY, t[:, :9], (t[:, :9] + 1) % EMPTY)  # wrong identities
        bad, s_bad = attribute_loss(_perfect_logits(shifted), t)
        self.assertGreater(float(bad), 1.0)
        self.assertEqual(float(s_bad["id_acc"]), 0.0)


class CompactTest(unittest.TestCase):
    def test_compact_rounds_as_the_export_does(self) -> None:
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Linear(16, 16), torch.nn.LayerNorm(16))
        packed = compact({"model": m.state_dict(), "steps": 3, "ids": torch.arange(100)})
        self.assertEqual(packed["steps"], 3)
        self.assertEqual(packed["ids"].dtype, torch.int64)
        self.assertEqual(packed["model"]["0.weight"].dtype, torch.float16)  # 256 elements
        self.assertEqual(packed["model"]["0.bias"].dtype, torch.float32)  # 16 < MIN_ELEMENTS: kept
        restored = torch.nn.Sequential(torch.nn.Linear(16, 16), torch.nn.LayerNorm(16))
        restored.load_state_dict(packed["model"])
        with torch.no_grad():
            round_module_to_fp16(m)
        for a, b in zip(m.state_dict().values(), restored.state_dict().values()):
            self.assertTrue(torch.equal(a, b))


if __name__ == "__main__":
    unittest.main()
