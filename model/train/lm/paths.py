"""Where the LM's files live: committed assets, the gitignored run folder, and the shipped package."""

from __future__ import annotations

import os
from pathlib import Path

LM_DIR = Path(__file__).resolve().parent  # model/train/lm (committed)
TRAIN_DIR = LM_DIR.parent  # model/train
REPO = TRAIN_DIR.parents[1]
RUN_DIR = Path(os.environ.get("SEED_MINI_RUNS", TRAIN_DIR / "runs")) / "lm"  # checkpoints, data, logs (gitignored)
PACKAGE_DIR = REPO / "model" / "seed-mini"  # the shipped model package
FIXTURES_DIR = PACKAGE_DIR / "fixtures"
SP_MODEL = LM_DIR / "text_bpe.model"  # the SentencePiece model (source of tokenizer.json)
TEXT_VOCAB_SIZE = 1000  # ids 0..999 are text; <img_00000> is id 1000
CODEBOOK_SIZE = 1024  # the visual tokenizer's codebook_size
MAX_LEN = 256  # context length (max_position_embeddings)
