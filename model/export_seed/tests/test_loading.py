"""Strict loading by the real key names: unknown keys, missing keys and wrong shapes are errors that name them;
known-unused keys (training-only branches, dropped ViT blocks) are skipped by name; the LM tokenizer gets SEED-LLaMA's
exact ids or an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from model.export_seed.state_dicts import CheckpointError, load_strict
from model.export_seed.testing.checkpoints import llama_tokenizer_json
from model.export_seed.text_tokenizer import TokenLayout, build_tokenizer, check_ids


def test_load_strict_names_unexpected_missing_and_misshaped_keys() -> None:
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    good = {k: torch.zeros_like(v) for k, v in m.state_dict().items()}
    assert load_strict(m, dict(good), "ok.pt") == []
    with pytest.raises(CheckpointError, match=r"x\.pt.*1 unexpected \(e\.g\. 9\.weight\)"):
        load_strict(m, {**good, "9.weight": torch.zeros(1)}, "x.pt")
    with pytest.raises(CheckpointError, match=r"1 missing \(e\.g\. 2\.bias\)"):
        load_strict(m, {k: v for k, v in good.items() if k != "2.bias"}, "x.pt")
    with pytest.raises(CheckpointError, match=r"another shape \(0\.weight: checkpoint \(5, 3\), module \(4, 3\)\)"):
        load_strict(m, {**good, "0.weight": torch.zeros(5, 3)}, "x.pt")
    assert load_strict(m, {**good, "blocks.0.x": torch.zeros(1)}, "x.pt", [(r"blocks\.\d+\..*", "training only")]) == [
        "blocks.0.x"
    ]


def test_tokenizer_gets_the_image_tokens_at_seed_llamas_ids(tmp_path: Path) -> None:
    (tmp_path / "tokenizer.json").write_text(json.dumps(llama_tokenizer_json(), ensure_ascii=False))
    tok = build_tokenizer(tmp_path, TokenLayout())
    assert [tok.token_to_id(t) for t in ("<unk>", "<s>", "</s>", "<img_00000>", "<img_08191>", "<img>", "</img>")] == [
        0,
        1,
        2,
        32000,
        40191,
        40192,
        40193,
    ]
    assert tok.get_vocab_size(with_added_tokens=True) == 40194
    assert tok.encode("<img><img_00042></img>", add_special_tokens=False).ids == [40192, 32042, 40193]
    tok.save(str(tmp_path / "tokenizer.json"))
    assert build_tokenizer(tmp_path, TokenLayout()).token_to_id("<img_00007>") == 32007  # already present: kept


def test_tokenizer_with_another_text_vocabulary_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tokenizer.json").write_text(json.dumps(llama_tokenizer_json(31000), ensure_ascii=False))
    with pytest.raises(ValueError, match="31000 tokens, expected 32000 before the image tokens"):
        build_tokenizer(tmp_path, TokenLayout())
    small = TokenLayout(text_vocab=32000, codebook=8)
    (tmp_path / "tokenizer.json").write_text(json.dumps(llama_tokenizer_json(), ensure_ascii=False))
    with pytest.raises(ValueError, match="does not have SEED-LLaMA's ids"):
        check_ids(build_tokenizer(tmp_path, small), TokenLayout(), "x")
