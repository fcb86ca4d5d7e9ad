"""runtime_eval's pure parts: paraphrases are not training templates, VQA questions know what they ask about, the
scorers give 100% to the truth and 0% to a missing answer, and requests are well-formed. Runs no Node and no judge.

    python3 -m unittest model.train.tests.test_runtime_eval
"""

import json
import re
import tempfile
import unittest
from pathlib import Path

import numpy as np

from model.train import dataset as D
from model.train import runtime_eval as R
from model.train.attributes import labels
from model.train.lm import tasks


def true_reading(scenes: list[D.Scene]) -> dict[str, np.ndarray]:
    """What a perfect judge would read: the scenes' own attributes in judge_scenes' layout."""
    i, c, s = (t.reshape(len(scenes), 9).numpy() for t in labels(scenes))
    background = np.array([x.background for x in scenes])
    return {"identity": i, "colour": c, "size": np.where(s < 0, 0, s), "background": background}


class RuntimeEvalTest(unittest.TestCase):
    def test_paraphrases_are_not_training_templates(self) -> None:
        self.assertFalse(set(R.CAPTION_PARAPHRASES) & set(tasks.CAPTION_QUESTIONS))
        scene = D.scene_at("test", 0, seed=R.EVAL_SEED)
        for i in range(len(R.DRAW_PARAPHRASES)):
            prompt = R.draw_paraphrase(scene, i)
            self.assertIn(D.caption(scene), prompt)
            self.assertFalse(any(prompt.startswith(p + " ") for p in tasks.DRAW_PROMPTS), prompt)

    def test_vqa_paraphrases_are_not_training_templates(self) -> None:
        blank = lambda t: re.sub(r"\{\w+\}", "{}", t).lower()  # noqa: E731
        training = {
            "identity": tasks.IDENTITY_QUESTIONS,
            "count": tasks.COUNT_QUESTIONS,
            "background": tasks.BACKGROUND_QUESTIONS,
            "presence": tasks.PRESENCE_QUESTIONS,
            "colour": tasks.COLOUR_QUESTIONS,
            "position": tasks.POSITION_QUESTIONS,
            "size": tasks.SIZE_QUESTIONS,
        }
        self.assertEqual(set(training), set(R.VQA_PARAPHRASES))
        for kind, held_out in R.VQA_PARAPHRASES.items():
            self.assertFalse({blank(t) for t in held_out} & {blank(t) for t in training[kind]}, kind)

    def test_vqa_questions_know_their_target_and_differ_from_the_template(self) -> None:
        kinds = set()
        for i in range(200):
            scene = D.scene_at("test", i, seed=R.EVAL_SEED)
            for q in R.vqa_questions(scene, np.random.default_rng(i), 2):
                kinds.add(q.kind)
                self.assertNotEqual(q.question, q.paraphrase)
                self.assertNotIn("{", q.paraphrase)
                if q.kind in ("count", "background"):
                    self.assertEqual(q.target, "scene")
                elif q.kind == "colour":
                    self.assertEqual(q.target, "shape")
                elif q.kind == "identity":
                    cell = next(c for c, p in enumerate(D.CELL_PHRASES) if q.question.rstrip("?.").endswith(f" {p}"))
                    hit = [o for o in scene.objects if o.cell == cell]
                    self.assertEqual(q.target, ("shape" if hit[0].is_shape else "emoji") if hit else "empty")
                    self.assertEqual(q.answer, tasks.object_words(hit[0]) if hit else "nothing")
                else:
                    self.assertIn(q.target, ("emoji", "shape"))
        self.assertEqual(kinds, set(R.VQA_PARAPHRASES))

    def test_scorers_give_the_truth_full_marks_and_a_missing_answer_none(self) -> None:
        scenes = [D.scene_at("test", i, seed=R.EVAL_SEED) for i in range(40)]
        full = R.score_images(scenes, true_reading(scenes), [True] * len(scenes))
        none = R.score_images(scenes, true_reading(scenes), [False] * len(scenes))
        for kind in R.KINDS:
            for attr in R.OBJECT_ATTRS[kind]:
                self.assertEqual(full[kind][attr]["acc"], 1.0, (kind, attr))
                self.assertEqual(none[kind][attr]["acc"], 0.0, (kind, attr))
        self.assertEqual(full["scene"]["spurious_per_scene"]["acc"], 0.0)
        self.assertEqual(none["scene"]["missing_images"]["acc"], 1.0)
        right, missing = R.Tally(), R.Tally()
        for s in scenes:
            R.score_caption(D.caption(s), s, right)
            R.score_caption(None, s, missing)
        for group, attrs in right.mean().items():
            for attr, v in attrs.items():
                self.assertEqual(v["acc"], 0.0 if attr == "spurious_per_scene" else 1.0, (group, attr))
        self.assertEqual(missing.mean()["emoji"]["presence"]["acc"], 0.0)
        self.assertEqual(R.normalise(" Lavender. "), "lavender")

    def test_requests_are_well_formed(self) -> None:
        items = [
            R.SceneItem(split, i, s)
            for split, n in (("unseen", 3), ("seen", 2))
            for i, s in enumerate(R.eval_scenes(split, n))
        ]
        with tempfile.TemporaryDirectory() as tmp:
            folders = R.build_requests(items, Path(tmp), chunk=2, prefix_n=1, vqa_per_scene=2)
            self.assertEqual(len(folders), 3)
            ids = []
            for folder in folders:
                req = json.loads((folder / "request.json").read_text())
                meta = json.loads((folder / "meta.json").read_text())
                for section in ("reconstruct", "draw", "ask"):
                    ids += [f"{section}:{x['id']}" for x in req[section]]
                    self.assertTrue(all(re.fullmatch(r"[A-Za-z0-9_.-]+", x["id"]) for x in req[section]))
                for r in req["reconstruct"]:
                    self.assertTrue((folder / r["image"]).exists())
                self.assertEqual(set(meta["ask"]), {a["id"] for a in req["ask"]})
                self.assertFalse(R._complete(folder))
            self.assertEqual(len(ids), len(set(ids)))
            first = json.loads((folders[0] / "request.json").read_text())["reconstruct"][0]
            self.assertEqual(first["prefixes"], list(R.PREFIXES))  # the grid's scenes get prefix decodes

    def test_answers_of_another_package_or_runtime_are_not_reused(self) -> None:
        items = [R.SceneItem("unseen", i, s) for i, s in enumerate(R.eval_scenes("unseen", 2))]
        with tempfile.TemporaryDirectory() as tmp:
            (folder,) = R.build_requests(items, Path(tmp), chunk=2, prefix_n=0, vqa_per_scene=1, inputs_key="a")
            (folder / "results.json").write_text("{}")
            R.build_requests(items, Path(tmp), chunk=2, prefix_n=0, vqa_per_scene=1, inputs_key="a")
            self.assertTrue((folder / "results.json").exists(), "same request and inputs: kept")
            R.build_requests(items, Path(tmp), chunk=2, prefix_n=0, vqa_per_scene=1, inputs_key="b")
            self.assertFalse((folder / "results.json").exists(), "another package or runtime: dropped")
        self.assertEqual(R.inputs_key(R.PACKAGE_DIR), R.inputs_key(R.PACKAGE_DIR))
        self.assertEqual(len(R.inputs_key(R.PACKAGE_DIR)), 64)

    def test_chat_n_limits_chat_calls_not_reconstructions(self) -> None:
        items = [R.SceneItem("unseen", i, s) for i, s in enumerate(R.eval_scenes("unseen", 4))]
        with tempfile.TemporaryDirectory() as tmp:
            (folder,) = R.build_requests(items, Path(tmp), chunk=4, prefix_n=1, vqa_per_scene=1, chat_n=1)
            req = json.loads((folder / "request.json").read_text())
            self.assertEqual(len(req["reconstruct"]), 4)
            self.assertEqual({x["id"].rsplit(".", 1)[0] for x in req["draw"]}, {items[0].id})
            self.assertEqual({x["id"].rsplit(".", 1)[0] for x in req["ask"]}, {items[0].id})


if __name__ == "__main__":
    unittest.main()
