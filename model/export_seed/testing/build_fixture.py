"""Builds the reduced-depth real-SEED test package and its torch reference values, for the TypeScript parity tests
(tests/unit/runtime/real-seed-parity.test.ts) and the notebook test:

    python -m model.export_seed.testing.build_fixture --out DIR

DIR/checkpoints/   stand-in checkpoints with the real key names (checkpoints.py)
DIR/package/       the exporter's output (PNDM scheduler; the ViT's weights forced into external data)
DIR/image.png      a 320x240 RGBA test picture
DIR/reference.json torch on the same inputs: SEED's preprocessing (PIL convert("RGB") + bicubic resize + CLIP
                   normalisation), ids, causal embeddings, attention maps, the generation embedding, a 3-step guided
                   PNDM decode from given noise (latent and image), the chat prompt's ids, LM logits (prefill and one
                   cached step) and a greedy continuation.
"""

from __future__ import annotations

import argparse
import base64
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from ..package import CLIP_MEAN, CLIP_STD, ExportOptions, export_package
from ..seed_tokenizer import load_seed_tokenizer
from ..unclip import alphas_cumprod, load_unclip
from .checkpoints import write_all
from .reference_pndm import Pndm

DECODE_STEPS, GUIDANCE, NOISE_SEED = 3, 10.0, 7


def b64(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a.astype(np.float32))
    return {"dims": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode()}


def test_image(path: Path) -> None:
    img = Image.new("RGBA", (320, 240))
    px = np.zeros((240, 320, 4), np.uint8)
    y, x = np.mgrid[0:240, 0:320]
    px[..., 0], px[..., 1], px[..., 2] = x * 255 // 319, y * 255 // 239, ((x // 20 + y // 20) % 2) * 180 + 40
    px[..., 3] = 255
    px[100:140, :, 3] = 0  # a transparent band: SEED (PIL convert("RGB")) keeps the colours under it
    img = Image.fromarray(px, "RGBA")
    ImageDraw.Draw(img).ellipse((60, 40, 180, 160), fill=(250, 30, 30, 255))
    img.save(path)


def seed_preprocess(path: Path, size: int) -> torch.Tensor:
    """SEED-2's transform: Image.open().convert("RGB"), Resize((size, size), BICUBIC), ToTensor, Normalize(CLIP)."""
    img = Image.open(path).convert("RGB").resize((size, size), Image.BICUBIC)
    x = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).float().div(255)
    return ((x - torch.tensor(CLIP_MEAN)[:, None, None]) / torch.tensor(CLIP_STD)[:, None, None]).unsqueeze(0)


def reference_decode(u, gen: torch.Tensor, sched_cfg: dict) -> tuple[np.ndarray, np.ndarray, list[int]]:
    c = u.unet.cfg
    noise = torch.randn(
        1, c.in_channels, c.sample_size, c.sample_size, generator=torch.Generator().manual_seed(NOISE_SEED)
    )
    s = Pndm(
        alphas_cumprod(sched_cfg).numpy(),
        sched_cfg["num_train_timesteps"],
        sched_cfg.get("steps_offset", 0),
        sched_cfg["prediction_type"],
        sched_cfg.get("set_alpha_to_one", False),
    )
    ts = s.set_timesteps(DECODE_STEPS)
    lat = noise.numpy()
    emb = torch.cat([torch.zeros_like(gen), gen])
    with torch.no_grad():
        for t in ts:
            x = torch.from_numpy(np.concatenate([lat, lat])).float()
            out = u.denoiser(x, torch.tensor([float(t)] * 2), emb).numpy()
            guided = out[:1] + GUIDANCE * (out[1:] - out[:1])
            lat = s.step(guided, t, lat).astype(np.float32)
        img = u.vae.decode(torch.from_numpy(lat) / u.vae.cfg.scaling_factor).numpy()
    return noise.numpy(), lat, img, ts


def lm_reference(llm_dir: Path, pkg: Path, codes: list[int]) -> dict:
    from tokenizers import Tokenizer
    from transformers import LlamaForCausalLM

    tok = Tokenizer.from_file(str(pkg / "tokenizer.json"))
    image = "<img>" + "".join(f"<img_{c:05d}>" for c in codes) + "</img>"
    text = f"USER: {image}Describe the image.\nASSISTANT:"
    ids = [1] + tok.encode(text, add_special_tokens=False).ids
    model = LlamaForCausalLM.from_pretrained(str(llm_dir), dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        first = model(input_ids=torch.tensor([ids]), use_cache=True)
        nxt = int(first.logits[0, -1].argmax())
        step = model(input_ids=torch.tensor([[nxt]]), past_key_values=first.past_key_values, use_cache=True)
        greedy = model.generate(torch.tensor([ids]), max_new_tokens=8, do_sample=False, eos_token_id=2, pad_token_id=0)[
            0, len(ids) :
        ].tolist()
    return {
        "prompt_text": text,
        "prompt_ids": ids,
        "prefill_logits": b64(first.logits[0, -1].numpy()),
        "next_id": nxt,
        "step_logits": b64(step.logits[0, -1].numpy()),
        "greedy": greedy,
    }


def build(out: Path) -> dict:
    t0 = time.time()
    ck = write_all(out / "checkpoints")
    pkg = out / "package"
    # The ViT graph's weights (176 MB) go to external data, so the runtime's external-data path is exercised.
    export_package(
        ExportOptions(
            tokenizer=ck["tokenizer"],
            vit=ck["vit"],
            unclip=ck["unclip"],
            llm=ck["llm"],
            out=pkg,
            name="SEED (reduced depth, random weights)",
            scheduler="pndm",
            external_threshold=100_000_000,
        )
    )
    test_image(out / "image.png")
    tk, _ = load_seed_tokenizer(ck["tokenizer"], ck["vit"])
    px = seed_preprocess(out / "image.png", tk.cfg.vit.image_size)
    with torch.no_grad():
        emb, maps = tk.encode(px)
        ids = tk.quantize_ids(emb)
        gen = tk.detokenize(ids)
    sched = json.loads((pkg / "scheduler_config.json").read_text())
    u = load_unclip(ck["unclip"])
    noise, lat, img, ts = reference_decode(u, gen, sched)
    codes = ids[0].tolist()
    ref = {
        "pixels": b64(px.numpy()),
        "ids": codes,
        "causal_embeddings": b64(emb.numpy()),
        "attention_maps": b64(maps.numpy()),
        "generation_embedding": b64(gen.numpy()),
        "decode": {
            "steps": DECODE_STEPS,
            "guidance_scale": GUIDANCE,
            "timesteps": ts,
            "noise": b64(noise),
            "latent": b64(lat),
            "image": b64(img),
        },
        "lm": lm_reference(ck["llm"], pkg, codes),
    }
    (out / "reference.json").write_text(json.dumps(ref))
    print(f"[build_fixture] wrote {out} in {time.time() - t0:.0f} s", flush=True)
    return ref


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    build(a.out)


if __name__ == "__main__":
    main()
