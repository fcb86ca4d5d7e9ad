"""The LM's part of seed.json (model/FORMAT.md): the `language_model` block, its component entry and its files.

For the visual side's export (which owns seed.json):
    from model.train.lm.manifest import language_model_manifest
    lm = language_model_manifest(package_dir)      # None when the package holds no language model yet
    if lm:  seed["language_model"] = lm["language_model"]; seed["components"]["language_model"] = lm["component"];
            seed["files"].update(lm["files"])
The same content is in model/train/lm/manifest_block.json (written by model.train.lm.export). merge_into_seed_json
does exactly the three assignments above on an existing seed.json and touches nothing else.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .model import SeedMiniLM
from .onnx_export import io_spec
from .paths import LM_DIR
from .template import ASSISTANT_PREFIX, SYSTEM, TURN_SEPARATOR, USER_PREFIX
from .text_tokenizer import BOI_TOKEN, BOS_TOKEN, EOI_TOKEN, EOS_TOKEN, IMAGE_TOKEN_FORMAT, TextTokenizer

BLOCK_PATH = LM_DIR / "manifest_block.json"
LM_FILES = (
    "language_model.onnx",
    "tokenizer.json",
    "tokenizer_config.json",
    "generation_config.json",
    "fixtures/lm_tokenizer.json",
    "fixtures/lm_greedy.json",
    "fixtures/lm_logits.json",
)


def file_entry(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def language_model_block(model: SeedMiniLM, tok: TextTokenizer) -> dict:
    cfg = model.cfg
    return {
        "num_layers": cfg.n_layers,
        "num_kv_heads": cfg.n_heads,
        "head_dim": cfg.head_dim,
        "vocab_size": cfg.vocab_size,
        "max_position_embeddings": cfg.max_position_embeddings,
        "tokenizer": "tokenizer.json",
        "tokenizer_config": "tokenizer_config.json",
        "generation_config": "generation_config.json",
        "image_token_offset": tok.image_token_offset,
        "image_token_format": IMAGE_TOKEN_FORMAT,
        "boi_token": BOI_TOKEN,
        "eoi_token": EOI_TOKEN,
        "bos_token": BOS_TOKEN,
        "eos_token": EOS_TOKEN,
        "stop_tokens": [EOS_TOKEN],
        "chat_template": {
            "system": SYSTEM,
            "user_prefix": USER_PREFIX,
            "assistant_prefix": ASSISTANT_PREFIX,
            "turn_separator": TURN_SEPARATOR,
        },
    }


def write_manifest_block(model: SeedMiniLM, tok: TextTokenizer, pkg: Path, state: dict) -> dict:
    inputs, outputs = io_spec(model)
    block = {
        "language_model": language_model_block(model, tok),
        "component": {"file": "language_model.onnx", "inputs": inputs, "outputs": outputs},
        "files": {name: file_entry(pkg / name) for name in LM_FILES},
        "training": {"codes": state.get("codes"), "step": state.get("step"), "total_steps": state.get("total_steps")},
    }
    BLOCK_PATH.write_text(json.dumps(block, indent=1) + "\n")
    return block


def language_model_manifest(pkg: Path, block_path: Path = BLOCK_PATH) -> dict | None:
    """The block with `files` recomputed from the package on disk; None if the package has no language model."""
    if not block_path.exists() or not (pkg / "language_model.onnx").exists():
        return None
    block = json.loads(block_path.read_text())
    missing = [n for n in LM_FILES if not (pkg / n).exists()]
    if missing:
        raise FileNotFoundError(f"{pkg} lacks LM files {missing}; run .venv/bin/python -m model.train.lm.export")
    block["files"] = {name: file_entry(pkg / name) for name in LM_FILES}
    return block


def merge_into_seed_json(pkg: Path, block_path: Path = BLOCK_PATH) -> None:
    seed_path = pkg / "seed.json"
    if not seed_path.exists():
        raise FileNotFoundError(f"{seed_path} does not exist: model.train.export writes it first")
    lm = language_model_manifest(pkg, block_path)
    if lm is None:
        raise FileNotFoundError(f"no language model in {pkg}; run .venv/bin/python -m model.train.lm.export first")
    seed = json.loads(seed_path.read_text())
    seed["language_model"] = lm["language_model"]
    seed.setdefault("components", {})["language_model"] = lm["component"]
    seed.setdefault("files", {}).update(lm["files"])
    seed_path.write_text(json.dumps(seed, indent=2) + "\n")


if __name__ == "__main__":
    # .venv/bin/python -m model.train.lm.manifest [package dir]: merge the LM block into an existing seed.json
    import sys

    from .paths import PACKAGE_DIR

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE_DIR
    merge_into_seed_json(target)
    print(f"merged language_model, components.language_model and {len(LM_FILES)} files into {target / 'seed.json'}")
