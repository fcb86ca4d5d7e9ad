"""Image codes for scenes: the LM's image vocabulary.

Two sources with one interface (`encode(scenes) -> int64 [N, 32]`):
  * FrozenTokenizerCodes: the frozen visual tokenizer (model.train.api.FrozenTokenizer), the real thing. Available
    once the tokenizer stage is done (runs/tokenizer.done.pt).
  * StandInCodes: deterministic codes computed from the scene's attributes (no pixels), used to develop and test the
    LM pipeline before the tokenizer is frozen, and for the interim package. They have the same shape and range as
    real codes and are learnable (slot k of the 32 depends on a fixed attribute), so a briefly trained LM emits
    well-formed 32-token spans.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .. import dataset as ds

NUM_TOKENS = 32
RUNS = Path(os.environ.get("SEED_MINI_RUNS", Path(__file__).resolve().parents[1] / "runs"))
TOKENIZER_DONE = RUNS / "tokenizer.done.pt"


class CodeSource(Protocol):
    name: str
    codebook_size: int
    fingerprint: str  # changes whenever the same scene would get other codes (a retrained tokenizer)

    def encode(self, scenes: Sequence[ds.Scene]) -> np.ndarray:
        """int64 [N, 32] codes in [0, codebook_size)."""
        ...


class StandInCodes:
    """Slots 0-8: identity+colour of the object in cell k (or 'empty'); 9-17: its size; 18-31: the background."""

    name = "stand-in"

    def __init__(self, codebook_size: int = 1024) -> None:
        self.codebook_size = codebook_size
        self.fingerprint = f"stand-in-v1-{codebook_size}"

    def encode(self, scenes: Sequence[ds.Scene]) -> np.ndarray:
        out = np.zeros((len(scenes), NUM_TOKENS), np.int64)
        k = self.codebook_size
        for n, scene in enumerate(scenes):
            cells = {o.cell: o for o in scene.objects}
            for c in range(9):
                o = cells.get(c)
                ident = 0 if o is None else 1 + o.identity * 11 + (o.colour + 1)
                size = 0 if o is None else 1 + o.size
                out[n, c] = (ident * 37 + c * 101) % k
                out[n, 9 + c] = (size * 131 + c * 7 + 500) % k
            for j in range(18, NUM_TOKENS):
                out[n, j] = (scene.background * 61 + j * 13 + 900) % k
        return out


class FrozenTokenizerCodes:
    """The visual tokenizer (model.train.api.FrozenTokenizer, fp16-exact: the ids the package's ONNX encoder +
    quantizer produce): renders each scene and encodes the pixels."""

    name = "visual-tokenizer"

    def __init__(self, batch: int = 256) -> None:
        if not TOKENIZER_DONE.exists():
            raise FileNotFoundError(
                f"{TOKENIZER_DONE} does not exist: the visual tokenizer is not trained yet; "
                "use --codes stand-in until it is"
            )
        api = importlib.import_module("model.train.api")
        codes_fingerprint = importlib.import_module("model.train.seed_mini").codes_fingerprint
        self._tok = api.FrozenTokenizer(fp16_exact=True)
        self.codebook_size = int(self._tok.model.quantizer.embedding.shape[0])  # [K, C]
        self.batch = batch
        self.fingerprint = codes_fingerprint(self._tok.model)

    def encode(self, scenes: Sequence[ds.Scene]) -> np.ndarray:
        out = []
        for i in range(0, len(scenes), self.batch):
            imgs = ds.render_batch(scenes[i : i + self.batch])  # uint8 [b, 64, 64, 3]
            codes = np.asarray(self._tok.encode(imgs), dtype=np.int64)  # [b, 32]
            if codes.shape != (len(imgs), NUM_TOKENS):
                raise ValueError(f"FrozenTokenizer.encode returned {codes.shape}, expected ({len(imgs)}, {NUM_TOKENS})")
            out.append(codes)
        codes = np.concatenate(out) if out else np.zeros((0, NUM_TOKENS), np.int64)
        if codes.size and (codes.min() < 0 or codes.max() >= self.codebook_size):
            raise ValueError(f"codes outside [0, {self.codebook_size}): min {codes.min()}, max {codes.max()}")
        return codes


def code_source(name: str) -> CodeSource:
    if name == "stand-in":
        return StandInCodes()
    if name == "tokenizer":
        return FrozenTokenizerCodes()
    raise ValueError(f"unknown code source {name!r}; expected 'stand-in' or 'tokenizer'")
