"""python -m model.export_seed --tokenizer seed_quantizer.pt --vit eva_vit_g.pth --unclip DIR --llm DIR --out PKG"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .onnx_io import PROTOBUF_LIMIT
from .package import ExportOptions, export_package


def main() -> None:
    ap = argparse.ArgumentParser(
        prog="python -m model.export_seed", description="Export the real SEED into a model package (model/FORMAT.md)."
    )
    ap.add_argument("--tokenizer", type=Path, required=True, help="SEED-2's seed_quantizer.pt")
    ap.add_argument(
        "--vit", type=Path, help="EVA ViT-g's eva_vit_g.pth (not needed when seed_quantizer.pt holds visual_encoder.*)"
    )
    ap.add_argument(
        "--unclip",
        type=Path,
        required=True,
        help="the stable-diffusion-2-1-unclip folder (unet/, vae/, text_encoder/, ...)",
    )
    ap.add_argument(
        "--llm",
        type=Path,
        help="the SEED-LLaMA folder (config.json, weights, tokenizer); omit for a package without an LM",
    )
    ap.add_argument("--out", type=Path, required=True, help="package folder to write")
    ap.add_argument("--name", default="SEED-LLaMA")
    ap.add_argument(
        "--vit-depth", type=int, help="ViT blocks to build (default: all but the checkpoint's last, as BLIP-2)"
    )
    ap.add_argument("--noise-level", type=int, default=0, help="unCLIP image-embedding noise level (default 0)")
    ap.add_argument("--scheduler", choices=["as-is", "ddim", "pndm"], default="as-is")
    ap.add_argument("--llm-dtype", choices=["float32", "float16"], default="float32")
    ap.add_argument("--llm-int8", action="store_true", help="weight-only int8 MatMuls for CPU")
    ap.add_argument(
        "--chat-template", choices=["vicuna", "llama2"], default="vicuna", help="vicuna: SEED-LLaMA 8B; llama2: 14B"
    )
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=10.0)
    ap.add_argument(
        "--external-data-above",
        type=int,
        default=PROTOBUF_LIMIT,
        help="bytes of weights above which a graph's weights go to <file>.data",
    )
    ap.add_argument("--hf-out", type=Path, help="also write the LM as a Hugging Face folder (vllm serve DIR)")
    ap.add_argument("--gguf-out", type=Path, help="also write the LM as a GGUF file (llama-server -m FILE)")
    ap.add_argument("--no-check", action="store_true", help="skip the ONNX Runtime vs torch checks of each graph")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if (a.hf_out or a.gguf_out) and not a.llm:
        ap.error("--hf-out and --gguf-out write the language model: they need --llm")
    torch.set_num_threads(a.threads)
    export_package(
        ExportOptions(
            tokenizer=a.tokenizer,
            vit=a.vit,
            unclip=a.unclip,
            llm=a.llm,
            out=a.out,
            name=a.name,
            vit_depth=a.vit_depth,
            noise_level=a.noise_level,
            scheduler=a.scheduler,
            llm_dtype=a.llm_dtype,
            llm_int8=a.llm_int8,
            chat_template=a.chat_template,
            steps=a.steps,
            guidance=a.guidance,
            external_threshold=a.external_data_above,
            check=not a.no_check,
            hf_out=a.hf_out,
            gguf_out=a.gguf_out,
        )
    )


if __name__ == "__main__":
    main()
