"""The language model's part of seed.json (model/FORMAT.md): the `language_model` block, its component entry and
its files. model.train.lm.export writes it into the package's seed.json (model/train/seed_json.py, which keeps the
visual side's part); the visual side (model.train.export) writes its part first.
"""

from __future__ import annotations

from pathlib import Path

from ..seed_json import Part, write_seed_json
from .model import SeedMiniLM
from .onnx_export import io_spec
from .template import ASSISTANT_PREFIX, SYSTEM, TURN_SEPARATOR, USER_PREFIX
from .text_tokenizer import BOI_TOKEN, BOS_TOKEN, EOI_TOKEN, EOS_TOKEN, IMAGE_TOKEN_FORMAT, TextTokenizer

LM_FILES = (
    "language_model.onnx",
    "tokenizer.json",
    "tokenizer_config.json",
    "generation_config.json",
    "fixtures/lm_tokenizer.json",
    "fixtures/lm_greedy.json",
    "fixtures/lm_logits.json",
)


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


def language_model_part(model: SeedMiniLM, tok: TextTokenizer) -> Part:
    inputs, outputs = io_spec(model)
    return Part(
        {"language_model": language_model_block(model, tok)},
        {"language_model": {"file": "language_model.onnx", "inputs": inputs, "outputs": outputs}},
        LM_FILES,
    )


def write_language_model_part(pkg: Path, model: SeedMiniLM, tok: TextTokenizer) -> dict:
    """Writes the LM's part into pkg/seed.json (the visual side's export writes seed.json first) and returns it."""
    part = language_model_part(model, tok)
    write_seed_json(
        pkg, part, require_existing="the visual side writes it first: python -m model.train.export --trained"
    )
    return part.fields["language_model"]
