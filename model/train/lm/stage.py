"""The SEED-mini language model as a training stage (the same loop as the visual stages: model/train/loop.py).

The corpus is built once (conversations from tasks.py, their images rendered and tokenized by the frozen visual
tokenizer) and cached in runs/lm/data/ with the codes' fingerprint; a stale cache (codes of another tokenizer) is
rebuilt. A step's batch is a pure function of the step: epoch e is a shuffled, length-bucketed list of batches
(data.batch_indices with seed 1000 * seed + e), so a resumed run sees the data it would have seen.

A new run may start from the shipped package's language model (`start_from_package`: its ONNX weights), whose
text side carries over; its image-token rows are re-drawn, since the package being replaced used other codes.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..common import PACKAGE_DIR, RUNS
from ..package_weights import load_module, onnx_tensors
from ..stages import Stage
from . import data as lmdata
from .codes import code_source
from .model import LMConfig, SeedMiniLM, grow_state, layers_in
from .paths import CODEBOOK_SIZE, MAX_LEN, SP_MODEL
from .text_tokenizer import TextTokenizer


def corpus(split: str, n: int, seed: int, tok: TextTokenizer, source: Any, log: Any = print) -> lmdata.TokenData:
    """The cached corpus of n conversations of `split` (the stage's `seed`), built (or rebuilt, when the cache holds
    other codes or conversations) from `source`'s codes."""
    path = RUNS / "lm" / "data" / f"{source.name}-{split}-{n}-seed{seed}.npz"
    if path.exists() and lmdata.cached_fingerprint(path) != lmdata.corpus_fingerprint(source):
        log(f"[lm] {path.name} was built from other codes or conversations: rebuilding")
        path.unlink()
    if not path.exists():
        lmdata.build(split, n, seed, tok, source, MAX_LEN, path, log)
    return lmdata.TokenData(path)


def answer_losses(model: SeedMiniLM, data: lmdata.TokenData, tok: TextTokenizer, batch: int) -> dict[str, float]:
    """Mean next-token loss over the answer tokens of `data`: all of them, the text tokens and the image tokens
    (the codes of drawn images), each with its token count."""
    dev = model.embed.weight.device
    lo, hi = tok.image_token_offset, tok.image_token_offset + tok.codebook_size
    sums = {"all": [0.0, 0], "text": [0.0, 0], "image": [0.0, 0]}
    with torch.no_grad():
        for idx in lmdata.batch_indices(data, batch, 0):
            ids, att, mask = (t.to(dev) for t in data.batch(idx))
            ce = model.token_losses(ids, att)  # [B, S-1]
            target, answer = ids[:, 1:], mask[:, 1:].bool()
            image = (target >= lo) & (target < hi)
            for part, sel in (("all", answer), ("text", answer & ~image), ("image", answer & image)):
                sums[part][0] += float(ce[sel].sum())
                sums[part][1] += int(sel.sum())
    out = {part: total / max(1, n) for part, (total, n) in sums.items()}
    return out | {f"{part}_tokens": float(n) for part, (_, n) in sums.items()}


class LMStage(Stage):
    name, index = "lm", 60
    betas = (0.9, 0.95)
    warmup = 200
    lr_floor = 0.05
    weight_decay = 0.05

    def __init__(
        self,
        batch: int,
        train_size: int = 60000,
        test_size: int = 1000,
        seed: int = 0,
        eval_every: int = 250,
        n_layers: int = 4,
        log: Any = print,
    ) -> None:
        """batch: tokens per batch (sequences are packed by length up to this many tokens). n_layers: the LM's
        depth; a run deeper than the one it continues grows it (init_from)."""
        super().__init__(batch)
        self.seed, self.eval_every = seed, eval_every
        self.tok = TextTokenizer(SP_MODEL, CODEBOOK_SIZE)
        source = code_source("tokenizer")
        self.data = {
            split: corpus(split, n, seed, self.tok, source, log)
            for split, n in (("train", train_size), ("test", test_size))
        }
        self.fingerprint = source.fingerprint
        self.cfg = LMConfig(
            vocab_size=self.tok.vocab_size, d_model=256, n_layers=n_layers, max_position_embeddings=MAX_LEN
        )
        torch.manual_seed(seed)
        self.model = SeedMiniLM(self.cfg)
        self._epochs: list[list[np.ndarray]] = []
        self._epoch_starts: list[int] = [0]

    def start_from_package(self, keep_image_rows: bool = False, source: Path | None = None) -> str:
        """Load a package's LM (default: the shipped one), at its depth or grown to this run's (_start_from);
        re-draw the image-token rows unless keep_image_rows. Returns a log line."""
        source = source or PACKAGE_DIR / "language_model.onnx"
        names, _ = onnx_tensors(source, "model.")
        packaged = SeedMiniLM(replace(self.cfg, n_layers=layers_in(names)))
        load_module(packaged, source, prefix="model.")
        depth = self._start_from(packaged.state_dict())
        if not keep_image_rows:
            rows = slice(self.tok.image_token_offset, self.tok.image_token_offset + self.tok.codebook_size)
            with torch.no_grad():
                torch.nn.init.normal_(self.model.embed.weight[rows], std=0.02)
                torch.nn.init.normal_(self.model.lm_head.weight[rows], std=0.02)
        return (
            f"[lm] initialised from {source}; image-token rows "
            f"{'kept' if keep_image_rows else 're-drawn for these codes'}{depth}"
        )

    def _start_from(self, state: dict[str, Tensor]) -> str:
        """Loads LM weights of any depth: a shallower LM is grown to this run's n_layers (model.grow_state: the new
        blocks start as the identity, so the run continues what it computed); a deeper one keeps its own depth (the
        model is rebuilt: a run never drops trained layers). Returns a note for the log when the depths differ."""
        depth = layers_in(state)
        note = f"; grown from {depth} layers to {self.cfg.n_layers}" if depth < self.cfg.n_layers else ""
        if depth > self.cfg.n_layers:
            self.cfg = replace(self.cfg, n_layers=depth)
            self.model = SeedMiniLM(self.cfg)
            note = f"; {depth} layers, as the weights it starts from"
        grow_state(self.model, state)
        return note

    def resume_weights(self, state: dict[str, Tensor]) -> None:
        """An interrupted run's weights, at their depth (a run that started from a deeper LM kept its)."""
        self._start_from(state)

    def init_from(self, done: dict[str, Any]) -> None:
        """Continue from an earlier LM run, at its depth or grown to this run's (_start_from)."""
        self._start_from(done["model"])

    def _batch_of(self, step: int) -> np.ndarray:
        while self._epoch_starts[-1] <= step:
            e = len(self._epochs)
            batches = list(lmdata.batch_indices(self.data["train"], self.batch, self.seed * 1000 + e))
            self._epochs.append(batches)
            self._epoch_starts.append(self._epoch_starts[-1] + len(batches))
        e = bisect_right(self._epoch_starts, step) - 1
        return self._epochs[e][step - self._epoch_starts[e]]

    def make_batch(self, step: int) -> dict[str, Tensor]:
        ids, att, loss_mask = self.data["train"].batch(self._batch_of(step))
        return {"ids": ids, "att": att, "loss_mask": loss_mask}

    def train_step(self, step: int, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        loss = self.model.loss(batch["ids"], batch["att"], batch["loss_mask"])
        return loss, {"tokens": torch.tensor(float(batch["ids"].numel()))}

    def held_out_losses(self) -> dict[str, float]:
        """answer_losses on the held-out conversations: all answer tokens, text, image."""
        was_training = self.model.training
        self.model.eval()
        losses = answer_losses(self.model, self.data["test"], self.tok, self.batch)
        self.model.train(was_training)
        return losses

    def after_step(self, step: int, log: Any) -> None:
        if (step + 1) % self.eval_every == 0:
            lo = self.held_out_losses()
            log(
                f"[lm] step {step + 1} held-out answer loss {lo['all']:.4f} "
                f"(text {lo['text']:.4f}, image tokens {lo['image']:.4f})"
            )

    def final_payload(self) -> dict[str, Any]:
        losses = self.held_out_losses()
        return {
            **super().final_payload(),
            "config": self.cfg.to_dict(),
            "codes": "visual-tokenizer",
            "codes_fingerprint": self.fingerprint,
            "held_out_losses": losses,  # all, text, image (answer tokens)
            "held_out_loss": losses["all"],
        }


def load_lm(path: Path | None = None) -> tuple[SeedMiniLM, dict[str, Any]]:
    """A finished LM run (default: the trained LM, runs/lm.done.pt) in eval mode, and its payload."""
    from ..common import load

    state = load(path or RUNS / "lm.done.pt")
    model = SeedMiniLM(LMConfig(**state["config"]))
    model.load_state_dict(state["model"])
    return model.eval(), state
