"""Where the identity of objects is lost, hop by hop, on held-out scenes: semantic encoder's embedding E -> the
generation embedding rebuilt from the 32 codes -> decoded image (and E decoded directly, the decoder's ceiling).

    .venv/bin/python -m model.train.hops [--scenes 96] [--guidance-sweep 3 3.5 4 4.5 5 6] [--denoiser PATH]
                                         [--tokenizer PATH]

Identity read by the frozen semantic heads (model/train/semantic.py) on E and on the generation embedding; images
judged by the attribute judge (model/train/judge.py). Needs runs/{semantic,tokenizer,denoiser,judge}.done.pt.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from . import dataset as D
from .api import FrozenTokenizer
from .attributes import CELLS, EMPTY, N_IDENTITY, PER_CELL, scene_targets
from .common import setup_torch, to_clip_pixels, to_uint8
from .ddim import DECODE_DEFAULTS, sample_ddim
from .evaluate import attribute_scores
from .judge import judge_scenes, load_judge
from .onnx_fp16 import round_module_to_fp16
from .stages import load_autoencoder, load_denoiser, load_tokenizer


@torch.no_grad()
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=96)
    ap.add_argument(
        "--guidance-sweep",
        type=float,
        nargs="*",
        default=[],
        help="also decode the codes at each of these guidance scales with the package's step count "
        "(how ddim.DECODE_DEFAULTS' guidance is chosen)",
    )
    ap.add_argument(
        "--denoiser",
        type=Path,
        help="another denoiser than runs/denoiser.done.pt: a finished run's file or a running run's checkpoint "
        "(runs/denoiser.pt; its EMA weights)",
    )
    ap.add_argument(
        "--tokenizer",
        type=Path,
        help="another tokenizer than runs/tokenizer.done.pt (a finished run's file, e.g. one trained further with "
        "--init-from), read with its own detokenizer: what its codes keep, before the stages after it are retrained",
    )
    args = ap.parse_args(argv)
    setup_torch(2)
    tok = FrozenTokenizer(
        fp16_exact=True, model=load_tokenizer(args.tokenizer, detokenizer=False) if args.tokenizer else None
    )
    ae, scale = load_autoencoder()
    den = load_denoiser(args.denoiser)
    for m in (ae, den):
        round_module_to_fp16(m)
    judge = load_judge()
    scenes = [D.scene_at("test", i, seed=2024) for i in range(args.scenes)]
    images = D.render_batch(scenes)
    model = tok.model
    _, e = model.backbone(to_clip_pixels(images))  # E [B, 320]
    ids, _, _ = tok.encode_full(images)
    gen = tok.generation_embedding(ids)  # [B, 320]
    targets = scene_targets(scenes)
    occupied = targets[:, :CELLS] != EMPTY

    def read_identity(v: torch.Tensor) -> float:
        logits = model.heads(v)[:, : CELLS * PER_CELL].reshape(-1, CELLS, PER_CELL)[..., :N_IDENTITY]
        return float(((logits.argmax(-1) == targets[:, :CELLS]) & occupied).sum() / occupied.sum())

    print(f"identity read from E (semantic encoder): {read_identity(e):.1%}")
    print(f"identity read from the generation embedding of the 32 codes: {read_identity(gen):.1%}")

    def decode_and_judge(cond: torch.Tensor, steps: int, guidance: float) -> str:
        noise = torch.randn(len(scenes), 8, 16, 16, generator=torch.Generator().manual_seed(0))
        decoded = to_uint8(ae.decoder(sample_ddim(den, cond, noise, steps, guidance) / scale))
        scores = attribute_scores(scenes, judge_scenes(judge, decoded))
        return ", ".join(f"{k} {v:.1%}" for k, v in scores.items() if k != "spurious_per_scene")

    for name, cond in (("E", e), ("the 32 codes", gen)):
        print(f"decoded from {name}: {decode_and_judge(cond, 20, float(DECODE_DEFAULTS['guidance_scale']))}")
    steps = int(DECODE_DEFAULTS["steps"])
    for guidance in args.guidance_sweep:
        print(
            f"decoded from the 32 codes, {steps} steps, guidance {guidance:g}: {decode_and_judge(gen, steps, guidance)}"
        )


if __name__ == "__main__":
    main()
