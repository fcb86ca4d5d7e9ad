"""The held-out answer loss split into text and image tokens: the parts add up to the loss the stage trains on."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from model.train.lm import data as lmdata
from model.train.lm.model import LMConfig, SeedMiniLM
from model.train.lm.paths import CODEBOOK_SIZE, SP_MODEL
from model.train.lm.stage import answer_losses
from model.train.lm.text_tokenizer import TextTokenizer


class AnswerLossTest(unittest.TestCase):
    def test_text_and_image_parts_make_up_the_training_loss(self) -> None:
        tok = TextTokenizer(SP_MODEL, CODEBOOK_SIZE)
        torch.manual_seed(0)
        model = SeedMiniLM(LMConfig(vocab_size=tok.vocab_size, d_model=32, n_layers=1, max_position_embeddings=64))
        rng = np.random.default_rng(0)
        seqs, masks = [], []
        for n in (12, 20, 9, 30):  # text tokens, then an answer with text and image tokens
            text = rng.integers(3, tok.image_token_offset, n)
            image = tok.image_token_offset + rng.integers(0, CODEBOOK_SIZE, 8)
            seqs.append(np.concatenate([text, image, text[:3]]))
            masks.append(np.concatenate([np.zeros(n - 4), np.ones(4 + 8 + 3)]).astype(np.int64))
        offsets = np.cumsum([0, *map(len, seqs)])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "test.npz"
            np.savez(
                path, ids=np.concatenate(seqs), mask=np.concatenate(masks), offsets=offsets, task=np.zeros(4),
                vocab_size=tok.vocab_size, source="test",
            )  # fmt: skip
            data = lmdata.TokenData(path)
            losses = answer_losses(model.eval(), data, tok, batch=64)
            ids, att, mask = data.batch(np.arange(len(data)))
        self.assertEqual(losses["image_tokens"], 4 * 8)
        self.assertEqual(losses["text_tokens"], 4 * (4 + 3))
        with torch.no_grad():
            expected = float(model.loss(ids, att, mask))
        self.assertAlmostEqual(losses["all"], expected, places=4)
        parts = (losses["text"] * losses["text_tokens"] + losses["image"] * losses["image_tokens"]) / losses[
            "all_tokens"
        ]
        self.assertAlmostEqual(parts, losses["all"], places=4)
        self.assertGreater(losses["image"], 0.0)
        self.assertGreater(losses["text"], 0.0)


if __name__ == "__main__":
    unittest.main()
