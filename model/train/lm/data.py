"""Training data for the SEED-mini LM: conversations -> token ids + loss masks, cached, and length-bucketed batches.

A data set is built once per (split, size, seed, code source, conversation generator) and cached as .npz in model/train/runs/lm/data/
(gitignored): flat int32 ids, uint8 loss mask, int64 offsets [N+1], task index per conversation. Building renders
and tokenizes every scene the conversations use (edits and compositions are new scenes, re-rendered).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from .. import dataset as ds
from . import tasks, template
from .codes import CodeSource
from .template import ImageRef, Turn, encode_conversation
from .text_tokenizer import TextTokenizer

TASKS = tuple(tasks.TASK_WEIGHTS)
SPLIT_SEED = {"train": 0, "test": 1}


def _scenes_of(turns: list[Turn]) -> list[ds.Scene]:
    return [p.key for t in turns for p in t.user + t.assistant if isinstance(p, ImageRef)]  # type: ignore[misc]


def build(
    split: str, n: int, seed: int, tok: TextTokenizer, source: CodeSource, max_len: int, out: Path, log=print
) -> Path:
    """Generate n conversations of `split`, tokenize their images with `source`, encode, save to `out`."""
    t0 = time.time()
    rng = np.random.default_rng([seed, SPLIT_SEED[split]])
    convs = [tasks.random_conversation(rng, split) for _ in range(n)]
    scenes = list(dict.fromkeys(s for _, turns in convs for s in _scenes_of(turns)))
    log(f"[data] {split}: {n} conversations, {len(scenes)} unique scenes ({time.time() - t0:.0f}s); tokenizing images")
    chunks = []
    for i in range(0, len(scenes), 5000):
        chunks.append(source.encode(scenes[i : i + 5000]))
        log(f"[data] {min(i + 5000, len(scenes))}/{len(scenes)} images tokenized ({time.time() - t0:.0f}s)")
    codes = np.concatenate(chunks)
    table = {s: codes[i] for i, s in enumerate(scenes)}
    log(f"[data] images tokenized with {source.name} ({time.time() - t0:.0f}s); encoding conversations")
    ids_all, mask_all, offsets, task_idx, dropped = [], [], [0], [], 0
    for task, turns in convs:
        ids, mask = encode_conversation(turns, lambda key: table[key], tok)
        if len(ids) > max_len:
            dropped += 1
            continue
        ids_all.append(np.asarray(ids, np.int32))
        mask_all.append(np.asarray(mask, np.uint8))
        offsets.append(offsets[-1] + len(ids))
        task_idx.append(TASKS.index(task))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        ids=np.concatenate(ids_all),
        mask=np.concatenate(mask_all),
        offsets=np.asarray(offsets, np.int64),
        task=np.asarray(task_idx, np.int8),
        vocab_size=tok.vocab_size,
        source=source.name,
        fingerprint=corpus_fingerprint(source),
    )
    tmp.replace(out)
    log(
        f"[data] {split}: saved {len(task_idx)} sequences ({dropped} longer than {max_len} dropped), "
        f"{offsets[-1]} tokens, to {out} ({time.time() - t0:.0f}s)"
    )
    return out


def corpus_fingerprint(source: CodeSource) -> str:
    """Changes whenever a cached data set would come out differently: other codes for the same scene (the code
    source's fingerprint) or other conversations (the modules that write them: tasks, template, the scenes)."""
    h = hashlib.sha256()
    for module in (tasks, template, ds):
        h.update(Path(module.__file__).read_bytes())
    return f"{source.fingerprint}/conversations-{h.hexdigest()[:12]}"


def _fingerprint(z: np.lib.npyio.NpzFile) -> str:
    return str(z["fingerprint"]) if "fingerprint" in z.files else ""  # "" for older caches: unknown


def cached_fingerprint(path: Path) -> str:
    """The corpus_fingerprint a cached data set was built with; reads only that entry."""
    with np.load(path) as z:
        return _fingerprint(z)


class TokenData:
    """A cached data set: sequence i is ids[offsets[i]:offsets[i+1]]."""

    def __init__(self, path: Path) -> None:
        with np.load(path) as z:
            self.ids, self.mask, self.offsets, self.task = z["ids"], z["mask"], z["offsets"], z["task"]
            self.vocab_size, self.source = int(z["vocab_size"]), str(z["source"])
            self.fingerprint = _fingerprint(z)
        self.lengths = np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.lengths)

    def sequence(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.ids[a:b], self.mask[a:b]

    def batch(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """input_ids [B, T] (right-padded with 0), attention_mask [B, T], loss_mask [B, T]."""
        t = int(self.lengths[idx].max())
        ids = np.zeros((len(idx), t), np.int64)
        att = np.zeros((len(idx), t), np.int64)
        loss = np.zeros((len(idx), t), np.int64)
        for r, i in enumerate(idx):
            s, m = self.sequence(int(i))
            ids[r, : len(s)], att[r, : len(s)], loss[r, : len(s)] = s, 1, m
        return torch.from_numpy(ids), torch.from_numpy(att), torch.from_numpy(loss)


def batch_indices(data: TokenData, tokens_per_batch: int, epoch_seed: int) -> Iterator[np.ndarray]:
    """One epoch of batches: shuffled, then bucketed by length in windows of ~50 batches to limit padding."""
    rng = np.random.default_rng(epoch_seed)
    order = rng.permutation(len(data))
    window = max(1, 50 * tokens_per_batch // max(1, int(data.lengths.mean())))
    batches: list[np.ndarray] = []
    for w in range(0, len(order), window):
        chunk = order[w : w + window]
        chunk = chunk[np.argsort(data.lengths[chunk], kind="stable")]
        start = 0
        while start < len(chunk):
            end = start + 1
            while end < len(chunk) and (end - start + 1) * data.lengths[chunk[end]] <= tokens_per_batch:
                end += 1
            batches.append(chunk[start:end])
            start = end
    for k in rng.permutation(len(batches)):
        yield batches[k]
