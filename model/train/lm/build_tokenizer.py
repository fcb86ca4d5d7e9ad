"""Train the SEED-mini text tokenizer (SentencePiece BPE) on the task generator's text and save text_bpe.model.

Run: .venv/bin/python -m model.train.lm.build_tokenizer   (about 10 s; deterministic for a given dataset.py)
The chat markers are plain text, as in SEED: extra corpus lines teach "USER:"/"ASSISTANT:" both after a space and
glued after a newline (the form they take inside the template, where "\\n" itself is the byte piece <0x0A>).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np

from . import tasks
from .paths import SP_MODEL, TEXT_VOCAB_SIZE
from .text_tokenizer import train_sentencepiece


def corpus(n_conversations: int, seed: int) -> list[str]:
    lines = tasks.corpus_lines(np.random.default_rng(seed), n_conversations)
    lines += ["USER: ASSISTANT:", ".ASSISTANT:", ".USER:", "?ASSISTANT:", "?USER:"] * (n_conversations // 20)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--conversations", type=int, default=20000)
    ap.add_argument("--vocab-size", type=int, default=TEXT_VOCAB_SIZE)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", type=Path, default=SP_MODEL)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = train_sentencepiece(corpus(a.conversations, a.seed), Path(tmp) / "text_bpe", a.vocab_size)
        shutil.copyfile(model, a.out)
    print(f"wrote {a.out} (vocab {a.vocab_size})")


if __name__ == "__main__":
    main()
