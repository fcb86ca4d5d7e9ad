"""Train the SEED-mini LM: one resumable command.

    nohup setsid /usr/bin/python3 -m model.train.lm.train --codes tokenizer --run main --hours 1.75 \
        > /dev/null 2>&1 &
    tail -f model/train/runs/lm/main/train.log

Builds (or reuses) the cached data sets, then trains with AdamW + warmup/cosine schedule, writing a checkpoint
(model/train/runs/lm/<run>/ckpt.pt, atomic) every --ckpt-minutes and at the end. Running the same command again
resumes from the checkpoint (same step, optimizer and data order). The step budget is fixed at the first start:
--hours is turned into a step count from the measured s/step of the first 20 steps (or give --steps).
Threads: --threads N, or write a number or "auto" into <run>/threads at any time (read every 50 steps; "auto" =
1 while part 1's train_all runs, 2 after).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import torch

from ..common import Log
from . import data as lmdata
from .codes import code_source
from .model import LMConfig, SeedMiniLM
from .paths import CODEBOOK_SIZE, MAX_LEN, RUN_DIR, SP_MODEL
from .text_tokenizer import TextTokenizer


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="main", help="run name: folder under model/train/runs/lm/")
    ap.add_argument("--codes", default="tokenizer", choices=["tokenizer", "stand-in"])
    ap.add_argument("--train-size", type=int, default=60000, help="training conversations")
    ap.add_argument("--test-size", type=int, default=1000, help="held-out conversations (loss only)")
    ap.add_argument("--steps", type=int, default=0, help="total steps (0: derive from --hours)")
    ap.add_argument("--hours", type=float, default=1.75)
    ap.add_argument("--tokens-per-batch", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default=os.environ.get("SEED_MINI_DEVICE", "cpu"), help="cpu or cuda")
    ap.add_argument("--seconds", type=float, default=0.0, help="time budget instead of --hours (GPU runs)")
    ap.add_argument("--init-from", default="", help="start a NEW run from another run's weights (e.g. the stand-in "
                    "interim run: the template and text tasks carry over); image-token rows are re-drawn when its codes "
                    "differ (their fingerprint: a retrained tokenizer gives other codes under the same name)")
    ap.add_argument("--keep-image-rows", action="store_true", help="with --init-from: keep the image-token rows although "
                    "the codes changed (a tokenizer that was trained on, not retrained: most ids keep their meaning)")
    return ap.parse_args()


def lr_at(step: int, total: int, base: float, warmup: int) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))


def part1_training() -> bool:
    """True while part 1's train_all process is alive (it shares the two cores)."""
    r = subprocess.run(["pgrep", "-f", "model.train.train_all"], capture_output=True, text=True)
    return bool(r.stdout.strip())


def set_threads(run: Path, default: int, current: int) -> int:
    """Thread count from <run>/threads: a number, or "auto" (1 while part 1's train_all runs, 2 after)."""
    f = run / "threads"
    n = default
    if f.exists():
        text = f.read_text().strip()
        if text == "auto":
            n = 1 if part1_training() else 2
        elif text.isdigit():
            n = max(1, int(text))
    if n != current:
        torch.set_num_threads(n)
    return n


@torch.no_grad()
def eval_loss(model: SeedMiniLM, test: lmdata.TokenData, tokens_per_batch: int) -> float:
    model.eval()
    total, count = 0.0, 0
    dev = model.embed.weight.device
    for idx in lmdata.batch_indices(test, tokens_per_batch, 0):
        ids, att, loss_mask = (t.to(dev) for t in test.batch(idx))
        n = float(loss_mask[:, 1:].sum())
        total += float(model.loss(ids, att, loss_mask)) * n
        count += int(n)
    model.train()
    return total / max(1, count)


def save(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def init_from(model: SeedMiniLM, path: Path, tok: TextTokenizer, log: Log, codes: str, fingerprint: str,
              keep_rows: bool = False) -> None:
    """Load another run's weights; when that run used other image codes (stand-in codes, or a retrained tokenizer),
    re-draw the embedding and head rows of the image tokens (their codes meant something else there) with the
    model's own init, unless keep_rows."""
    src = torch.load(path, map_location="cpu")
    if LMConfig(**src["config"]) != model.cfg:
        raise ValueError(f"{path} has config {src['config']}, this run wants {model.cfg.to_dict()}")
    model.load_state_dict(src["model"])
    # Older checkpoints have no fingerprint: then only the source's name can be compared.
    same = src["codes_fingerprint"] == fingerprint if src.get("codes_fingerprint") else src.get("codes") == codes
    redraw = not same and not keep_rows
    if redraw:
        rows = slice(tok.image_token_offset, tok.image_token_offset + tok.codebook_size)
        with torch.no_grad():
            torch.nn.init.normal_(model.embed.weight[rows], std=0.02)
            torch.nn.init.normal_(model.lm_head.weight[rows], std=0.02)
    rows = "kept (same codes)" if same else "re-drawn (other codes)" if redraw else "kept (other codes, --keep-image-rows)"
    log(f"[train] initialised from {path} (step {src['step']}, codes {src.get('codes')} "
        f"{src.get('codes_fingerprint', '')}; this run's {fingerprint}); image-token rows {rows}")


def main() -> None:
    a = parse_args()
    run = RUN_DIR / a.run
    run.mkdir(parents=True, exist_ok=True)
    log = Log(run / "train.log")
    threads = set_threads(run, a.threads, -1)
    tok = TextTokenizer(SP_MODEL, CODEBOOK_SIZE)
    ckpt_path = run / "ckpt.pt"
    t_proc = time.time()   # --seconds counts from here: building the data set is part of the budget
    os.environ["SEED_MINI_DEVICE"] = a.device      # also where the frozen tokenizer encodes the corpus
    dev = torch.device(a.device)
    state = torch.load(ckpt_path, map_location="cpu") if ckpt_path.exists() else None
    if state is not None:
        a.train_size, a.test_size, a.codes = state["args"]["train_size"], state["args"]["test_size"], state["args"]["codes"]
        a.seed = state["args"].get("seed", a.seed)
    source = None
    paths = {}
    for split, n in (("train", a.train_size), ("test", a.test_size)):
        # The cache is keyed by code source, split, size and seed, and checked against the codes' fingerprint:
        # a retrained tokenizer gives other codes under the same name, and its stale cache would train on them.
        paths[split] = RUN_DIR / "data" / f"{a.codes}-{split}-{n}-seed{a.seed}.npz"
        source = source or code_source(a.codes)
        if paths[split].exists() and lmdata.cached_fingerprint(paths[split]) != source.fingerprint:
            log(f"[data] {paths[split].name} was built from other codes than {source.name} {source.fingerprint}: rebuilding")
            paths[split].unlink()
        if not paths[split].exists():
            torch.set_num_threads(2)   # a one-off burst: tokenizing the images is the slow part
            lmdata.build(split, n, a.seed, tok, source, MAX_LEN, paths[split], log)
            torch.set_num_threads(threads)
    train, test = lmdata.TokenData(paths["train"]), lmdata.TokenData(paths["test"])
    if train.vocab_size != tok.vocab_size:
        raise ValueError(f"{paths['train']} was built for vocab {train.vocab_size}, tokenizer has {tok.vocab_size}: "
                         "delete the cached data and run again")

    torch.manual_seed(a.seed)
    cfg = LMConfig(vocab_size=tok.vocab_size, d_model=a.d_model, n_layers=a.layers, max_position_embeddings=MAX_LEN)
    if state is not None:
        cfg = LMConfig(**state["config"])
    model = SeedMiniLM(cfg).to(dev)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95))
    step, total_steps, epoch, epoch_pos, elapsed = 0, a.steps, 0, 0, 0.0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, total_steps, epoch, epoch_pos = state["step"], state["total_steps"], state["epoch"], state["epoch_pos"]
        elapsed = state["elapsed"]
        log(f"[train] resumed from {ckpt_path} at step {step}/{total_steps}")
    elif a.init_from:
        init_from(model, RUN_DIR / a.init_from / "ckpt.pt", tok, log, train.source, train.fingerprint, a.keep_image_rows)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"[train] {n_params / 1e6:.2f}M params, config {cfg.to_dict()}, train {len(train)} seqs "
        f"({train.lengths.sum()} tokens), codes {train.source}, threads {threads}")

    def checkpoint() -> None:
        save(ckpt_path, {"model": {k: v.cpu() for k, v in model.state_dict().items()}, "optimizer": opt.state_dict(), "config": cfg.to_dict(),
                         "step": step, "total_steps": total_steps, "epoch": epoch, "epoch_pos": epoch_pos,
                         "elapsed": elapsed, "args": vars(a), "codes": train.source,
                         "codes_fingerprint": train.fingerprint})

    model.train()
    last_ckpt, loss_avg = time.time(), None
    timing: list[float] = []
    while total_steps == 0 or step < total_steps:
        batches = list(lmdata.batch_indices(train, a.tokens_per_batch, a.seed * 1000 + epoch))
        while epoch_pos < len(batches) and (total_steps == 0 or step < total_steps):
            t0 = time.time()
            ids, att, loss_mask = (t.to(dev, non_blocking=True) for t in train.batch(batches[epoch_pos]))
            for g in opt.param_groups:
                g["lr"] = lr_at(step, max(total_steps, a.warmup * 10), a.lr, a.warmup)
            loss = model.loss(ids, att, loss_mask)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step, epoch_pos = step + 1, epoch_pos + 1
            dt = time.time() - t0
            elapsed += dt
            timing.append(dt)
            loss_avg = float(loss) if loss_avg is None else 0.98 * loss_avg + 0.02 * float(loss)
            if total_steps == 0 and len(timing) == 20:
                sps = float(np.median(timing[5:]))
                budget = a.seconds - (time.time() - t_proc) if a.seconds else a.hours * 3600
                total_steps = max(a.warmup * 2, int(budget / sps) + step)
                log(f"[train] measured {sps:.3f} s/step on {dev} ({threads} thread(s)): {total_steps} steps for "
                    f"{f'{a.seconds:.0f} s' if a.seconds else f'{a.hours} h'}")
            if step % 50 == 0:
                threads = set_threads(run, a.threads, threads)
                sps = float(np.median(timing[-50:]))
                left = (total_steps - step) * sps if total_steps else float("nan")
                log(f"[train] step {step}/{total_steps} epoch {epoch} loss {loss_avg:.4f} lr {opt.param_groups[0]['lr']:.2e} "
                    f"{sps:.3f} s/step {ids.numel() / sps:.0f} tok/s threads {threads} left {left / 60:.1f} min")
            if step % a.eval_every == 0:
                log(f"[eval] step {step} held-out answer loss {eval_loss(model, test, a.tokens_per_batch):.4f}")
            if a.seconds and time.time() - t_proc > 1.1 * a.seconds:
                log(f"[train] time budget overrun by 10% at step {step}/{total_steps}: stopping here")
                total_steps = step
                break
            if time.time() - last_ckpt > a.ckpt_minutes * 60:
                checkpoint()
                last_ckpt = time.time()
        if epoch_pos >= len(batches):
            epoch, epoch_pos = epoch + 1, 0
    checkpoint()
    (run / "DONE").write_text(json.dumps({"step": step, "elapsed_s": round(elapsed), "codes": train.source}) + "\n")
    log(f"[train] done: {step} steps in {elapsed / 3600:.2f} h; final held-out loss {eval_loss(model, test, a.tokens_per_batch):.4f}")


if __name__ == "__main__":
    main()
