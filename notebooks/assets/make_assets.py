"""Renders the teaching notebooks' example scenes (notebooks/assets/*.png) with the SEED-mini dataset generator.

What this file is for: the notebooks load real SEED-mini scenes, so the pictures must come from the same renderer
and vocabulary the model was trained on (model/train/dataset.py). Each scene is built explicitly (not sampled) so
the notebooks can name what is in it; `held_out` says whether the scene contains a combination the training split
never shows (dataset.is_held_out). Writes <name>.png (64x64 RGB, exactly what the model sees) and scenes.json
(name -> caption, held_out), which ATTRIBUTION.md and the notebooks' prose rely on.

Run from anywhere:  /usr/bin/python3 notebooks/assets/make_assets.py
(needs model/train/data/, fetched by model/train/emoji_catalog.py; artwork: Twemoji, CC-BY 4.0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for model.train
from model.train import dataset as ds  # noqa: E402

OUT = Path(__file__).resolve().parent


def obj(name: str, cell: str, size: str, colour: str | None = None) -> ds.SceneObject:
    """One object by its caption words: an emoji name or a shape name (+ colour), a cell name, a size."""
    if name not in ds.IDENTITIES:
        raise ValueError(f"unknown object {name!r}; expected an emoji name or a shape from model/train/dataset.py")
    c = -1 if colour is None else tuple(ds.COLOURS).index(colour)
    return ds.SceneObject(ds.IDENTITIES.index(name), c, ds.CELLS.index(cell), ds.SIZES.index(size))


def scene(background: str, *objects: ds.SceneObject, template: int = 0) -> ds.Scene:
    return ds.Scene(tuple(ds.BACKGROUNDS).index(background), tuple(sorted(objects, key=lambda o: o.cell)), template)


SCENES: dict[str, ds.Scene] = {
    # one object, centred: the simplest thing to tokenize and rebuild
    "fox": scene("sky blue", obj("fox", "center", "large")),
    # two objects in opposite corners: good for "which tokens carry which object"
    "cat-and-star": scene(
        "beige", obj("cat face", "top left", "large"), obj("star", "bottom right", "small", "purple")
    ),
    # three objects on a dark background
    "night-sky": scene(
        "navy",
        obj("crescent moon", "top right", "large"),
        obj("rocket", "left", "small"),
        obj("planet", "bottom", "small"),
    ),
    # a second single-object scene for splicing and blending with the fox
    "pizza": scene("lavender", obj("pizza", "center", "large")),
    # a plain shape
    "green-square": scene("white", obj("square", "top", "large", "green")),
    # single objects for composition ("Put the X and the Y together ...")
    "dog": scene("mint green", obj("dog face", "top left", "large")),
    "blue-heart": scene("beige", obj("heart", "bottom right", "large", "blue")),
    # held out: every identity has one cell it is never trained in; here the fox in its held-out cell
    "fox-held-out": scene("mint green", obj("fox", ds.CELLS[(5 * ds.IDENTITIES.index("fox") + 2) % 9], "large")),
}


def main() -> None:
    index: dict[str, dict[str, object]] = {}
    for name, sc in SCENES.items():
        Image.fromarray(ds.render(sc), "RGB").save(OUT / f"{name}.png", optimize=True)
        index[name] = {"caption": ds.caption(sc), "held_out": any(ds.is_held_out(o) for o in sc.objects)}
    (OUT / "scenes.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    for name, entry in index.items():
        print(f"{name:14s} held_out={entry['held_out']!s:5s} {entry['caption']}")
    # facts the notebooks' prose states: check them rather than trust them
    red_circle = ds.SceneObject(ds.IDENTITIES.index("circle"), tuple(ds.COLOURS).index("red"), 4, 1)
    print("red circle held out:", ds.is_held_out(red_circle))


if __name__ == "__main__":
    main()
