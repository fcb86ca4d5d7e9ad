"""Chat template and task generator: loss masks cover answers only, prompts are token prefixes, splits hold."""

from __future__ import annotations

import unittest

import numpy as np

from model.train import dataset as ds
from model.train.lm import tasks
from model.train.lm.codes import StandInCodes
from model.train.lm.paths import CODEBOOK_SIZE, SP_MODEL
from model.train.lm.template import ImageRef, Turn, encode_conversation, prompt_string, segments
from model.train.lm.text_tokenizer import EOS_ID, TextTokenizer


def scenes_in(turns: list[Turn]) -> list[ds.Scene]:
    return [p.key for t in turns for p in t.user + t.assistant if isinstance(p, ImageRef)]


class TemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.tok = TextTokenizer(SP_MODEL, CODEBOOK_SIZE)
        cls.codes = StandInCodes(CODEBOOK_SIZE)
        cls.codes_fn = staticmethod(lambda scene: list(cls.codes.encode([scene])[0]))

    def test_vicuna_layout(self) -> None:
        s = ds.scene_at("train", 0)
        turns = [Turn((ImageRef(s), "Describe the image."), ("a cat",)), Turn(("Where?",), ("here",))]
        text = "".join(x for x, _ in segments(turns, self.codes_fn))
        self.assertTrue(text.startswith("<s>USER: <img><img_"))
        self.assertIn("</img>Describe the image.\nASSISTANT:a cat\nUSER: Where?\nASSISTANT:here</s>", text)
        self.assertEqual(text.count("</s>"), 1)

    def test_mask_covers_exactly_the_answers(self) -> None:
        turns = [Turn(("Draw a red circle.",), ("Here is the image.", ImageRef(ds.scene_at("train", 1))))]
        ids, mask = encode_conversation(turns, self.codes_fn, self.tok)
        answer = [i for i, m in zip(ids, mask) if m]
        self.assertEqual(answer[-1], EOS_ID)
        self.assertEqual(sum(1 for i in answer if self.tok.is_image_id(i)), 32)
        self.assertEqual(self.tok.decode(answer).split("<img>")[0], "Here is the image.")
        n_prompt = len(self.tok.encode(prompt_string([Turn(turns[0].user, ())], self.codes_fn), add_bos=False))
        self.assertEqual(mask, [0] * n_prompt + [1] * (len(ids) - n_prompt))

    def test_prompt_ids_are_a_prefix_of_training_ids(self) -> None:
        rng = np.random.default_rng(5)
        for _ in range(200):
            _, turns = tasks.random_conversation(rng)
            ids, mask = encode_conversation(turns, self.codes_fn, self.tok)
            first_answer = mask.index(1)
            prompt = prompt_string([Turn(turns[0].user, ())], self.codes_fn)
            self.assertEqual(self.tok.encode(prompt, add_bos=False), ids[:first_answer])
            self.assertLessEqual(len(ids), 256)

    def test_train_conversations_never_show_held_out_objects(self) -> None:
        rng = np.random.default_rng(6)
        for _ in range(400):
            _, turns = tasks.random_conversation(rng, "train")
            for scene in scenes_in(turns):
                self.assertFalse(any(ds.is_held_out(o) for o in scene.objects), scene)
                self.assertEqual(len({o.cell for o in scene.objects}), len(scene.objects))

    def test_background_edit_changes_only_the_background(self) -> None:
        rng = np.random.default_rng(7)
        seen = 0
        for i in range(200):
            scene = ds.scene_at("train", i)
            edit = tasks.random_edit(rng, scene, "train")
            if edit and edit[0].startswith(("Now put it on", "Change the background")):
                seen += 1
                self.assertEqual(edit[1].objects, scene.objects)
                self.assertNotEqual(edit[1].background, scene.background)
                self.assertIn(tuple(ds.BACKGROUNDS)[edit[1].background], edit[0])
        self.assertGreater(seen, 5)

    def test_remove_edit_drops_the_named_object(self) -> None:
        rng = np.random.default_rng(8)
        for i in range(300):
            scene = ds.scene_at("train", i)
            edit = tasks.random_edit(rng, scene, "train")
            if edit and edit[0].startswith("Remove the "):
                name = edit[0][len("Remove the ") : -1]
                self.assertEqual(len(edit[1].objects), len(scene.objects) - 1)
                self.assertNotIn(name, [tasks.ref_name(o) for o in edit[1].objects])

    def test_vqa_answers_match_the_scene(self) -> None:
        rng = np.random.default_rng(9)
        for i in range(300):
            scene = ds.scene_at("train", i)
            kind, q, a, fields = tasks.vqa_question(rng, scene)
            self.assertNotIn("{", q)
            for value in fields.values():
                self.assertIn(value, q)
            if kind == "count":
                self.assertEqual(a, tasks.COUNT_WORDS[len(scene.objects)])
            if kind == "background":
                self.assertEqual(a, tuple(ds.BACKGROUNDS)[scene.background])
            if kind == "position":
                obj = [o for o in scene.objects if tasks.ref_name(o) == fields["ref"]][0]
                self.assertEqual(a, ds.CELL_PHRASES[obj.cell])


if __name__ == "__main__":
    unittest.main()
