"""Curated emoji artwork for the SEED-mini dataset (Twemoji via emoji-datasource-twitter 16.0.0).

What this file is for: the list of emoji that scenes may contain, each keyed by its `unified` code point
(never by the upper-case `name`: names and short names collide across entries, e.g. "DOG" has short_name
`dog2` while `dog` belongs to "DOG FACE"), with the readable name that captions use; and the loader that
fetches the pinned npm tarball, checks its sha512 against the registry's `dist.integrity`, and caches the
curated 64x64 RGBA sprites as one .npz in model/train/data/ (gitignored).

Artwork licence: Twemoji graphics (c) Twitter, Inc and other contributors, CC-BY 4.0; the package code is
MIT (Cal Henderson). See model/seed-mini/ATTRIBUTION.md.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

PACKAGE = "emoji-datasource-twitter"
VERSION = "16.0.0"
# `npm view emoji-datasource-twitter@16.0.0 dist.integrity`
INTEGRITY = "sha512-7F+uCuHH+7Qnrc15P5tnbvKkg9E6tlzi4MnT2uW1RlN4pLYTza6cP/dstIfSDMtpjFLWuZewWg8jBbuL2eyELQ=="
DATA_DIR = Path(__file__).resolve().parent / "data"
TARBALL = DATA_DIR / f"{PACKAGE}-{VERSION}.tgz"
CACHE = DATA_DIR / f"sprites-{VERSION}-v1.npz"

# (unified, caption name, group). Names are lower case, short and unique; groups are for reporting only.
CATALOG: tuple[tuple[str, str, str], ...] = (
    # animals
    ("1F42D", "mouse face", "animal"),
    ("1F42E", "cow face", "animal"),
    ("1F42F", "tiger face", "animal"),
    ("1F430", "rabbit face", "animal"),
    ("1F431", "cat face", "animal"),
    ("1F434", "horse face", "animal"),
    ("1F435", "monkey face", "animal"),
    ("1F436", "dog face", "animal"),
    ("1F437", "pig face", "animal"),
    ("1F439", "hamster", "animal"),
    ("1F43A", "wolf", "animal"),
    ("1F43B", "bear", "animal"),
    ("1F43C", "panda", "animal"),
    ("1F981", "lion", "animal"),
    ("1F984", "unicorn", "animal"),
    ("1F98A", "fox", "animal"),
    ("1F992", "giraffe", "animal"),
    ("1F993", "zebra", "animal"),
    ("1F418", "elephant", "animal"),
    ("1F428", "koala", "animal"),
    ("1F987", "bat", "animal"),
    ("1F994", "hedgehog", "animal"),
    ("1F999", "llama", "animal"),
    ("1F40C", "snail", "animal"),
    ("1F41D", "bee", "animal"),
    ("1F41E", "ladybug", "animal"),
    ("1F98B", "butterfly", "animal"),
    ("1F427", "penguin", "animal"),
    ("1F989", "owl", "animal"),
    ("1F986", "duck", "animal"),
    ("1F99C", "parrot", "animal"),
    ("1F9A9", "flamingo", "animal"),
    ("1F414", "chicken", "animal"),
    ("1F424", "baby chick", "animal"),
    ("1F419", "octopus", "animal"),
    ("1F41F", "fish", "animal"),
    ("1F420", "tropical fish", "animal"),
    ("1F421", "blowfish", "animal"),
    ("1F42C", "dolphin", "animal"),
    ("1F433", "whale", "animal"),
    ("1F980", "crab", "animal"),
    ("1F988", "shark", "animal"),
    ("1F422", "turtle", "animal"),
    ("1F40D", "snake", "animal"),
    ("1F438", "frog", "animal"),
    ("1F432", "dragon", "animal"),
    ("1F996", "dinosaur", "animal"),
    ("1F98E", "lizard", "animal"),
    # food and drink
    ("1F345", "tomato", "food"),
    ("1F347", "grapes", "food"),
    ("1F349", "watermelon", "food"),
    ("1F34A", "tangerine", "food"),
    ("1F34B", "lemon", "food"),
    ("1F34C", "banana", "food"),
    ("1F34D", "pineapple", "food"),
    ("1F34E", "red apple", "food"),
    ("1F34F", "green apple", "food"),
    ("1F350", "pear", "food"),
    ("1F351", "peach", "food"),
    ("1F352", "cherries", "food"),
    ("1F353", "strawberry", "food"),
    ("1F95D", "kiwi", "food"),
    ("1F965", "coconut", "food"),
    ("1F951", "avocado", "food"),
    ("1F955", "carrot", "food"),
    ("1F966", "broccoli", "food"),
    ("1F33D", "corn", "food"),
    ("1F346", "eggplant", "food"),
    ("1F344", "mushroom", "food"),
    ("1F32D", "hot dog", "food"),
    ("1F32E", "taco", "food"),
    ("1F354", "hamburger", "food"),
    ("1F355", "pizza", "food"),
    ("1F35F", "french fries", "food"),
    ("1F37F", "popcorn", "food"),
    ("1F950", "croissant", "food"),
    ("1F95A", "egg", "food"),
    ("1F968", "pretzel", "food"),
    ("1F9C0", "cheese", "food"),
    ("1F369", "doughnut", "food"),
    ("1F36A", "cookie", "food"),
    ("1F36D", "lollipop", "food"),
    ("1F370", "cake slice", "food"),
    ("1F382", "birthday cake", "food"),
    ("1F9C1", "cupcake", "food"),
    ("1F366", "ice cream", "food"),
    ("2615", "coffee", "food"),
    ("1F37A", "beer mug", "food"),
    ("1F377", "wine glass", "food"),
    ("1F379", "tropical drink", "food"),
    ("1F95B", "glass of milk", "food"),
    # faces
    ("1F600", "grinning face", "face"),
    ("1F609", "winking face", "face"),
    ("1F643", "upside-down face", "face"),
    ("1F610", "neutral face", "face"),
    ("1F622", "crying face", "face"),
    ("1F632", "astonished face", "face"),
    ("1F60E", "cool face", "face"),
    ("1F60D", "heart-eyes face", "face"),
    ("1F621", "angry face", "face"),
    ("1F634", "sleeping face", "face"),
    ("1F973", "party face", "face"),
    ("1F47B", "ghost", "face"),
    ("1F47D", "alien", "face"),
    ("1F47E", "space invader", "face"),
    ("1F4A9", "pile of poo", "face"),
    ("1F916", "robot", "face"),
    ("1F921", "clown face", "face"),
    ("1F383", "jack-o-lantern", "face"),
    ("1F480", "skull", "face"),
    # nature
    ("1F337", "tulip", "nature"),
    ("1F339", "rose", "nature"),
    ("1F33B", "sunflower", "nature"),
    ("1F338", "cherry blossom", "nature"),
    ("1F335", "cactus", "nature"),
    ("1F334", "palm tree", "nature"),
    ("1F332", "pine tree", "nature"),
    ("1F340", "four leaf clover", "nature"),
    ("1F341", "maple leaf", "nature"),
    ("1F308", "rainbow", "nature"),
    ("1F319", "crescent moon", "nature"),
    ("1F31E", "sun", "nature"),
    ("1F525", "fire", "nature"),
    ("1F4A7", "droplet", "nature"),
    ("26C4", "snowman", "nature"),
    ("26A1", "lightning bolt", "nature"),
    ("1FA90", "planet", "nature"),
    # transport
    ("1F697", "car", "transport"),
    ("1F695", "taxi", "transport"),
    ("1F68C", "bus", "transport"),
    ("1F691", "ambulance", "transport"),
    ("1F692", "fire engine", "transport"),
    ("1F693", "police car", "transport"),
    ("1F69C", "tractor", "transport"),
    ("1F6B2", "bicycle", "transport"),
    ("1F680", "rocket", "transport"),
    ("1F681", "helicopter", "transport"),
    ("1F6F8", "flying saucer", "transport"),
    ("26F5", "sailboat", "transport"),
    ("1F6A2", "ship", "transport"),
    ("2693", "anchor", "transport"),
    ("1F682", "locomotive", "transport"),
    # objects
    ("1F3B8", "guitar", "object"),
    ("1F3BA", "trumpet", "object"),
    ("1F3BB", "violin", "object"),
    ("1F941", "drum", "object"),
    ("1F451", "crown", "object"),
    ("1F3A9", "top hat", "object"),
    ("1F453", "eyeglasses", "object"),
    ("1F455", "t-shirt", "object"),
    ("1F457", "dress", "object"),
    ("1F45F", "sneaker", "object"),
    ("1F392", "backpack", "object"),
    ("1F48E", "gem", "object"),
    ("1F528", "hammer", "object"),
    ("1F527", "wrench", "object"),
    ("1F9F2", "magnet", "object"),
    ("1FA93", "axe", "object"),
    ("1F4A3", "bomb", "object"),
    ("1F511", "key", "object"),
    ("1F512", "padlock", "object"),
    ("1F4A1", "light bulb", "object"),
    ("1F4F7", "camera", "object"),
    ("1F4FA", "television", "object"),
    ("1F4BB", "laptop", "object"),
    ("23F0", "alarm clock", "object"),
    ("1F514", "bell", "object"),
    ("1F4DA", "books", "object"),
    ("1F4CE", "paperclip", "object"),
    ("1F388", "balloon", "object"),
    ("1F381", "gift", "object"),
    ("1F384", "christmas tree", "object"),
    ("1F3AE", "game controller", "object"),
    ("1F3B2", "die", "object"),
    ("1F9F8", "teddy bear", "object"),
    ("1FA81", "kite", "object"),
    ("1F52E", "crystal ball", "object"),
    ("26BD", "soccer ball", "object"),
    ("1F3C0", "basketball", "object"),
    ("1F3C8", "football", "object"),
    ("26BE", "baseball", "object"),
    ("1F3E0", "house", "object"),
    ("1F3F0", "castle", "object"),
)


def _check_integrity(path: Path) -> None:
    digest = base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != INTEGRITY:
        raise RuntimeError(
            f"{path} has sha512-{digest}, expected {INTEGRITY} ({PACKAGE}@{VERSION}); "
            f"delete it and run again to re-fetch with `npm pack`."
        )


def fetch_tarball() -> Path:
    """Fetch the pinned tarball with `npm pack` (no install) if missing, and verify its integrity."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if not TARBALL.exists():
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=DATA_DIR, check=True)
    _check_integrity(TARBALL)
    return TARBALL


def _read_sprites_from_tarball() -> np.ndarray:
    with tarfile.open(fetch_tarball(), "r:gz") as tar:
        meta = {e["unified"]: e for e in json.load(tar.extractfile("package/emoji.json"))}  # type: ignore[arg-type]
        out = np.zeros((len(CATALOG), 64, 64, 4), np.uint8)
        for i, (unified, name, _group) in enumerate(CATALOG):
            if unified not in meta:
                raise KeyError(f"emoji {unified} ({name}) is not in {PACKAGE}@{VERSION}/emoji.json")
            member = tar.extractfile(f"package/img/twitter/64/{meta[unified]['image']}")
            if member is None:
                raise KeyError(f"no 64x64 twitter image for {unified} ({name})")
            out[i] = np.asarray(Image.open(io.BytesIO(member.read())).convert("RGBA"))
    return out


def load_sprites() -> np.ndarray:
    """uint8 [len(CATALOG), 64, 64, 4] RGBA sprites in CATALOG order (cached in model/train/data/)."""
    if CACHE.exists():
        with np.load(CACHE) as z:
            if list(z["unified"]) == [u for u, _, _ in CATALOG]:
                return z["rgba"]
    rgba = _read_sprites_from_tarball()
    tmp = CACHE.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, rgba=rgba, unified=np.array([u for u, _, _ in CATALOG]))
    os.replace(tmp, CACHE)
    return rgba


if __name__ == "__main__":
    names = [n for _, n, _ in CATALOG]
    assert len(set(names)) == len(names), "caption names must be unique"
    assert len({u for u, _, _ in CATALOG}) == len(CATALOG), "unified codes must be unique"
    s = load_sprites()
    print(f"{len(CATALOG)} emoji, sprites {s.shape} {s.dtype}, cache {CACHE}")
