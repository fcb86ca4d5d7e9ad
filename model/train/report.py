"""Render evaluation results (evaluate.py) into model/seed-mini/REPORT.md, with targets and plain verdicts."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .common import PACKAGE_DIR, RUNS, load
from .plans import ORDER, PLANS, Run, schedule

TARGET_ATTR, TARGET_R1 = 0.90, 0.80


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _verdict(value: float, target: float) -> str:
    return "met" if value >= target else f"**missed** (target {_pct(target)})"


def _attr_row(name: str, s: dict[str, float]) -> str:
    return (
        f"| {name} | {_pct(s['identity'])} | {_pct(s['colour'])} | {_pct(s['position'])} | {_pct(s['size'])} | "
        f"{_pct(s['background'])} | **{_pct(s['all'])}** | {s['spurious_per_scene']:.2f} |"
    )


def training_times() -> list[str]:
    """One row per stage and training run (a stage continued in a second run has two), from each .done.pt, in the
    order the ship plan trains them (plans.schedule: a run that waits for a later stage comes after it)."""
    histories = {}
    for name in ORDER:
        path = RUNS / f"{name}.done.pt"
        if path.exists():
            d = load(path)
            histories[name] = d.get("history") or [
                {"steps": d.get("steps", "?"), "seconds": d.get("train_seconds"), "device": "shared 2 cores"}
            ]
    ship = PLANS["ship"]
    # a stage whose runs are not the ship plan's (another plan, a one-off run) keeps all its rows in ORDER's place
    matched = {
        n
        for n, h in histories.items()
        if len(ship.get(n, ())) == len(h) and all(not r.after or r.after in histories for r in ship[n])
    }
    phases = schedule({n: ship[n] if n in matched else (Run(1, 1, 0.0),) for n in histories})
    rows = []
    for name, first, end in phases:
        history = histories[name]
        for i in range(first, end) if name in matched else range(len(history)):
            h = history[i]
            secs = h.get("seconds")
            took = (f"{secs / 60:.1f} min" if secs and secs >= 60 else f"{secs:.0f} s") if secs else "n/a"
            part = f" (run {i + 1}{', not continued' if 'discarded' in h else ''})" if len(history) > 1 else ""
            rows.append(
                f"| {name}{part} | {h.get('steps', '?')} | {h.get('batch') or ''} | {took} | {h.get('device', '')} |"
            )
    return rows


def _kept_section(old: str, tag: str) -> list[str]:
    """The section of the old REPORT.md text between <!-- TAG:BEGIN/END --> (another command's, or hand-written),
    to carry over into the new one, or []."""
    begin, end = f"<!-- {tag}:BEGIN -->", f"<!-- {tag}:END -->"
    return [old[old.index(begin) : old.index(end) + len(end)], ""] if begin in old and end in old else []


def write_report(res: dict[str, Any], args: dict[str, Any]) -> None:
    old = (PACKAGE_DIR / "REPORT.md").read_text() if (PACKAGE_DIR / "REPORT.md").exists() else ""
    rec, ret, cb = res["reconstruction"], res["retrieval"], res["codebook"]
    missing = "not measured: the denoiser is not trained yet"
    head = "| judged images | identity | colour | position | size | background | all attributes | spurious objects / scene |"
    sep = "|---|---|---|---|---|---|---|---|"
    lines = [
        "# SEED-mini evaluation report",
        "",
        f"Command: `.venv/bin/python -m model.train.evaluate --scenes {args['scenes']} --prefix-scenes "
        f"{args['prefix_scenes']} --steps {args['steps']} --guidance {args['guidance']}"
        f"{' --no-decode' if args.get('no_decode') else ''}` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {res['seconds'] / 60:.1f} min on the shared 2 cores).",
        "",
        f"Held-out scenes: `scene_at('test', i, seed=2024)` for i < {args['scenes']}; every one contains at least one "
        "combination never seen in training (model/train/dataset.py). Weights: the fp16-rounded ones the package ships.",
        "Attributes are judged by a separately trained CNN (model/train/judge.py, per grid cell: identity or empty, "
        "colour, size; background analytically) against each scene's true attributes, never by the tokenizer.",
        "",
        "## Against the targets",
        "",
        "| metric | value | target | verdict |",
        "|---|---|---|---|",
        (
            f"| (a) attributes kept after tokenize -> decode (k = 32) | {_pct(rec['all'])} | >= 90% | "
            f"{_verdict(rec['all'], TARGET_ATTR)} |"
            if rec
            else f"| (a) attributes kept after tokenize -> decode | {missing} | >= 90% | **not yet measured** |"
        ),
        f"| (b) image -> caption retrieval R@1 | {_pct(ret['i2t_r1'])} | >= 80% | {_verdict(ret['i2t_r1'], TARGET_R1)} |",
        f"| (b) image -> caption retrieval R@5 | {_pct(ret['i2t_r5'])} | | |",
        f"| (b) caption -> image R@1 / R@5 | {_pct(ret['t2i_r1'])} / {_pct(ret['t2i_r5'])} | | |",
        f"| (c) codes used on held-out scenes | {cb['used']} / 1024 | healthy usage | |",
        f"| (c) code perplexity | {cb['perplexity']:.1f} | | |",
        f"| (c) distinct codes per token position (mean) | {cb['per_position_distinct_mean']:.1f} | | |",
        "",
        f"Retrieval ranks each image's caption among all {args['scenes']} held-out captions (SEED's retrieval setup "
        "at small scale: the feature is the last causal query, projected).",
        "",
        *_kept_section(old, "NOTES"),
        "## (a) Reconstruction consistency, per attribute",
        "",
        head,
        sep,
        _attr_row("originals (judge ceiling)", res["ceiling"]),
        _attr_row("autoencoder only (no tokens)", res["autoencoder"]),
        (
            _attr_row(f"tokens -> diffusion decode, k = 32 ({args['steps']} DDIM steps, CFG {args['guidance']})", rec)
            if rec
            else f"| tokens -> diffusion decode | {missing} | | | | | | |"
        ),
        "",
        "## (d) Prefix curve: decoding only the first k of 32 tokens",
        "",
        f"k = 32 uses {args['scenes']} scenes, the other rows the first {args['prefix_scenes']}.",
        "",
        head,
        sep,
        *(
            [_attr_row(f"k = {k}", s) for k, s in sorted(res["prefix"].items(), key=lambda kv: int(kv[0]))]
            or [f"| {missing} | | | | | | | |"]
        ),
        "",
        "## (e) Grid",
        "",
        "![grid](eval_grid.png)",
        "",
        "`eval_grid.png`, rows top to bottom: input; autoencoder reconstruction; decode from k = 32, 16, 8, 4, 2, 1 "
        "tokens (decode rows only once the denoiser is trained). Columns: the first 8 held-out scenes.",
        "",
        "## Training",
        "",
        "The runs behind the shipped weights: `.venv/bin/python -m model.train --plan ship` (model/train/plans.py) "
        "repeats them in this order on 2 CPU cores; the autoencoder is reused from the previous package, and the "
        "denoiser and the LM start from that package's weights.",
        "",
        "| stage | steps | batch | time | where |",
        "|---|---|---|---|---|",
        *training_times(),
        "",
        "## Raw numbers",
        "",
        "```json",
        json.dumps(res, indent=1, default=str),
        "```",
        "",
    ]
    # keep the sections other commands own: the layout probes (probe.py --report), the LM's (lm/report.py),
    # the evaluation through the runtime (runtime_eval.py --report)
    for tag in ("PROBE", "LM-EVAL", "LM-NOTES", "RUNTIME-EVAL"):
        lines += _kept_section(old, tag)
    (PACKAGE_DIR / "REPORT.md").write_text("\n".join(lines))
    print(f"wrote {PACKAGE_DIR / 'REPORT.md'}")


def replace_section(path: Path, tag: str, section: str, before_tag: str | None = None) -> None:
    """Puts `section` (which starts with <!-- TAG:BEGIN --> and ends with <!-- TAG:END -->) into the file at `path`:
    in place of the old one, else before <!-- BEFORE_TAG:BEGIN --> when given and present, else at the end. The rest of
    the file is left as it was (REPORT.md sections owned by other commands)."""
    begin, end = f"<!-- {tag}:BEGIN -->", f"<!-- {tag}:END -->"
    text = path.read_text() if path.exists() else ""
    section = section.rstrip("\n")
    before = f"<!-- {before_tag}:BEGIN -->" if before_tag else None
    if begin in text and end in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    elif before and before in text:
        i = text.index(before)
        text = text[:i] + section + "\n\n" + text[i:]
    else:
        text = text + ("\n" if text and not text.endswith("\n") else "") + "\n" + section + "\n"
    path.write_text(text)
