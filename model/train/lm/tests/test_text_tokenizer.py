"""Text tokenizer: the Python reference encoder's rules, and id parity of tokenizer.json in Node.

Run: /usr/bin/python3 -m unittest discover -s model/train/lm/tests -t .
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np

from model.train.lm import tasks
from model.train.lm.fixtures import tokenizer_fixture
from model.train.lm.paths import CODEBOOK_SIZE, LM_DIR, REPO, SP_MODEL
from model.train.lm.text_tokenizer import BOS_ID, EOS_ID, TextTokenizer


def stress_strings(rng: np.random.Generator, n: int) -> list[str]:
    """Corpus lines with insertions, glued image tokens, random characters and token soups."""
    lines = tasks.corpus_lines(rng, n)
    alphabet = list("abcXYZ  \n\t.,:?!<>/_-0123456789é猫🐶▁") + ["<img>", "</img>", "<s>", "</s>", "<img_0", "<unk>"]
    out = []
    for k in range(n):
        base = lines[k % len(lines)]
        cut = int(rng.integers(0, len(base) + 1))
        ins = "".join(str(rng.choice(alphabet)) for _ in range(int(rng.integers(0, 6))))
        code = int(rng.integers(0, CODEBOOK_SIZE + 50))
        out.append(base[:cut] + ins + f"<img_{code:05d}>" * int(rng.integers(0, 3)) + base[cut:])
    return out


class TextTokenizerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.tok = TextTokenizer(SP_MODEL, CODEBOOK_SIZE)

    def test_image_tokens_are_contiguous_after_text(self) -> None:
        t = self.tok
        self.assertEqual(t.encode("<img_00000>", add_bos=False), [t.text_vocab_size])
        self.assertEqual(
            t.encode(f"<img_{CODEBOOK_SIZE - 1:05d}>", add_bos=False), [t.text_vocab_size + CODEBOOK_SIZE - 1]
        )
        self.assertEqual(
            (t.boi_id, t.eoi_id, t.vocab_size),
            (
                t.image_token_offset + CODEBOOK_SIZE,
                t.image_token_offset + CODEBOOK_SIZE + 1,
                t.image_token_offset + CODEBOOK_SIZE + 2,
            ),
        )

    def test_glued_image_tokens_are_split_out(self) -> None:
        t = self.tok
        ids = t.encode("Draw<img><img_00012><img_00345></img>done", add_bos=False)
        i = ids.index(t.boi_id)
        self.assertEqual(ids[i : i + 4], [t.boi_id, t.image_token_offset + 12, t.image_token_offset + 345, t.eoi_id])

    def test_out_of_range_image_token_is_plain_text(self) -> None:
        ids = self.tok.encode("<img_99999>", add_bos=False)
        self.assertTrue(all(i < self.tok.text_vocab_size for i in ids))
        self.assertEqual(self.tok.decode(ids), "<img_99999>")

    def test_literal_specials_map_to_their_ids(self) -> None:
        self.assertEqual(self.tok.encode("<s>USER:", add_bos=False)[0], BOS_ID)
        self.assertEqual(self.tok.encode("x</s>", add_bos=False)[-1], EOS_ID)

    def test_decode_inverts_encode_on_generated_text(self) -> None:
        for s in stress_strings(np.random.default_rng(1), 300):
            if "▁" not in s:
                self.assertEqual(self.tok.decode(self.tok.encode(s, add_bos=False)), s)

    def test_image_ids_rejects_bad_codes(self) -> None:
        with self.assertRaises(ValueError):
            self.tok.image_ids([CODEBOOK_SIZE])

    def test_node_tokenizers_parity(self) -> None:
        """tokenizer.json in @huggingface/tokenizers gives the reference ids on tricky and 3000 stress strings."""
        fx = tokenizer_fixture(self.tok)
        fx["cases"] += [
            {"text": s, "ids": self.tok.encode(s), "ids_no_bos": self.tok.encode(s, add_bos=False)}
            for s in stress_strings(np.random.default_rng(2), 3000)
        ]
        with tempfile.TemporaryDirectory() as tmp:
            self.tok.write(Path(tmp), 256)
            (Path(tmp) / "cases.json").write_text(json.dumps(fx))
            r = subprocess.run(
                ["node", str(LM_DIR / "check_tokenizer_parity.mjs"), tmp, str(Path(tmp) / "cases.json")],
                cwd=REPO,
                capture_output=True,
                text=True,
            )
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
