"""Evaluate the SEED-mini LM for REPORT.md: captioning and VQA accuracy (exact attributes), text -> image span
validity (and attribute accuracy judged on decoded images when the attribute judge is available), ms/token on CPU.

    python -m model.train.lm.evaluate --n 200 [--report]

Scenes: "seen" = fresh scenes of the train split (combinations of the kind training sees), "unseen" = the held-out
test split (every scene has an object/cell or shape/colour combination never seen in training). Greedy decoding
(temperature 0) for accuracy; SEED-LLaMA's sampling defaults (temperature 1.0, top_p 0.5) for the span-validity
share too. Writes model/train/runs/lm/eval.json; --report rewrites the LM section of model/seed-mini/REPORT.md
(between <!-- LM-EVAL:BEGIN --> and <!-- LM-EVAL:END -->, appended if missing; nothing else in the file changes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections import defaultdict

import numpy as np
import torch

from .. import dataset as ds
from . import tasks
from .codes import code_source
from .export import load_checkpoint
from .generate import generate, image_spans
from .judge_image import grid_png, image_judge
from .judge_text import caption_scores
from .paths import CODEBOOK_SIZE, LM_DIR, PACKAGE_DIR, REPO, RUN_DIR, SP_MODEL
from .report import write_report
from .template import ImageRef, Turn, prompt_string
from .text_tokenizer import EOS_ID, TextTokenizer

GRID_PNG = LM_DIR / "t2i_grid.png"  # committed: prompt | rendered target | image decoded from the LM's tokens


def eval_scenes(split: str, n: int) -> list[ds.Scene]:
    return [ds.scene_at("train" if split == "seen" else "test", i, seed=777) for i in range(n)]


def run_prompt(model, tok: TextTokenizer, turns: list[Turn], table: dict, max_new: int, **kw) -> list[int]:
    ids = tok.encode(prompt_string(turns, lambda k: table[k]), add_bos=False)
    return generate(model, ids, max_new, [EOS_ID], **kw).ids


def answer_text(tok: TextTokenizer, ids: list[int]) -> str:
    return tok.decode([i for i in ids if i != EOS_ID]).strip()


def span_valid(ids: list[int], tok: TextTokenizer) -> tuple[bool, list[int]]:
    spans = image_spans(ids, tok.boi_id, tok.eoi_id)
    ok = (
        len(spans) == 1
        and len(spans[0]) == 32
        and all(tok.is_image_id(i) for i in spans[0])
        and ids.count(tok.eoi_id) == 1
    )
    return ok, ([i - tok.image_token_offset for i in spans[0]] if spans else [])


def evaluate(n: int, threads: int) -> dict:
    torch.set_num_threads(threads)
    model, state = load_checkpoint()
    tok = TextTokenizer(SP_MODEL, CODEBOOK_SIZE)
    source = code_source("stand-in" if state.get("codes") == "stand-in" else "tokenizer")
    judge = image_judge() if source.name != "stand-in" else None
    rng = np.random.default_rng(4242)
    results: dict = {"step": state["step"], "codes": source.name, "n": n, "splits": {}}
    for split in ("seen", "unseen"):
        scenes = eval_scenes(split, n)
        table = {s: [int(c) for c in row] for s, row in zip(scenes, source.encode(scenes))}
        cap: dict[str, list[float]] = defaultdict(list)
        vqa: dict[str, list[float]] = defaultdict(list)
        t2i_valid, t2i_sampled_valid, gen_codes, t2i_scenes = [], [], [], []
        edit_valid, edit_codes, edit_scenes = [], [], []
        for k, scene in enumerate(scenes):
            ids = run_prompt(model, tok, [Turn((ImageRef(scene), "Describe the image."), ())], table, 60)
            for key, v in caption_scores(answer_text(tok, ids), scene).items():
                cap[key].append(v)
            kind, q, a = tasks.vqa_pair(rng, scene)
            ids = run_prompt(model, tok, [Turn((ImageRef(scene), q), ())], table, 16)
            vqa[kind].append(float(answer_text(tok, ids) == a))
            vqa["all"].append(vqa[kind][-1])
            draw = [Turn((f"Draw {ds.caption(scene)}.",), ())]
            ok, codes = span_valid(run_prompt(model, tok, draw, table, 60), tok)
            t2i_valid.append(float(ok))
            if ok:
                gen_codes.append(codes)
                t2i_scenes.append(scene)
            edit = tasks.random_edit(rng, scene, "train" if split == "seen" else "test") if k % 2 == 0 else None
            if edit is not None:  # single-turn in-context edit: {IMG_A}instruction -> response + {IMG_B}
                table.setdefault(edit[1], [int(c) for c in source.encode([edit[1]])[0]])
                ok_e, codes_e = span_valid(
                    run_prompt(model, tok, [Turn((ImageRef(scene), edit[0]), ())], table, 60), tok
                )
                edit_valid.append(float(ok_e))
                if ok_e:
                    edit_codes.append(codes_e)
                    edit_scenes.append(edit[1])
            if k % 4 == 0:
                ok_s, _ = span_valid(run_prompt(model, tok, draw, table, 60, temperature=1.0, top_p=0.5, seed=k), tok)
                t2i_sampled_valid.append(float(ok_s))
        res = {
            "caption": {k: float(np.mean(v)) for k, v in cap.items()},
            "vqa": {k: float(np.mean(v)) for k, v in vqa.items()},
            "vqa_counts": {k: len(v) for k, v in vqa.items()},
            "t2i_span_valid_greedy": float(np.mean(t2i_valid)),
            "t2i_span_valid_sampled": float(np.mean(t2i_sampled_valid)),
            "edit_span_valid_greedy": float(np.mean(edit_valid)) if edit_valid else None,
        }
        attrs = [v for k, v in res["caption"].items() if k in ("background", "cell", "identity", "size", "colour")]
        res["caption"]["attribute_mean"] = float(np.mean(attrs))
        if judge is not None and gen_codes:
            res["t2i_judged"] = judge(np.asarray(gen_codes, np.int64), t2i_scenes)
            n_grid = min(8, len(gen_codes))
            grid = GRID_PNG.with_name(f"t2i_grid_{split}.png")
            grid_png(
                ds.render_batch(t2i_scenes[:n_grid]),
                judge.decode(np.asarray(gen_codes[:n_grid], np.int64)),
                [f"Draw {ds.caption(s)}." for s in t2i_scenes[:n_grid]],
                grid,
            )
            res["t2i_grid"] = str(grid.relative_to(REPO))
        if judge is not None and edit_codes:
            res["edit_judged"] = judge(np.asarray(edit_codes, np.int64), edit_scenes)
        results["splits"][split] = res
        print(json.dumps({split: res}, indent=1), flush=True)
    results["ms_per_token_torch"] = ms_per_token(model, tok, threads)
    results["ms_per_token_ort"] = ms_per_token_ort(threads)
    return results


def ms_per_token_ort(threads: int) -> str:
    """ORT-node decode speed of the package's language_model.onnx (bench_lm.mjs), as its one JSON line."""
    r = subprocess.run(
        ["node", str(LM_DIR / "bench_lm.mjs"), str(PACKAGE_DIR), str(threads), "64"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        return f"bench failed: {r.stderr.strip()[-300:]}"
    return r.stdout.strip()


def ms_per_token(model, tok: TextTokenizer, threads: int, new_tokens: int = 64) -> dict:
    """Greedy decode with the KV cache in PyTorch, batch 1 (the ORT-node number comes from bench_lm.mjs)."""
    ids = tok.encode("USER: Draw a large red circle in the center, on a white background.\nASSISTANT:")
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        out = generate(model, ids, new_tokens, stop_ids=[], temperature=0.0)
        best = min(best, (time.perf_counter() - t0) * 1000 / len(out.ids))
    return {"threads": threads, "ms_per_token": round(best, 3), "new_tokens": new_tokens}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="scenes per split")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--report", action="store_true", help="rewrite the LM section of model/seed-mini/REPORT.md")
    a = ap.parse_args(argv)
    res = evaluate(a.n, a.threads)
    out = RUN_DIR / "eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)  # a machine that restored the LM from the checkpoints has no runs/lm/
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {out}")
    if a.report:
        write_report(res, PACKAGE_DIR / "REPORT.md")
        print(f"updated the LM section of {PACKAGE_DIR / 'REPORT.md'}")


if __name__ == "__main__":
    main()
