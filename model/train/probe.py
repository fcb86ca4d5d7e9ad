"""Linear probes: how much of a scene's layout can be read back from the visual tokenizer's output?

    .venv/bin/python -m model.train.probe [--train 6400] [--test 512] [--epochs 12] [--report]

For each grid cell, predict the object there (one of the identities, or empty) from
  * codes:  the 32 code ids (one learned 128-d vector per (position, code), summed, then one linear layer);
  * causal: the 32 continuous causal embeddings before quantisation (flattened, one linear layer).
Trained on --train training-split scenes, scored on --test held-out scenes (scene_at('test', i, seed=2024)).
Prints occupancy accuracy (object vs empty, per cell; ~0.77 is the all-empty baseline) and identity accuracy on
occupied cells. A tokenizer whose tokens carry the layout scores far above the baselines on held-out scenes; this is
the cheapest check of the tokenizer's central promise ("32 tokens hold the image") short of training a decoder.
Needs runs/tokenizer.done.pt; takes ~5 min on 2 cores (most of it encoding the scenes). --report writes the results
into model/seed-mini/REPORT.md between <!-- PROBE:BEGIN --> and <!-- PROBE:END --> (evaluate keeps that section).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

import torch
import torch.nn.functional as F

from . import dataset as D
from .api import FrozenTokenizer
from .common import PACKAGE_DIR, scenes_for_step, setup_torch
from .judge import EMPTY, labels
from .report import replace_section

PROBE_STAGE = 8  # a data stream no training stage uses


def encode(tok: FrozenTokenizer, scenes: list[D.Scene]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """-> (ids [N, 32], causal embeddings [N, 32, D], per-cell identity labels [N, 9]) with the shipped fp16 weights."""
    ids, causal, _ = tok.encode_full(D.render_batch(scenes))
    identity, _, _ = labels(scenes)
    return ids, causal, identity.reshape(-1, 9)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=int, default=6400)
    ap.add_argument("--test", type=int, default=512)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--report", action="store_true", help="write the results into model/seed-mini/REPORT.md")
    a = ap.parse_args(argv)
    setup_torch(2)
    torch.manual_seed(0)
    tok = FrozenTokenizer(fp16_exact=True)
    t0 = time.time()
    train_scenes = [s for step in range(a.train // 64) for s in scenes_for_step(PROBE_STAGE, step, 64)]
    tr = encode(tok, train_scenes)
    te = encode(tok, [D.scene_at("test", i, seed=2024) for i in range(a.test)])
    print(f"encoded {len(train_scenes)} + {a.test} scenes in {time.time() - t0:.0f} s", flush=True)
    classes = EMPTY + 1
    results: dict[str, dict[str, float]] = {}
    for name in ("codes", "causal"):
        if name == "codes":
            table = torch.nn.Parameter(torch.randn(32, 1024, 128) * 0.01)
            head = torch.nn.Linear(128, 9 * classes)
            params = [table, *head.parameters()]
            positions = torch.arange(32)[None, :]

            def f(ids: torch.Tensor, causal: torch.Tensor) -> torch.Tensor:
                return head(table[positions, ids].sum(1))

            lr = 1e-2
        else:
            linear = torch.nn.Linear(32 * tr[1].shape[-1], 9 * classes)
            params = list(linear.parameters())

            def f(ids: torch.Tensor, causal: torch.Tensor) -> torch.Tensor:
                return linear(causal.flatten(1))

            lr = 1e-3
        opt = torch.optim.Adam(params, lr=lr)
        for _ in range(a.epochs):
            perm = torch.randperm(len(tr[0]))
            for i in range(0, len(perm), 256):
                j = perm[i : i + 256]
                loss = F.cross_entropy(f(tr[0][j], tr[1][j]).reshape(-1, classes), tr[2][j].flatten())
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            for split, d in (("train", tr), ("test", te)):
                n = min(512, len(d[0]))
                pred = f(d[0][:n], d[1][:n]).reshape(-1, 9, classes).argmax(-1)
                truth = d[2][:n]
                occupied = truth != EMPTY
                r = {
                    "occupancy": float(((pred != EMPTY) == occupied).float().mean()),
                    "identity_on_occupied": float((pred == truth)[occupied].float().mean()),
                    "all_empty_baseline": float((~occupied).float().mean()),
                }
                results[f"{name}/{split}"] = r
                print(
                    f"{name:6s} {split:5s} occupancy {r['occupancy']:.3f} (all-empty baseline "
                    f"{r['all_empty_baseline']:.3f}), identity on occupied cells {r['identity_on_occupied']:.3f}",
                    flush=True,
                )
    if a.report:
        write_report(results, a)
    return results


def write_report(results: dict[str, dict[str, float]], a: argparse.Namespace) -> None:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        f"| {k.split('/')[0]} | {k.split('/')[1]} | {v['occupancy']:.1%} | {v['all_empty_baseline']:.1%} | "
        f"{v['identity_on_occupied']:.1%} |"
        for k, v in results.items()
    ]
    section = "\n".join(
        [
            "<!-- PROBE:BEGIN -->",
            "## (f) Linear probes: is the layout in the tokens?",
            "",
            f"Command: `.venv/bin/python -m model.train.probe --train {a.train} --test {a.test} --epochs {a.epochs} --report` ({when}).",
            "Per grid cell, a linear read-out of the object there (identity or empty) from the 32 codes or from the",
            "continuous causal embeddings; trained on training scenes, scored on held-out ones (model/train/probe.py).",
            "",
            "| read from | scenes | occupancy accuracy | all-empty baseline | identity on occupied cells |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "<!-- PROBE:END -->",
        ]
    )
    replace_section(PACKAGE_DIR / "REPORT.md", "PROBE", section, before_tag="LM-EVAL")
    print(f"updated the probe section of {PACKAGE_DIR / 'REPORT.md'}")


if __name__ == "__main__":
    main()
