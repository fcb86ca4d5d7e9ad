"""SEED-mini scenes: a deterministic, seeded generator of 64x64 RGB images with captions and attributes.

Public API (the language model's tasks import this module; keep it stable):
    Scene, SceneObject             frozen dataclasses; every sample keeps its attribute record
    sample_scene(rng, split)       one random Scene; split is "train" or "test" (held-out combinations)
    scene_at(split, index, seed)   the index-th scene of a split, reproducible without carrying an rng
    render(scene) -> uint8 [64, 64, 3]
    render_batch(scenes) -> uint8 [B, 64, 64, 3]
    caption(scene, template=None) -> str   ("a large dog face at the top left and a small red circle in the
                                            center, on a blue background"); template None = scene.template
    IDENTITIES, EMOJI_NAMES, SHAPES, COLOURS, BACKGROUNDS, CELLS, CELL_PHRASES, SIZES   attribute vocabularies
    is_held_out(obj) -> bool       the held-out rule below

Scenes: a background colour and 1-3 objects, each in a distinct cell of a 3x3 grid (row-major, 0 = top left),
size small (14 px) or large (21 px), jittered by up to +-2 px (small) / +-1 px (large) around the cell centre.
An object is an emoji from emoji_catalog.CATALOG (no colour attribute) or a plain shape in a named colour.
Captions list objects in reading order (cell 0..8) with one of three templates.

Held-out split (compositional generalisation; see is_held_out):
  * every identity (emoji or shape) i has exactly one held-out cell, (5 * i + 2) % 9;
  * a shape/colour pair (s, c) is held out when (s + 3 * c) % 7 == 0.
"train" scenes contain no held-out object; "test" scenes contain at least one (object 0 is forced held-out,
the others are free). So every test scene shows a combination never seen in training, built only from
identities, colours and cells that training does see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image

from .emoji_catalog import CATALOG, load_sprites

Split = Literal["train", "test"]
IMAGE_SIZE = 64
SIZES: tuple[str, ...] = ("small", "large")
SIZE_PX: dict[str, int] = {"small": 14, "large": 21}
JITTER_PX: dict[str, int] = {"small": 2, "large": 1}
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "star", "heart", "diamond", "cross")
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 40),
    "orange": (250, 140, 20),
    "yellow": (250, 220, 30),
    "green": (40, 170, 60),
    "blue": (30, 90, 230),
    "purple": (140, 50, 190),
    "pink": (250, 120, 190),
    "brown": (130, 80, 40),
    "black": (20, 20, 20),
    "white": (250, 250, 250),
}
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "gray": (128, 128, 128),
    "sky blue": (150, 200, 245),
    "mint green": (170, 230, 190),
    "beige": (235, 220, 180),
    "navy": (20, 30, 90),
    "lavender": (200, 180, 235),
}
EMOJI_NAMES: tuple[str, ...] = tuple(name for _, name, _ in CATALOG)
IDENTITIES: tuple[str, ...] = EMOJI_NAMES + SHAPES  # identity index: emoji first, then shapes
CELLS: tuple[str, ...] = (
    "top left",
    "top",
    "top right",
    "left",
    "center",
    "right",
    "bottom left",
    "bottom",
    "bottom right",
)
CELL_PHRASES: tuple[str, ...] = (
    "at the top left",
    "at the top",
    "at the top right",
    "on the left",
    "in the center",
    "on the right",
    "at the bottom left",
    "at the bottom",
    "at the bottom right",
)
NUM_TEMPLATES = 3
_COLOUR_NAMES = tuple(COLOURS)
_BG_NAMES = tuple(BACKGROUNDS)
_SPLIT_IDS = {"train": 0, "test": 1}


@dataclass(frozen=True)
class SceneObject:
    identity: int  # index into IDENTITIES
    colour: int  # index into COLOURS for shapes, -1 for emoji
    cell: int  # 0..8, row-major, 0 = top left
    size: int  # index into SIZES
    dx: int = 0  # jitter in pixels
    dy: int = 0

    @property
    def is_shape(self) -> bool:
        return self.identity >= len(EMOJI_NAMES)

    @property
    def name(self) -> str:
        return IDENTITIES[self.identity]


@dataclass(frozen=True)
class Scene:
    background: int  # index into BACKGROUNDS
    objects: tuple[SceneObject, ...]  # 1-3, distinct cells, in reading order
    template: int = 0  # caption template 0..NUM_TEMPLATES-1


def is_held_out(obj: SceneObject) -> bool:
    if obj.cell == (5 * obj.identity + 2) % 9:
        return True
    if obj.is_shape:
        s = obj.identity - len(EMOJI_NAMES)
        return (s + 3 * obj.colour) % 7 == 0
    return False


def _random_object(rng: np.random.Generator, cell: int, background: int) -> SceneObject:
    size = int(rng.integers(len(SIZES)))
    j = JITTER_PX[SIZES[size]]
    dx, dy = (int(v) for v in rng.integers(-j, j + 1, size=2))
    if rng.random() < 0.3:  # shapes 30% of the time
        identity = len(EMOJI_NAMES) + int(rng.integers(len(SHAPES)))
        while True:  # keep the shape visible: its colour must differ from the background's name
            colour = int(rng.integers(len(COLOURS)))
            if _COLOUR_NAMES[colour] != _BG_NAMES[background]:
                break
    else:
        identity, colour = int(rng.integers(len(EMOJI_NAMES))), -1
    return SceneObject(identity, colour, cell, size, dx, dy)


def sample_scene(rng: np.random.Generator, split: Split = "train") -> Scene:
    """One random scene of the given split (see the module docstring for the held-out rule)."""
    if split not in _SPLIT_IDS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    background = int(rng.integers(len(BACKGROUNDS)))
    n = int(rng.integers(1, 4))
    cells = sorted(int(c) for c in rng.choice(9, size=n, replace=False))
    forced = int(rng.integers(n)) if split == "test" else -1
    objects = []
    for k, cell in enumerate(cells):
        while True:
            obj = _random_object(rng, cell, background)
            if (k == forced) == is_held_out(obj) or (k != forced and split == "test"):
                break
        objects.append(obj)
    return Scene(background, tuple(objects), int(rng.integers(NUM_TEMPLATES)))


def scene_at(split: Split, index: int, seed: int = 0) -> Scene:
    """The index-th scene of a split: independent of any other draw, so evaluation sets are reproducible."""
    return sample_scene(np.random.default_rng([seed, _SPLIT_IDS[split], index]), split)


def _article(phrase: str) -> str:
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def object_phrase(obj: SceneObject) -> str:
    words = [SIZES[obj.size]]
    if obj.is_shape:
        words.append(_COLOUR_NAMES[obj.colour])
    words.append(obj.name)
    return f"{_article(' '.join(words))} {CELL_PHRASES[obj.cell]}"


def caption(scene: Scene, template: int | None = None) -> str:
    t = scene.template if template is None else template
    parts = [object_phrase(o) for o in scene.objects]
    objs = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    bg = _BG_NAMES[scene.background]
    if t == 0:
        return f"{objs}, on {_article(bg)} background"
    if t == 1:
        return f"{_article(bg)} background with {objs}"
    if t == 2:
        return f"{objs} on {bg}"
    raise ValueError(f"caption template must be 0..{NUM_TEMPLATES - 1}, got {t}")


class _SpriteCache:
    """Premultiplied float32 sprites per (identity, colour, size): rgb [s, s, 3] and alpha [s, s, 1]."""

    def __init__(self) -> None:
        self._rgba = load_sprites()  # uint8 [E, 64, 64, 4]
        self._cache: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}

    def get(self, identity: int, colour: int, size_px: int) -> tuple[np.ndarray, np.ndarray]:
        key = (identity, colour, size_px)
        if key not in self._cache:
            if identity < len(EMOJI_NAMES):
                img = Image.fromarray(self._rgba[identity], "RGBA").convert("RGBa")
                arr = np.asarray(img.resize((size_px, size_px), Image.LANCZOS), np.float32) / 255.0
                alpha = arr[..., 3:]
                rgb = arr[..., :3]  # premultiplied
            else:
                alpha = _shape_mask(SHAPES[identity - len(EMOJI_NAMES)], size_px)[..., None]
                rgb = alpha * (np.array(COLOURS[_COLOUR_NAMES[colour]], np.float32) / 255.0)
            self._cache[key] = (np.clip(rgb, 0, 1), np.clip(alpha, 0, 1))
        return self._cache[key]


def _shape_mask(shape: str, size_px: int, ss: int = 4) -> np.ndarray:
    """Anti-aliased coverage mask float32 [size_px, size_px] (supersampled ss x ss per pixel)."""
    n = size_px * ss
    c = (np.arange(n, dtype=np.float32) + 0.5) / n * 2 - 1  # [-1, 1]
    y, x = np.meshgrid(c, c, indexing="ij")
    if shape == "circle":
        m = x * x + y * y <= 0.9**2
    elif shape == "square":
        m = (np.abs(x) <= 0.8) & (np.abs(y) <= 0.8)
    elif shape == "triangle":
        m = (y <= 0.8) & (y >= -0.85 + 1.9 * np.abs(x))
    elif shape == "diamond":
        m = np.abs(x) + np.abs(y) <= 0.95
    elif shape == "cross":
        m = ((np.abs(x) <= 0.3) & (np.abs(y) <= 0.9)) | ((np.abs(y) <= 0.3) & (np.abs(x) <= 0.9))
    elif shape == "heart":
        yy = -y * 1.1 + 0.25
        m = (x * x + yy * yy - 0.55) ** 3 - x * x * yy**3 * 1.2 <= 0
    elif shape == "star":  # 5-pointed star: outer radius 0.95, inner 0.4, straight edges (polar form)
        r, th = np.sqrt(x * x + y * y), np.arctan2(x, -y)
        sector = np.pi / 5
        phi = np.abs(np.mod(th, 2 * sector) - sector)  # 0 at an inner vertex, sector at an outer one
        p1 = np.array([0.4, 0.0])  # inner vertex at angle 0
        p2 = 0.95 * np.array([np.cos(sector), np.sin(sector)])
        e = p2 - p1
        m = r * (np.cos(phi) * e[1] - np.sin(phi) * e[0]) <= (p1[0] * e[1] - p1[1] * e[0])
    else:
        raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")
    return m.reshape(size_px, ss, size_px, ss).mean(axis=(1, 3)).astype(np.float32)


_SPRITES: list[_SpriteCache] = []  # lazily built, read-only after the first call (artwork loading is slow)


def _sprites() -> _SpriteCache:
    if not _SPRITES:
        _SPRITES.append(_SpriteCache())
    return _SPRITES[0]


def render(scene: Scene) -> np.ndarray:
    """uint8 [64, 64, 3] image of the scene (alpha-composited sprites over the background colour)."""
    img = np.empty((IMAGE_SIZE, IMAGE_SIZE, 3), np.float32)
    img[:] = np.array(BACKGROUNDS[_BG_NAMES[scene.background]], np.float32) / 255.0
    cell_px = IMAGE_SIZE / 3
    for o in scene.objects:
        s = SIZE_PX[SIZES[o.size]]
        rgb, alpha = _sprites().get(o.identity, o.colour, s)
        cy = (o.cell // 3 + 0.5) * cell_px + o.dy
        cx = (o.cell % 3 + 0.5) * cell_px + o.dx
        y0, x0 = int(round(cy - s / 2)), int(round(cx - s / 2))
        ys, xs = slice(max(y0, 0), min(y0 + s, IMAGE_SIZE)), slice(max(x0, 0), min(x0 + s, IMAGE_SIZE))
        sy, sx = slice(ys.start - y0, ys.stop - y0), slice(xs.start - x0, xs.stop - x0)
        img[ys, xs] = rgb[sy, sx] + (1 - alpha[sy, sx]) * img[ys, xs]
    return (img * 255 + 0.5).astype(np.uint8)


def render_batch(scenes: Sequence[Scene]) -> np.ndarray:
    """uint8 [B, 64, 64, 3]."""
    return np.stack([render(s) for s in scenes])
