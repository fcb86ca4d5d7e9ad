"""Dataset determinism, held-out rule and captions.  /usr/bin/python3 -m unittest discover -s model/train/tests -t ."""

import unittest

import numpy as np

from model.train import dataset as D


class DatasetTest(unittest.TestCase):
    def test_scene_at_is_deterministic_and_renders_identically(self) -> None:
        a, b = D.scene_at("train", 17), D.scene_at("train", 17)
        self.assertEqual(a, b)
        self.assertTrue(np.array_equal(D.render(a), D.render(b)))
        self.assertNotEqual(D.scene_at("train", 17), D.scene_at("train", 18))

    def test_render_shape_and_background(self) -> None:
        s = D.Scene(background=2, objects=(D.SceneObject(0, -1, 0, 0),), template=0)
        img = D.render(s)
        self.assertEqual((img.shape, img.dtype), ((64, 64, 3), np.uint8))
        self.assertEqual(tuple(img[63, 63]), D.BACKGROUNDS["gray"])  # bottom-right cell is empty

    def test_held_out_rule_separates_splits(self) -> None:
        for i in range(300):
            train, test = D.scene_at("train", i), D.scene_at("test", i)
            self.assertFalse(any(D.is_held_out(o) for o in train.objects), train)
            self.assertTrue(any(D.is_held_out(o) for o in test.objects), test)
            for s in (train, test):
                cells = [o.cell for o in s.objects]
                self.assertEqual(cells, sorted(set(cells)))
                self.assertTrue(1 <= len(cells) <= 3)

    def test_caption_names_every_object_in_reading_order(self) -> None:
        s = D.Scene(
            4, (D.SceneObject(D.EMOJI_NAMES.index("dog face"), -1, 0, 1), D.SceneObject(len(D.EMOJI_NAMES), 0, 4, 0)), 0
        )
        self.assertEqual(
            D.caption(s),
            "a large dog face at the top left and a small red circle in the center, on a mint green background",
        )
        self.assertEqual(
            D.caption(s, 2), "a large dog face at the top left and a small red circle in the center on mint green"
        )
        with self.assertRaises(ValueError):
            D.caption(s, 9)

    def test_sample_scene_rejects_unknown_split(self) -> None:
        with self.assertRaises(ValueError):
            D.sample_scene(np.random.default_rng(0), "val")  # type: ignore[arg-type]


if __name__ == "__main__":
    unittest.main()
