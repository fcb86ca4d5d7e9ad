"""Text -> image judging: decode the LM's generated codes to pixels with part 1's decoder and score them with part 1's
attribute judge (model/train/evaluate.py). Reused, not duplicated: this file only adapts their functions.

image_judge() returns None while part 1's decoder or judge is not available (the report then says so).
"""
from __future__ import annotations

import importlib
from typing import Callable, Optional, Sequence

import numpy as np

from .. import dataset as ds

Judge = Callable[[np.ndarray, Sequence[ds.Scene]], dict]


def image_judge() -> Optional[Judge]:
    """A function (codes int64 [N, 32], target scenes) -> {attribute: accuracy}, or None if not available yet."""
    try:
        ev = importlib.import_module("model.train.evaluate")
    except ImportError:
        return None
    decode = getattr(ev, "decode_codes", None)         # codes int64 [N, 32] -> uint8 [N, 64, 64, 3]
    score = getattr(ev, "attribute_accuracy", None)    # (uint8 images, scenes) -> {attribute: accuracy}
    if decode is None or score is None:
        return None

    def judge(codes: np.ndarray, scenes: Sequence[ds.Scene]) -> dict:
        return dict(score(decode(codes), list(scenes)))
    return judge
