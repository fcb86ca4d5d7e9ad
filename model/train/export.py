"""Export the SEED-mini package to model/seed-mini/: six ONNX files, scheduler_config.json, seed.json, fixtures.

    .venv/bin/python -m model.train.export --random     # interim package with random weights (seeded)
    .venv/bin/python -m model.train.export --trained    # from model/train/runs/*.done.pt (missing stages: random)
    .venv/bin/python -m model.train.export --trained --partial   # unfinished stages from their latest checkpoint

Weights are rounded to fp16 and stored as fp16 initialisers + Cast (onnx_fp16.py); fixtures are computed from
the same rounded weights. seed.json gets this side's part (seed_json.py): the language model's part of an existing
seed.json (its block, component and files) is kept, and every file's size and sha256 recomputed.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

import torch

from . import dataset as D
from .autoencoder import LATENT_CHANNELS, AutoEncoder
from .common import CLIP_MEAN, CLIP_STD, PACKAGE_DIR, RUNS, load
from .ddim import DECODE_DEFAULTS, SCHEDULER_CONFIG
from .denoiser import Denoiser, denoiser_for
from .export_graphs import component_io, export_onnx, graphs
from .fixtures import write_fixtures
from .onnx_fp16 import convert_initializers_to_fp16, round_module_to_fp16
from .seed_json import Part, write_seed_json
from .seed_mini import GEN_DIM, SeedMini
from .stages import apply_detokenizer, load_autoencoder, run_weights
from .text_encoder import build_vocab
from .tokenizer import CODE_DIM, CODEBOOK_SIZE, EMBED_DIM, GRID, IMAGE, NUM_TOKENS

FILES = {
    "encoder": "encoder.onnx",
    "quantizer": "quantizer.onnx",
    "detokenizer": "detokenizer.onnx",
    "denoiser": "denoiser.onnx",
    "latent_decoder": "latent_decoder.onnx",
    "latent_encoder": "latent_encoder.onnx",
}
LATENT = (LATENT_CHANNELS, 16, 16)


def build(trained: bool, partial: bool) -> tuple[SeedMini, AutoEncoder, Denoiser, float, dict[str, str]]:
    """Modules with random (seeded) or trained weights; partial: use in-progress checkpoints of unfinished stages."""
    torch.manual_seed(0)
    tok, ae, den, scale = SeedMini(len(build_vocab())), AutoEncoder(), Denoiser(), 1.0
    status = {"tokenizer": "random", "autoencoder": "random", "denoiser": "random"}
    if trained:
        for name, module in (("tokenizer", tok), ("autoencoder", ae), ("denoiser", den)):
            path, ckpt = RUNS / f"{name}.done.pt", RUNS / f"{name}.pt"
            if path.exists():
                done = load(path)
                if name == "denoiser":  # as deep as it was trained, with or without the cell reader
                    module = den = denoiser_for(done["model"])
                module.load_state_dict(done["model"])
                status[name] = f"trained ({done['steps']} steps)"
                if name == "autoencoder":
                    scale = float(done["latent_scale"])
            elif name == "autoencoder":  # not retrained: the shipped package's (stages.load_autoencoder)
                reused, scale = load_autoencoder()
                ae.load_state_dict(reused.state_dict())
                status[name] = "reused from the previous package"
            elif partial and ckpt.exists():  # the AE's latent scale is set when done
                ck = load(ckpt)
                module.load_state_dict(run_weights(ck))
                status[name] = f"PARTIALLY trained (checkpoint at step {ck['step']}, not final)"
    done = apply_detokenizer(tok) if trained else None  # the detokenizer's own later runs (DetokenizerStage)
    if done is not None:
        status["detokenizer"] = f"trained further ({done.get('steps')} steps)"  # the runs behind its weights
    for m in (tok, ae, den):
        m.eval()
        round_module_to_fp16(m)
    return tok, ae, den, scale, status


def visual_part(scale: float, description: str, io: dict[str, Any]) -> Part:
    """The visual side's part of seed.json (the language model's part is model/train/lm/manifest.py's)."""
    fields: dict[str, Any] = {
        "format": "seed-model",
        "format_version": 1,
        "name": "SEED-mini",
        "description": description,
        "license": "Code MIT; weights trained on Twemoji artwork (CC-BY 4.0), see ATTRIBUTION.md",
        "attribution": "ATTRIBUTION.md",
        "image": {
            "size": [IMAGE, IMAGE],
            "resample": "bilinear",
            "mean": list(CLIP_MEAN),
            "std": list(CLIP_STD),
            "background": [255, 255, 255],
        },
        "visual_tokenizer": {
            "num_tokens": NUM_TOKENS,
            "codebook_size": CODEBOOK_SIZE,
            "code_dim": CODE_DIM,
            "embed_dim": EMBED_DIM,
            "patch_grid": [GRID, GRID],
        },
        "detokenizer": {"embedding_dim": GEN_DIM, "supports_token_mask": True},
        "image_decoder": {
            "latent_shape": list(LATENT),
            "latent_scaling_factor": scale,
            "output_size": [IMAGE, IMAGE],
            "scheduler_config": "scheduler_config.json",
            "unconditional_embedding": "zeros",
            "defaults": dict(DECODE_DEFAULTS),
        },
    }
    components = {key: {"file": file, "inputs": io[key][0], "outputs": io[key][1]} for key, file in FILES.items()}
    return Part(fields, components, (*FILES.values(), "scheduler_config.json", "ATTRIBUTION.md"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--random", action="store_true")
    mode.add_argument("--trained", action="store_true")
    ap.add_argument("--partial", action="store_true", help="with --trained: use in-progress checkpoints too")
    ap.add_argument("--out", type=Path, default=PACKAGE_DIR)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() != PACKAGE_DIR.resolve():
        shutil.copy(PACKAGE_DIR / "ATTRIBUTION.md", out / "ATTRIBUTION.md")
    tok, ae, den, scale, status = build(args.trained, args.partial)
    io = component_io(EMBED_DIM, NUM_TOKENS, GRID, GEN_DIM, *LATENT, IMAGE)
    b = 2
    example = {
        "encoder": (torch.randn(b, 3, IMAGE, IMAGE),),
        "quantizer": (torch.randn(b, NUM_TOKENS, EMBED_DIM),),
        "detokenizer": (torch.randint(0, CODEBOOK_SIZE, (b, NUM_TOKENS)), torch.ones(b, NUM_TOKENS)),
        "denoiser": (torch.randn(b, *LATENT), torch.full((b,), 500.0), torch.randn(b, GEN_DIM)),
        "latent_decoder": (torch.randn(b, *LATENT),),
        "latent_encoder": (torch.rand(b, 3, IMAGE, IMAGE) * 2 - 1,),
    }
    for key, module in graphs(tok, ae.encoder, ae.decoder, den).items():
        path = out / FILES[key]
        export_onnx(module, example[key], io[key], path)
        n = convert_initializers_to_fp16(str(path))
        print(f"{FILES[key]}: {path.stat().st_size / 1e6:.2f} MB ({n} fp16 initialisers)")
    (out / "scheduler_config.json").write_text(json.dumps(SCHEDULER_CONFIG, indent=2) + "\n")
    write_fixtures(out / "fixtures", tok, ae.decoder, den, scale)
    trained = all(s.startswith(("trained", "reused")) for s in status.values())
    if (RUNS / "semantic.done.pt").exists():
        status = {"semantic encoder (frozen)": f"trained ({load(RUNS / 'semantic.done.pt')['steps']} steps)", **status}
    description = (
        ("SEED-mini: " if trained else "SEED-mini INTERIM package, not all stages trained: ")
        + f"a SEED-2-shaped visual tokenizer ({NUM_TOKENS} causal tokens, {CODEBOOK_SIZE} codes) on a frozen "
        f"semantic encoder, and a latent diffusion decoder at 64x64, trained on {len(D.EMOJI_NAMES)} Twemoji emoji and "
        f"{len(D.SHAPES)} shapes. Weights: " + ", ".join(f"{k} {v}" for k, v in status.items()) + "."
    )
    write_seed_json(out, visual_part(scale, description, io))
    print(f"wrote {out / 'seed.json'}: {description}")


if __name__ == "__main__":
    main()
