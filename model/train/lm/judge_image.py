"""Text -> image judging: decode the LM's generated codes to pixels with the package's decoder and score them with the
attribute judge (model/train/judge.py). Reused, not duplicated: this file only wires their functions together
(api.FrozenTokenizer.generation_embedding -> stages.load_denoiser + ddim.sample_ddim -> autoencoder decoder ->
judge.judge_scenes) and compares the judge's reading with the scene the prompt described.

image_judge() returns None while any of those trained parts is missing (the report then says so).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from .. import dataset as ds

NOISE_SEED = 1234


def score(pred: dict[str, np.ndarray], scenes: Sequence[ds.Scene]) -> dict[str, float]:
    """Per-attribute accuracy of judged images against target scenes (identity/colour/size at each target cell,
    empty cells must stay empty, background); 'mean' averages identity, colour, size, cell and background."""
    acc: dict[str, list[float]] = {"identity": [], "colour": [], "size": [], "cell": [], "background": []}
    empty = len(ds.IDENTITIES)
    for i, s in enumerate(scenes):
        acc["background"].append(float(pred["background"][i] == s.background))
        cells = {o.cell: o for o in s.objects}
        for c in range(9):
            o = cells.get(c)
            got = int(pred["identity"][i, c])
            acc["cell"].append(float((got != empty) == (o is not None)))
            if o is not None:
                acc["identity"].append(float(got == o.identity))
                acc["size"].append(float(int(pred["size"][i, c]) == o.size))
                if o.is_shape:
                    acc["colour"].append(float(int(pred["colour"][i, c]) == o.colour))
    out = {k: float(np.mean(v)) for k, v in acc.items() if v}
    out["mean"] = float(np.mean([out[k] for k in out]))
    return out


def image_judge() -> ImageJudge | None:
    """A function (codes int64 [N, 32], target scenes) -> {attribute: accuracy}, or None if not available yet."""
    try:
        api = importlib.import_module("model.train.api")
        stages = importlib.import_module("model.train.stages")
        ddim = importlib.import_module("model.train.ddim")
        judge_mod = importlib.import_module("model.train.judge")
        tok = api.FrozenTokenizer(fp16_exact=True)
        den = stages.load_denoiser()
        ae, latent_scale = stages.load_autoencoder()
        judge = judge_mod.load_judge()
    except (ImportError, FileNotFoundError, KeyError, AttributeError):
        return None

    @torch.no_grad()
    def decode(codes: np.ndarray) -> np.ndarray:
        """codes int64 [N, 32] -> uint8 [N, 64, 64, 3]."""
        gen = tok.generation_embedding(torch.from_numpy(codes))  # [N, E]
        g = torch.Generator().manual_seed(NOISE_SEED)
        noise = torch.randn((len(codes), den.channels, den.size, den.size), generator=g)  # [N, C, h, w]
        d = ddim.DECODE_DEFAULTS  # a plain decode's steps and guidance (seed.json image_decoder.defaults)
        latent = ddim.sample_ddim(den, gen, noise, int(d["steps"]), d["guidance_scale"])
        img = ae.decoder(latent / latent_scale)  # [N, 3, 64, 64] in [-1, 1]
        return ((img.clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()

    def decode_all(codes: np.ndarray) -> np.ndarray:
        return np.concatenate([decode(codes[i : i + 32]) for i in range(0, len(codes), 32)])

    return ImageJudge(decode_all, lambda images: judge_mod.judge_scenes(judge, images))


class ImageJudge:
    """decode(codes [N, 32]) -> uint8 images [N, 64, 64, 3]; calling it on (codes, scenes) scores the decoded images."""

    def __init__(
        self, decode: Callable[[np.ndarray], np.ndarray], read: Callable[[np.ndarray], dict[str, np.ndarray]]
    ) -> None:
        self.decode, self._read = decode, read

    def __call__(self, codes: np.ndarray, scenes: Sequence[ds.Scene]) -> dict:
        return score(self._read(self.decode(codes)), scenes)


def grid_png(targets: np.ndarray, generated: np.ndarray, labels: Sequence[str], path: Path) -> None:
    """Rows of (caption, rendered target, image decoded from the LM's tokens), 4x upscaled, as one PNG."""
    cell, text_w = 128, 420
    img = Image.new("RGB", (text_w + 2 * cell + 30, len(labels) * (cell + 10) + 10), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for r, (t, g, label) in enumerate(zip(targets, generated, labels)):
        y = 10 + r * (cell + 10)
        words, lines = label.split(), [""]
        for w in words:  # wrap the prompt to the text column
            lines[-1:] = [lines[-1] + " " + w] if len(lines[-1]) + len(w) < 60 else [lines[-1], w]
        draw.text((8, y + 4), "\n".join(x.strip() for x in lines), fill=(0, 0, 0))
        img.paste(Image.fromarray(t).resize((cell, cell), Image.NEAREST), (text_w, y))
        img.paste(Image.fromarray(g).resize((cell, cell), Image.NEAREST), (text_w + cell + 20, y))
    img.save(path)
