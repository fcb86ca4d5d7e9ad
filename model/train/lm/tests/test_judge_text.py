"""The caption parser used by evaluate.py: every dataset caption parses back to its scene; errors are counted."""

from __future__ import annotations

import unittest
from dataclasses import replace

from model.train import dataset as ds
from model.train.lm.judge_text import caption_scores, parse_caption


class JudgeTextTest(unittest.TestCase):
    def test_every_template_parses_back_exactly(self) -> None:
        for i in range(300):
            scene = ds.scene_at("test", i)
            for t in range(ds.NUM_TEMPLATES):
                scores = caption_scores(ds.caption(scene, t), scene)
                self.assertTrue(all(v == 1.0 for v in scores.values()), (ds.caption(scene, t), scores))

    def test_wrong_attributes_are_caught(self) -> None:
        scene = ds.scene_at("train", 3)
        other_bg = replace(scene, background=(scene.background + 1) % len(ds.BACKGROUNDS))
        scores = caption_scores(ds.caption(other_bg, 0), scene)
        self.assertEqual(scores["background"], 0.0)
        self.assertEqual(scores["identity"], 1.0)
        first = scene.objects[0]
        resized = replace(scene, objects=(replace(first, size=1 - first.size),) + scene.objects[1:])
        scores = caption_scores(ds.caption(resized, 1), scene)
        self.assertLess(scores["size"], 1.0)
        self.assertEqual(scores["exact"], 0.0)

    def test_longest_cell_phrase_wins(self) -> None:
        _, objs = parse_caption("a large fox at the top right on white")
        self.assertEqual([(o.name, o.cell) for o in objs], [("fox", 2)])


if __name__ == "__main__":
    unittest.main()


class ImageScoreTest(unittest.TestCase):
    def test_score_of_a_perfect_and_a_wrong_reading(self) -> None:
        import numpy as np

        from model.train.lm.judge_image import score

        scenes = [ds.scene_at("train", i) for i in range(5)]
        empty = len(ds.IDENTITIES)
        pred = {
            "identity": np.full((5, 9), empty),
            "colour": np.full((5, 9), len(ds.COLOURS)),
            "size": np.zeros((5, 9), np.int64),
            "background": np.array([s.background for s in scenes]),
        }
        for i, s in enumerate(scenes):
            for o in s.objects:
                pred["identity"][i, o.cell], pred["size"][i, o.cell] = o.identity, o.size
                if o.is_shape:
                    pred["colour"][i, o.cell] = o.colour
        self.assertEqual(score(pred, scenes)["mean"], 1.0)
        pred["background"] = (pred["background"] + 1) % len(ds.BACKGROUNDS)
        pred["identity"][:, :] = empty
        bad = score(pred, scenes)
        self.assertEqual(bad["background"], 0.0)
        self.assertEqual(bad["identity"], 0.0)
