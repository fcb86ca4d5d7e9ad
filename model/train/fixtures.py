"""Golden fixtures for the TypeScript parity tests, computed with the exact (fp16-rounded) torch weights.

Writes model/seed-mini/fixtures/: images/*.png, tokenizer.json, decoder.json, scheduler.json (see README.md there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from . import dataset as D
from .autoencoder import Decoder
from .common import to_clip_pixels
from .ddim import DDIM, SCHEDULER_CONFIG, alphas_cumprod, sample_ddim
from .denoiser import Denoiser
from .export_graphs import DetokenizerGraph, EncoderGraph, QuantizerGraph
from .seed_mini import SeedMini

NUM_IMAGES, DECODE_STEPS, GUIDANCE, NOISE_SEED = 4, 10, 3.0, 7


def _r(x: Tensor | np.ndarray, digits: int = 6) -> Any:
    return np.round(np.asarray(x, dtype=np.float64), digits).tolist()


def _write(path: Path, obj: dict[str, Any]) -> None:
    path.write_text(json.dumps(obj, indent=1) + "\n")


@torch.no_grad()
def write_fixtures(out: Path, tok: SeedMini, dec: Decoder, den: Denoiser, latent_scale: float) -> None:
    (out / "images").mkdir(parents=True, exist_ok=True)
    scenes = [D.scene_at("test", i, seed=99) for i in range(NUM_IMAGES)]
    images = D.render_batch(scenes)  # uint8 [4, 64, 64, 3]
    files = []
    for i, img in enumerate(images):
        name = f"images/scene{i}.png"
        Image.fromarray(img, "RGB").save(out / name)
        files.append(name)
    pixels = to_clip_pixels(images)  # [4, 3, 64, 64]
    causal, maps = EncoderGraph(tok)(pixels)
    ids = QuantizerGraph(tok)(causal)
    detok = DetokenizerGraph(tok)
    full = detok(ids, torch.ones(ids.shape))
    prefix_k = 4
    prefix_mask = (torch.arange(32)[None] < prefix_k).float().expand(len(ids), -1)
    prefix = detok(ids, prefix_mask)
    _write(
        out / "tokenizer.json",
        {
            "description": "PNG -> preprocess -> encoder -> quantizer -> detokenizer, computed in torch with the "
            "same fp16-rounded weights as the ONNX files",
            "tolerance": {
                "pixel_values": 1e-5,
                "causal_embeddings": 1e-3,
                "attention_maps": 1e-4,
                "generation_embedding": 1e-3,
                "ids": "exact",
            },
            "items": [
                {
                    "image": files[i],
                    "caption": D.caption(scenes[i]),
                    "pixel_values_row0_ch0_first8": _r(pixels[i, 0, 0, :8]),
                    "pixel_values_sum": round(float(pixels[i].double().sum()), 3),
                    "causal_embeddings_shape": list(causal.shape[1:]),
                    "causal_embeddings_token0_first8": _r(causal[i, 0, :8]),
                    "causal_embeddings_token31_first8": _r(causal[i, 31, :8]),
                    "causal_embeddings_mean_abs": round(float(causal[i].abs().mean()), 6),
                    "attention_maps_query0_first8": _r(maps[i, 0, :8]),
                    "attention_maps_query31_argmax": int(maps[i, 31].argmax()),
                    "ids": ids[i].tolist(),
                    "generation_embedding_first16": _r(full[i, :16]),
                    "generation_embedding_norm": round(float(full[i].norm()), 5),
                    "prefix_k": prefix_k,
                    "generation_embedding_prefix_first16": _r(prefix[i, :16]),
                }
                for i in range(NUM_IMAGES)
            ],
        },
    )
    # decoder: ids of image 0 + stored noise -> DDIM (v-prediction, CFG) -> latent -> latent_decoder
    noise = torch.randn((1, 8, 16, 16), generator=torch.Generator().manual_seed(NOISE_SEED))
    gen = full[:1]
    steps: list[dict[str, Any]] = []

    def on_step(i: int, t: int, x: Tensor) -> None:
        steps.append(
            {
                "index": i,
                "timestep": t,
                "mean": round(float(x.mean()), 6),
                "std": round(float(x.std()), 6),
                "first8": _r(x.flatten()[:8]),
            }
        )

    latent = sample_ddim(den, gen, noise, DECODE_STEPS, GUIDANCE, on_step)
    image = dec(latent / latent_scale)  # [1, 3, 64, 64] in [-1, 1]
    u8 = ((image.clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8)
    _write(
        out / "decoder.json",
        {
            "description": "ids (tokenizer.json item 0) -> detokenizer -> DDIM with classifier-free guidance "
            "(batch [uncond zeros; cond]) from the stored noise -> latent / latent_scaling_factor -> "
            "latent_decoder. Latents after each step are summarised.",
            "ids": ids[0].tolist(),
            "steps": DECODE_STEPS,
            "guidance_scale": GUIDANCE,
            "eta": 0.0,
            "latent_scaling_factor": latent_scale,
            "noise_shape": list(noise.shape),
            "noise": _r(noise.flatten(), 7),
            "tolerance": {"latent": 2e-3, "sample": 5e-3, "uint8": 2},
            "per_step": steps,
            "final_latent_first16": _r(latent.flatten()[:16]),
            "sample_corner_4x4": _r(image[0, :, :4, :4]),
            "uint8_corner_8x8_rgb": u8[0, :, :8, :8].permute(1, 2, 0).tolist(),
            "uint8_mean": round(float(u8.float().mean()), 3),
        },
    )
    # scheduler alone: pure-function parity
    sched = DDIM()
    sched.set_timesteps(DECODE_STEPS)
    g = torch.Generator().manual_seed(3)
    x, v = torch.randn(6, generator=g), torch.randn(6, generator=g)
    t = sched.timesteps[3]
    prev, x0 = sched.step(v, t, x)
    ac = alphas_cumprod()
    _write(
        out / "scheduler.json",
        {
            "config": SCHEDULER_CONFIG,
            "timesteps": {str(n): (sched.set_timesteps(n), sched.timesteps)[1] for n in (1, 10, 25, 50)},
            "alphas_cumprod": {str(k): float(ac[k]) for k in (0, 1, 100, 500, 900, 999)},
            "step": {
                "num_inference_steps": DECODE_STEPS,
                "timestep": t,
                "sample": _r(x, 7),
                "model_output": _r(v, 7),
                "prev_sample": _r(prev, 7),
                "pred_original_sample": _r(x0, 7),
            },
            "tolerance": 1e-5,
        },
    )
