"""Evaluate the trained SEED-mini on held-out scenes and write model/seed-mini/REPORT.md and eval_grid.png.

    .venv/bin/python -m model.train.evaluate [--scenes 512] [--steps 20] [--prefix-scenes 128]

Needs runs/{tokenizer,autoencoder,denoiser,judge}.done.pt. Uses the fp16-rounded weights, i.e. what the package
ships. Metrics: (a) reconstruction consistency per attribute, judged by the separately trained
attribute judge (judge.py) against the scene's true attributes; (b) image->caption retrieval R@1/R@5 from the
last causal embedding; (c) codebook usage and perplexity; (d) the prefix curve k = 1..32; (e) a grid image.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch
from PIL import Image

from . import dataset as D
from .api import FrozenTokenizer
from .common import PACKAGE_DIR, setup_torch, to_uint8, to_unit_range
from .ddim import DECODE_DEFAULTS, sample_ddim
from .judge import EMPTY, NO_COLOUR, judge_scenes, load_judge
from .onnx_fp16 import round_module_to_fp16
from .stages import load_autoencoder, load_denoiser
from .text_encoder import CaptionTokenizer

PREFIXES = (1, 2, 4, 8, 16, 32)


def attribute_scores(scenes: list[D.Scene], pred: dict[str, np.ndarray]) -> dict[str, float]:
    """Fraction of true attributes the judged image keeps: identity, colour (shapes), position, size, background."""
    hit: dict[str, list[bool]] = {"identity": [], "colour": [], "position": [], "size": [], "background": []}
    spurious = 0
    for i, s in enumerate(scenes):
        hit["background"].append(bool(pred["background"][i] == s.background))
        occupied = {o.cell for o in s.objects}
        spurious += sum(1 for c in range(9) if c not in occupied and pred["identity"][i, c] != EMPTY)
        for o in s.objects:
            hit["position"].append(bool(pred["identity"][i, o.cell] != EMPTY))
            hit["identity"].append(bool(pred["identity"][i, o.cell] == o.identity))
            hit["size"].append(bool(pred["size"][i, o.cell] == o.size))
            if o.is_shape:
                hit["colour"].append(bool(pred["colour"][i, o.cell] == o.colour))
            else:
                hit["colour"].append(bool(pred["colour"][i, o.cell] == NO_COLOUR))
    out = {k: float(np.mean(v)) for k, v in hit.items()}
    out["all"] = float(np.mean([x for v in hit.values() for x in v]))
    out["spurious_per_scene"] = spurious / len(scenes)
    return out


@torch.no_grad()
def decode(
    tok: FrozenTokenizer,
    den: torch.nn.Module,
    dec: torch.nn.Module,
    scale: float,
    ids: torch.Tensor,
    k: int,
    steps: int,
    guidance: float,
    seed: int = 0,
) -> np.ndarray:
    """ids [B, 32] -> uint8 [B, 64, 64, 3] via prefix-k generation embedding, DDIM+CFG and the latent decoder."""
    out = []
    for i in range(0, len(ids), 64):
        chunk = ids[i : i + 64]
        gen = tok.generation_embedding(chunk, k)
        noise = torch.randn((len(chunk), 8, 16, 16), generator=torch.Generator().manual_seed(seed + i))
        latent = sample_ddim(den, gen, noise, steps, guidance)
        out.append(to_uint8(dec(latent / scale)))
    return np.concatenate(out)


def codebook_stats(ids: np.ndarray, k: int = 1024) -> dict[str, float]:
    counts = np.bincount(ids.flatten(), minlength=k).astype(np.float64)
    p = counts / counts.sum()
    nz = p[p > 0]
    return {
        "used": int((counts > 0).sum()),
        "perplexity": float(np.exp(-(nz * np.log(nz)).sum())),
        "per_position_distinct_mean": float(np.mean([len(np.unique(ids[:, j])) for j in range(ids.shape[1])])),
    }


def retrieval(tok: FrozenTokenizer, causal: torch.Tensor, scenes: list[D.Scene]) -> dict[str, float]:
    text = CaptionTokenizer()([D.caption(s) for s in scenes])
    sim = tok.image_features(causal) @ tok.text_features(text).t()  # [N, N]
    rank = (sim > sim.diag()[:, None]).sum(1)  # 0 = correct caption first
    rank_t = (sim.t() > sim.diag()[:, None]).sum(1)
    return {
        "i2t_r1": float((rank < 1).float().mean()),
        "i2t_r5": float((rank < 5).float().mean()),
        "t2i_r1": float((rank_t < 1).float().mean()),
        "t2i_r5": float((rank_t < 5).float().mean()),
    }


def grid(rows: list[np.ndarray], path: str, n: int = 8) -> None:
    g = np.concatenate([np.concatenate(list(r[:n]), 1) for r in rows], 0)
    Image.fromarray(g).resize((g.shape[1] * 2, g.shape[0] * 2), Image.NEAREST).save(path, optimize=True)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=512)
    ap.add_argument("--prefix-scenes", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=DECODE_DEFAULTS["guidance_scale"])
    ap.add_argument(
        "--no-decode",
        action="store_true",
        help="tokenizer + autoencoder metrics only (while the denoiser is not trained yet)",
    )
    args = ap.parse_args(argv)
    setup_torch(2)
    t0 = time.time()
    tok = FrozenTokenizer(fp16_exact=True)
    ae, scale = load_autoencoder()
    round_module_to_fp16(ae)
    den = None if args.no_decode else load_denoiser()
    if den is not None:
        round_module_to_fp16(den)
    judge = load_judge()
    scenes = [D.scene_at("test", i, seed=2024) for i in range(args.scenes)]
    images = D.render_batch(scenes)
    ids, causal, _ = tok.encode_full(images)
    res: dict[str, Any] = {"ceiling": attribute_scores(scenes, judge_scenes(judge, images))}
    with torch.no_grad():
        ae_rec = to_uint8(ae.decoder(ae.encoder(to_unit_range(images))))
    res["autoencoder"] = attribute_scores(scenes, judge_scenes(judge, ae_rec))
    res["retrieval"] = retrieval(tok, causal, scenes)
    res["codebook"] = codebook_stats(ids.numpy())
    recs: dict[int, np.ndarray] = {}
    res["prefix"] = {}
    for k in PREFIXES if den is not None else ():
        n = args.scenes if k == 32 else args.prefix_scenes
        recs[k] = decode(tok, den, ae.decoder, scale, ids[:n], k, args.steps, args.guidance)
        res["prefix"][k] = attribute_scores(scenes[:n], judge_scenes(judge, recs[k]))
        print(f"k={k}: {res['prefix'][k]}", flush=True)
    res["reconstruction"] = res["prefix"].get(32)
    grid([images, ae_rec] + [recs[k] for k in (32, 16, 8, 4, 2, 1) if k in recs], str(PACKAGE_DIR / "eval_grid.png"))
    res["seconds"] = time.time() - t0
    from .report import write_report

    write_report(res, vars(args))
    return res


if __name__ == "__main__":
    main()
