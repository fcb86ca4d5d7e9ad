"""SEED-LLaMA's text tokenizer as tokenizer.json (+ tokenizer_config.json) with SEED's exact special ids:
LLaMA's 32000 pieces (<unk> 0, <s> 1, </s> 2), then <img_00000> .. <img_08191> at 32000 .. 40191, <img> 40192,
</img> 40193 (vocabulary 40194). The source folder's tokenizer.json is used as is when it has them; a LLaMA
tokenizer without them (tokenizer.model or tokenizer.json) gets them added in that order; any other id is an error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tokenizers import AddedToken, Tokenizer

IMAGE_TOKEN_FORMAT = "<img_{:05d}>"
BOI, EOI = "<img>", "</img>"


@dataclass(frozen=True)
class TokenLayout:
    text_vocab: int = 32000
    codebook: int = 8192

    @property
    def boi_id(self) -> int:
        return self.text_vocab + self.codebook

    @property
    def vocab_size(self) -> int:
        return self.text_vocab + self.codebook + 2


def _source_tokenizer(folder: Path) -> Tokenizer:
    if (folder / "tokenizer.json").exists():
        return Tokenizer.from_file(str(folder / "tokenizer.json"))
    if (folder / "tokenizer.model").exists():
        from transformers import LlamaTokenizerFast  # converts the SentencePiece model (needs sentencepiece)

        return LlamaTokenizerFast.from_pretrained(str(folder), legacy=True).backend_tokenizer
    raise FileNotFoundError(f"{folder}: no tokenizer.json or tokenizer.model")


def build_tokenizer(folder: Path, layout: TokenLayout) -> Tokenizer:
    tok = _source_tokenizer(folder)
    wanted = [IMAGE_TOKEN_FORMAT.format(c) for c in range(layout.codebook)] + [BOI, EOI]
    present = [tok.token_to_id(t) for t in wanted]
    if all(p is None for p in present):
        if tok.get_vocab_size(with_added_tokens=True) != layout.text_vocab:
            raise ValueError(
                f"{folder}: the text vocabulary has {tok.get_vocab_size(with_added_tokens=True)} tokens, "
                f"expected {layout.text_vocab} before the image tokens"
            )
        tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in wanted])
    check_ids(tok, layout, str(folder))
    return tok


def check_ids(tok: Tokenizer, layout: TokenLayout, source: str) -> None:
    problems = []
    for token, want in (("<unk>", 0), ("<s>", 1), ("</s>", 2), (BOI, layout.boi_id), (EOI, layout.boi_id + 1)):
        if tok.token_to_id(token) != want:
            problems.append(f"{token} has id {tok.token_to_id(token)}, expected {want}")
    for c in range(layout.codebook):
        t = IMAGE_TOKEN_FORMAT.format(c)
        if tok.token_to_id(t) != layout.text_vocab + c:
            problems.append(f"{t} has id {tok.token_to_id(t)}, expected {layout.text_vocab + c}")
            break
    if tok.get_vocab_size(with_added_tokens=True) != layout.vocab_size:
        problems.append(f"vocabulary size {tok.get_vocab_size(with_added_tokens=True)}, expected {layout.vocab_size}")
    if problems:
        raise ValueError(f"{source}: the tokenizer does not have SEED-LLaMA's ids: {'; '.join(problems[:5])}")


def write_tokenizer(tok: Tokenizer, out: Path, max_length: int) -> list[str]:
    tok.save(str(out / "tokenizer.json"))
    cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<unk>",
        "add_bos_token": True,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": max_length,
        "padding_side": "right",
    }
    (out / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    return ["tokenizer.json", "tokenizer_config.json"]


CHAT_TEMPLATES = {
    # SEED-LLaMA 8B (Vicuna): "USER: {question}\nASSISTANT:{answer}"
    "vicuna": {"system": "", "user_prefix": "USER: ", "assistant_prefix": "\nASSISTANT:", "turn_separator": "\n"},
    # SEED-LLaMA 14B (LLaMA-2 chat): "[INST] {question} [/INST]{answer}"
    "llama2": {"system": "", "user_prefix": "[INST] ", "assistant_prefix": " [/INST]", "turn_separator": "\n"},
}
