"""Writes a package's reference images: scenes from the SEED-mini generator that the codebook atlas reads.

What this file is for: the kernel's codebook atlas (seed.atlas) tokenizes a fixed set of reference images and reports,
for every code, how often and where it is used and which images use it most. A handful of notebook pictures is too
few for 1024 codes, so the package carries its own set, drawn from the training distribution (dataset.scene_at on
the "train" split with a seed of its own, so the set is reproducible and none of the evaluation scenes).

Output, beside seed.json (model/FORMAT.md, "Reference images"):
  reference_images.png    every scene as one 64x64 tile of a sprite sheet, row-major, `columns` tiles a row
  reference_images.json   {"format": "seed-reference-images", "version": 1, "tile": [64, 64], "columns": C,
                           "count": N, "source": "...", "attribution": "...",
                           "images": [{"caption": "...", "held_out": false}, ...]}

Run:  .venv/bin/python -m model.train.reference_images --out model/seed-mini [--count 512] [--seed 4242]
(needs model/train/data/, fetched by model/train/emoji_catalog.py; artwork: Twemoji, CC-BY 4.0).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from . import dataset as ds

FORMAT = "seed-reference-images"
VERSION = 1


def write_reference_images(out: Path, count: int, seed: int, columns: int = 32) -> dict[str, object]:
    """Renders `count` train-split scenes into `out`/reference_images.{png,json}; returns the index it wrote."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    scenes = [ds.scene_at("train", i, seed=seed) for i in range(count)]
    tiles = ds.render_batch(scenes)  # uint8 [N, 64, 64, 3]
    size = ds.IMAGE_SIZE
    cols = min(columns, count)
    rows = -(-count // cols)
    sheet = np.zeros((rows * size, cols * size, 3), np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        sheet[r * size : (r + 1) * size, c * size : (c + 1) * size] = tile
    out.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet, "RGB").save(out / "reference_images.png", optimize=True)
    index: dict[str, object] = {
        "format": FORMAT,
        "version": VERSION,
        "tile": [size, size],
        "columns": cols,
        "count": count,
        "source": f"SEED-mini scene generator, train split, scene_at('train', i, seed={seed}) for i < {count}",
        "attribution": "derived Twemoji artwork: Copyright 2019 Twitter, Inc and other contributors, CC-BY 4.0 "
        "(https://creativecommons.org/licenses/by/4.0/); see ATTRIBUTION.md",
        "images": [{"caption": ds.caption(s), "held_out": any(ds.is_held_out(o) for o in s.objects)} for s in scenes],
    }
    (out / "reference_images.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the package folder (beside seed.json)")
    parser.add_argument("--count", type=int, default=512, help="how many scenes (default 512)")
    parser.add_argument("--seed", type=int, default=4242, help="scene_at seed (default 4242)")
    args = parser.parse_args()
    index = write_reference_images(args.out, args.count, args.seed)
    png = args.out / "reference_images.png"
    print(f"wrote {index['count']} scenes to {png} ({png.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
