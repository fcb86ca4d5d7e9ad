"""Text tokenizer of the SEED-mini LM: SentencePiece BPE + SEED-LLaMA's added image tokens.

What this file is for:
  * train a LLaMA-like SentencePiece BPE model on the text our task generator produces;
  * write it as a Hugging Face tokenizer.json in the "legacy" LLaMA form (Prepend+Replace normalizer, no
    pre-tokenizer, merges derived from the vocab with rank = id of the merged piece), which gives exact id
    parity with Python sentencepiece in Node's @huggingface/tokenizers;
  * the Python reference encoder/decoder (TextTokenizer) whose ids are canonical: training data, golden
    fixtures and the TypeScript runtime all agree with it.

Id layout (SEED-LLaMA's, scaled down): 0 <unk>, 1 <s>, 2 </s>, 3..258 byte pieces, then BPE pieces up to
text_vocab_size - 1; then <img_00000>.. <img_{K-1}> at ids text_vocab_size + code (image_token_offset), then
<img> and </img>. Chat markers ("USER:", "ASSISTANT:") are plain text, as in SEED.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import sentencepiece as spm

IMAGE_TOKEN_FORMAT = "<img_{:05d}>"
BOI_TOKEN, EOI_TOKEN = "<img>", "</img>"
UNK_TOKEN, BOS_TOKEN, EOS_TOKEN = "<unk>", "<s>", "</s>"
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
SPIECE = "\u2581"  # "▁"


def train_sentencepiece(lines: Iterable[str], model_prefix: Path, vocab_size: int) -> Path:
    """Train the BPE model on `lines` (one training sentence each; newlines inside a line are not allowed)."""
    corpus = model_prefix.with_suffix(".corpus.txt")
    corpus.parent.mkdir(parents=True, exist_ok=True)
    with corpus.open("w", encoding="utf-8") as f:
        for line in lines:
            if "\n" in line:
                raise ValueError(f"corpus lines must not contain a newline, got {line!r}")
            f.write(line + "\n")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(model_prefix),
        model_type="bpe",
        vocab_size=vocab_size,
        byte_fallback=True,
        split_digits=True,
        add_dummy_prefix=True,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        allow_whitespace_only_pieces=True,
        split_by_unicode_script=True,
        split_by_whitespace=True,
        split_by_number=True,
        max_sentencepiece_length=16,
        character_coverage=0.99995,
        unk_id=UNK_ID,
        bos_id=BOS_ID,
        eos_id=EOS_ID,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    return model_prefix.with_suffix(".model")


class TextTokenizer:
    """The Python reference: SentencePiece for text chunks, added tokens split out leftmost-longest."""

    def __init__(self, sp_model: Path, codebook_size: int) -> None:
        self.sp = spm.SentencePieceProcessor(model_file=str(sp_model))
        self.sp_model_path = sp_model
        self.text_vocab_size = self.sp.get_piece_size()
        self.codebook_size = codebook_size
        self.image_token_offset = self.text_vocab_size
        self.boi_id = self.image_token_offset + codebook_size
        self.eoi_id = self.boi_id + 1
        self.vocab_size = self.eoi_id + 1
        self.added: dict[str, int] = {UNK_TOKEN: UNK_ID, BOS_TOKEN: BOS_ID, EOS_TOKEN: EOS_ID}
        for code in range(codebook_size):
            self.added[IMAGE_TOKEN_FORMAT.format(code)] = self.image_token_offset + code
        self.added[BOI_TOKEN], self.added[EOI_TOKEN] = self.boi_id, self.eoi_id
        self.added_by_id = {i: s for s, i in self.added.items()}
        # Longest first so that the regex alternation is leftmost-longest, as the Rust/JS AddedVocabulary trie.
        self._pattern = re.compile("|".join(re.escape(t) for t in sorted(self.added, key=len, reverse=True)))

    # ids
    def image_ids(self, codes: Sequence[int]) -> list[int]:
        """<img> + one id per code + </img>."""
        for c in codes:
            if not 0 <= int(c) < self.codebook_size:
                raise ValueError(f"image code {c} is outside [0, {self.codebook_size})")
        return [self.boi_id] + [self.image_token_offset + int(c) for c in codes] + [self.eoi_id]

    def is_image_id(self, token_id: int) -> bool:
        return self.image_token_offset <= token_id < self.image_token_offset + self.codebook_size

    def encode(self, text: str, add_bos: bool = True) -> list[int]:
        ids, pos = ([BOS_ID] if add_bos else []), 0
        for m in self._pattern.finditer(text):
            if m.start() > pos:
                ids += self.sp.encode(text[pos : m.start()])  # each chunk gets its own dummy "▁"
            ids.append(self.added[m.group()])
            pos = m.end()
        if pos < len(text):
            ids += self.sp.encode(text[pos:])
        return ids

    def decode(self, ids: Sequence[int], skip_special: bool = False) -> str:
        """Decode runs of text ids with SentencePiece and insert added tokens verbatim (parity decode)."""
        out: list[str] = []
        run: list[int] = []
        for i in ids:
            i = int(i)
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"token id {i} is outside the vocabulary [0, {self.vocab_size})")
            if i in self.added_by_id:
                if run:
                    out.append(self.sp.decode(run))
                    run = []
                if not (skip_special and i in (UNK_ID, BOS_ID, EOS_ID)):
                    out.append(self.added_by_id[i])
            else:
                run.append(i)
        if run:
            out.append(self.sp.decode(run))
        return "".join(out)

    def token_strings(self, ids: Sequence[int]) -> list[str]:
        return [self.added_by_id.get(int(i)) or self.sp.id_to_piece(int(i)) for i in ids]

    # files
    def tokenizer_json(self) -> dict:
        return build_tokenizer_json(self.sp_model_path, self.codebook_size)

    def write(self, out_dir: Path, model_max_length: int) -> list[Path]:
        """Write tokenizer.json and tokenizer_config.json into the package folder."""
        out_dir.mkdir(parents=True, exist_ok=True)
        tj = out_dir / "tokenizer.json"
        tj.write_text(json.dumps(self.tokenizer_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tc = out_dir / "tokenizer_config.json"
        tc.write_text(json.dumps(tokenizer_config(model_max_length), indent=2) + "\n", encoding="utf-8")
        return [tj, tc]


def merges_from_vocab(vocab: dict[str, int]) -> list[list[str]]:
    """BPE merges in SentencePiece's order: rank = id of the merged piece (transformers' generate_merges rule)."""
    merges: list[tuple[str, str, int]] = []
    for piece, pid in vocab.items():
        local = [(piece[:i], piece[i:]) for i in range(1, len(piece)) if piece[:i] in vocab and piece[i:] in vocab]
        local.sort(key=lambda lr: (vocab[lr[0]], vocab[lr[1]]))
        merges += [(left, right, pid) for left, right in local]
    merges.sort(key=lambda m: (m[2], len(m[0]), len(m[1])))
    return [[left, right] for left, right, _ in merges]


def _added_entry(token_id: int, content: str, special: bool) -> dict:
    return {
        "id": token_id,
        "content": content,
        "single_word": False,
        "lstrip": False,
        "rstrip": False,
        "normalized": False,
        "special": special,
    }


def build_tokenizer_json(sp_model: Path, codebook_size: int) -> dict:
    from sentencepiece import sentencepiece_model_pb2  # needs protobuf; only this builder does (not training)

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(sp_model.read_bytes())
    vocab = {p.piece: i for i, p in enumerate(proto.pieces)}
    if [proto.pieces[i].piece for i in (UNK_ID, BOS_ID, EOS_ID)] != [UNK_TOKEN, BOS_TOKEN, EOS_TOKEN]:
        raise ValueError(f"{sp_model}: ids 0,1,2 must be <unk>, <s>, </s>")
    offset = len(vocab)
    added = [
        _added_entry(UNK_ID, UNK_TOKEN, True),
        _added_entry(BOS_ID, BOS_TOKEN, True),
        _added_entry(EOS_ID, EOS_TOKEN, True),
    ]
    added += [_added_entry(offset + c, IMAGE_TOKEN_FORMAT.format(c), False) for c in range(codebook_size)]
    added += [
        _added_entry(offset + codebook_size, BOI_TOKEN, False),
        _added_entry(offset + codebook_size + 1, EOI_TOKEN, False),
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Prepend", "prepend": SPIECE},
                {"type": "Replace", "pattern": {"String": " "}, "content": SPIECE},
            ],
        },
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": BOS_TOKEN, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": BOS_TOKEN, "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": BOS_TOKEN, "type_id": 1}},
                {"Sequence": {"id": "B", "type_id": 1}},
            ],
            "special_tokens": {BOS_TOKEN: {"id": BOS_TOKEN, "ids": [BOS_ID], "tokens": [BOS_TOKEN]}},
        },
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": SPIECE}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": UNK_TOKEN,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": merges_from_vocab(vocab),
        },
    }


def tokenizer_config(model_max_length: int) -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": BOS_TOKEN,
        "eos_token": EOS_TOKEN,
        "unk_token": UNK_TOKEN,
        "pad_token": UNK_TOKEN,
        "add_bos_token": True,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": model_max_length,
        "padding_side": "right",
    }
