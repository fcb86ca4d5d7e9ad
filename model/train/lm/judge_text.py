"""Exact-attribute judging of the LM's text answers: parse a generated caption back into objects and background.

Captions follow dataset.caption's three templates ("{objs}, on a {bg} background" / "a {bg} background with
{objs}" / "{objs} on {bg}"), each object "a {size} [{colour}] {name} {cell phrase}". The parser is built from the
dataset's vocabularies, longest names first, so it never guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import dataset as ds

_NAMES = sorted(ds.IDENTITIES, key=len, reverse=True)
_COLOURS = tuple(ds.COLOURS)
_BGS = sorted(ds.BACKGROUNDS, key=len, reverse=True)
_alt = lambda xs: "|".join(re.escape(x) for x in xs)  # noqa: E731
_OBJ = re.compile(
    rf"\b(?:a|an) (small|large) (?:({_alt(_COLOURS)}) )?({_alt(_NAMES)}) ({_alt(sorted(ds.CELL_PHRASES, key=len, reverse=True))})"
)
_BG_PATTERNS = (
    re.compile(rf", on (?:a|an) ({_alt(_BGS)}) background$"),
    re.compile(rf"^(?:a|an) ({_alt(_BGS)}) background with "),
    re.compile(rf" on ({_alt(_BGS)})$"),
)


@dataclass(frozen=True)
class ParsedObject:
    name: str
    colour: str | None
    cell: int
    size: str


def parse_caption(text: str) -> tuple[str | None, list[ParsedObject]]:
    """(background name or None, objects in the order they appear)."""
    text = text.strip()
    bg = None
    for pat in _BG_PATTERNS:
        m = pat.search(text)
        if m:
            bg = m.group(1)
            break
    objs = [
        ParsedObject(m.group(3), m.group(2), ds.CELL_PHRASES.index(m.group(4)), m.group(1)) for m in _OBJ.finditer(text)
    ]
    return bg, objs


def caption_scores(text: str, scene: ds.Scene) -> dict[str, float]:
    """Per-attribute correctness (1.0/0.0) of a generated caption against the scene it describes.
    identity/size/colour are judged on the object generated for the same cell (missing = wrong)."""
    bg, objs = parse_caption(text)
    by_cell = {o.cell: o for o in objs}
    out: dict[str, list[float]] = {
        "background": [float(bg == tuple(ds.BACKGROUNDS)[scene.background])],
        "count": [float(len(objs) == len(scene.objects))],
        "cell": [],
        "identity": [],
        "size": [],
        "colour": [],
    }
    for o in scene.objects:
        p = by_cell.get(o.cell)
        out["cell"].append(float(p is not None))
        out["identity"].append(float(p is not None and p.name == o.name))
        out["size"].append(float(p is not None and p.size == ds.SIZES[o.size]))
        if o.is_shape:
            out["colour"].append(float(p is not None and p.colour == _COLOURS[o.colour]))
    scores = {k: sum(v) / len(v) for k, v in out.items() if v}
    scores["exact"] = float(any(text.strip() == ds.caption(scene, t) for t in range(ds.NUM_TEMPLATES)))
    return scores
