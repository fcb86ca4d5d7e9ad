"""seed.json, a package's manifest (model/FORMAT.md): the one function that writes it.

A SEED-mini package is exported in two parts, and each owns part of the manifest:
  the visual side (model.train.export)      the top-level fields (name, description, image, visual_tokenizer,
                                            detokenizer, image_decoder), its six components and their files;
  the language model (model.train.lm.export) the `language_model` block, components.language_model and its files.
Each export calls `write_seed_json` with its `Part`. What the part does not own is kept from the seed.json on
disk, and every `files` entry (bytes + sha256) is computed afresh from the files next to it, so the manifest
always describes the package as it is, whichever part was exported last. The real-SEED exporter
(model.export_seed) writes a whole package at once through the same function (`whole=True`).

The file is replaced atomically: a failed export leaves the previous seed.json, never a half-written one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# key order of the written file (FORMAT.md's order); keys not listed follow in the order they came
FIELD_ORDER = (
    "format",
    "format_version",
    "name",
    "description",
    "license",
    "attribution",
    "image",
    "visual_tokenizer",
    "detokenizer",
    "image_decoder",
    "language_model",
    "components",
    "memory",
    "files",
)
COMPONENT_ORDER = (
    "encoder",
    "quantizer",
    "detokenizer",
    "denoiser",
    "latent_decoder",
    "latent_encoder",
    "language_model",
)


@dataclass
class Part:
    """What one export owns: top-level fields and components (replaced), and files (their entries recomputed)."""

    fields: dict[str, Any] = field(default_factory=dict)
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: tuple[str, ...] = ()


def file_entry(path: Path) -> dict[str, Any]:
    """{bytes, sha256} of a file, read in 4 MiB chunks (a real-SEED package holds files of several GB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": h.hexdigest()}


def _ordered(d: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    rank = {k: i for i, k in enumerate(order)}
    return dict(sorted(d.items(), key=lambda kv: rank.get(kv[0], len(order))))


def write_seed_json(pkg: Path, part: Part, *, whole: bool = False, require_existing: str | None = None) -> dict:
    """Writes `part` into pkg/seed.json and returns the manifest written.

    whole: the part is the whole package (nothing is kept from an existing seed.json).
    require_existing: refuse to write when there is no seed.json yet, with this hint of what writes it first.
    """
    path = pkg / "seed.json"
    if require_existing and not path.exists():
        raise FileNotFoundError(f"{path} does not exist: {require_existing}")
    old: dict[str, Any] = {} if whole or not path.exists() else json.loads(path.read_text())
    absent = [n for n in part.files if not (pkg / n).exists()]
    if absent:
        raise FileNotFoundError(f"{pkg} lacks {', '.join(absent)}: the export writes them before seed.json")
    m = {k: v for k, v in old.items() if k not in ("components", "files")}
    m.update(part.fields)
    m["components"] = _ordered({**old.get("components", {}), **part.components}, COMPONENT_ORDER)
    names = set(part.files) | {n for n in old.get("files", {}) if (pkg / n).exists()}
    m["files"] = {n: file_entry(pkg / n) for n in sorted(names)}
    m = _ordered(m, FIELD_ORDER)
    tmp = path.with_name(f".seed.json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(m, indent=2) + "\n")
    os.replace(tmp, path)
    return m
