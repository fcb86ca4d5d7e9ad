"""Golden fixtures for the TypeScript runtime (model/seed-mini/fixtures/lm_*.json), written by export.py.

lm_tokenizer.json  tricky strings -> ids with and without BOS, and the parity decode (text runs decoded
                   separately, added tokens verbatim); the Python reference encoder's ids are canonical.
lm_greedy.json     chat messages -> the templated prompt -> prompt ids -> greedy continuation ids (temperature 0,
                   stop on </s>), including a text -> image prompt whose answer holds an image span.
lm_logits.json     the float logits after a prefill and after one decode step (tolerance 1e-4), so that the runtime's
                   KV-cache plumbing is checked on values, not only on argmax ids.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

from .. import dataset as ds
from .codes import CodeSource
from .generate import generate, image_spans
from .model import SeedMiniLM
from .template import ImageRef, Turn, prompt_string
from .text_tokenizer import EOS_ID, TextTokenizer

MAX_NEW_TOKENS = 64


def tricky_strings(tok: TextTokenizer) -> list[str]:
    k = tok.codebook_size
    block = "".join(f"<img_{c:05d}>" for c in range(0, 32 * 31, 31))
    return [
        "",
        " ",
        "  ",
        "a",
        "Hello world",
        " leading space",
        "trailing space ",
        "double  space",
        "tab\there",
        "line one\nline two",
        "\n",
        "\n\nUSER:",
        "windows\r\nline",
        "USER: Draw a red circle.\nASSISTANT:",
        "a large dog face at the top left, on a blue background",
        "Draw a small green star in the center.",
        "digits 0123456789 and 3.14",
        "2024-11-25",
        "emoji 🐶🐱 and 👍🏽",
        "family 👨‍👩‍👧",
        "CJK 猫の絵を描いて 画一只猫",
        "café naïve résumé",
        "Привет мир",
        "مرحبا",
        "NBSP\u00a0here",
        "ideographic\u3000space",
        "literal ▁ piece",
        "zero\u200bwidth",
        "\ufeffBOM first",
        "<0x41> is not a byte token",
        "<s",
        "<<>>",
        "a < b > c",
        "Draw<img><img_00012><img_00345></img>done",
        "a <img> b",
        "<img></img>",
        f"<img>{block}</img>",
        f"USER: <img>{block}</img>Describe the image.\nASSISTANT:",
        "<img_99999>",
        f"<img_{k:05d}>",
        f"<img_{k - 1:05d}>",
        "<img_1>",
        "<IMG>",
        "<<img>>",
        "<s>USER: hi",
        "text</s>",
        "<unk>",
        "<s><s>",
        "</img><img>",
        "USER: Now put it on a green background.\nASSISTANT:Done.<img><img_00007></img></s>",
    ]


def tokenizer_fixture(tok: TextTokenizer) -> dict:
    cases = []
    for s in tricky_strings(tok):
        ids = tok.encode(s, add_bos=True)
        no_bos = tok.encode(s, add_bos=False)
        decoded = tok.decode(no_bos)
        cases.append(
            {
                "text": s,
                "ids": ids,
                "ids_no_bos": no_bos,
                "tokens": tok.token_strings(no_bos),
                "decoded": decoded,
                "roundtrip": decoded == s,
            }
        )
    return {
        "description": "Python reference encoder (SentencePiece chunks + added tokens split leftmost-longest) "
        "-> ids. 'ids' = encode(text) with the tokenizer.json post-processor's BOS; 'ids_no_bos' = "
        "add_special_tokens false; 'decoded' = decode(ids_no_bos) with each run of text ids decoded "
        "separately and added tokens inserted verbatim.",
        "tokenizer": "tokenizer.json",
        "vocab_size": tok.vocab_size,
        "text_vocab_size": tok.text_vocab_size,
        "image_token_offset": tok.image_token_offset,
        "boi_id": tok.boi_id,
        "eoi_id": tok.eoi_id,
        "bos_id": 1,
        "eos_id": EOS_ID,
        "cases": cases,
    }


def _messages(turns: Sequence[Turn], codes: dict) -> list[dict]:
    def content(parts: Sequence[object]) -> list[dict]:
        return [
            {"type": "text", "text": p} if isinstance(p, str) else {"type": "image", "codes": codes[p.key]}
            for p in parts
        ]

    msgs: list[dict] = []
    for t in turns:
        msgs.append({"role": "user", "content": content(t.user)})
        if t.assistant:
            msgs.append({"role": "assistant", "content": content(t.assistant)})
    return msgs


def greedy_cases() -> list[tuple[str, list[Turn]]]:
    a, b = ds.scene_at("test", 3), ds.scene_at("train", 7)
    red = ds.Scene(background=0, objects=(ds.SceneObject(len(ds.EMOJI_NAMES), 0, 4, 1),), template=0)
    return [
        ("text_to_image", [Turn((f"Draw {ds.caption(red)}.",), ())]),
        ("text_to_image_held_out", [Turn((f"Please generate an image of {ds.caption(a)}.",), ())]),
        ("captioning", [Turn((ImageRef(b), "Describe the image."), ())]),
        ("vqa_count", [Turn((ImageRef(a), "How many objects are there?"), ())]),
        ("vqa_background", [Turn((ImageRef(b), "What colour is the background?"), ())]),
        (
            "multi_turn_edit",
            [
                Turn((f"Draw {ds.caption(red)}.",), ("Here is the image.", ImageRef(red))),
                Turn(("Now put it on a black background.",), ()),
            ],
        ),
    ]


def greedy_fixture(model: SeedMiniLM, tok: TextTokenizer, source: CodeSource) -> tuple[dict, dict]:
    cases_in = greedy_cases()
    scenes = list(
        dict.fromkeys(
            p.key for _, turns in cases_in for t in turns for p in t.user + t.assistant if isinstance(p, ImageRef)
        )
    )
    table = {s: [int(c) for c in row] for s, row in zip(scenes, source.encode(scenes))}
    cases, logits_fx = [], {}
    for name, turns in cases_in:
        prompt = prompt_string(turns, lambda key: table[key])
        prompt_ids = tok.encode(prompt, add_bos=False)  # the prompt string starts with a literal <s>
        res = generate(
            model, prompt_ids, MAX_NEW_TOKENS, [EOS_ID], temperature=0.0, keep_logits=name == "text_to_image"
        )
        cases.append(
            {
                "name": name,
                "messages": _messages(turns, table),
                "prompt": prompt,
                "prompt_ids": prompt_ids,
                "greedy_ids": res.ids,
                "greedy_text": tok.decode(res.ids),
                "stopped": res.stopped,
                "image_codes": [
                    [i - tok.image_token_offset for i in span] for span in image_spans(res.ids, tok.boi_id, tok.eoi_id)
                ],
            }
        )
        if name == "text_to_image":
            logits_fx = {
                "description": "logits [V] after prefilling prompt_ids (empty past), and after then feeding "
                "greedy_ids[0] at position len(prompt_ids) with the cache; compare with "
                "max abs difference <= tolerance",
                "tolerance": 1e-4,
                "prompt_ids": prompt_ids,
                "vocab_size": tok.vocab_size,
                "num_layers": model.cfg.n_layers,
                "num_kv_heads": model.cfg.n_heads,
                "head_dim": model.cfg.head_dim,
                "prefill_last_logits": [round(float(x), 6) for x in res.step_logits[0]],
                "decode_token": res.ids[0],
                "decode_position": len(prompt_ids),
                "decode_logits": [round(float(x), 6) for x in res.step_logits[1]],
            }
    greedy = {
        "description": "chat messages -> prompt (SEED-LLaMA 8B Vicuna template: '<s>USER: ' + user parts + "
        "'\\nASSISTANT:' + answer, turns joined by '\\n', no </s> between turns) -> prompt_ids "
        "(encode(prompt) without adding a BOS: the prompt starts with a literal <s>) -> greedy "
        f"continuation (argmax, stop on </s> id {EOS_ID} or after max_new_tokens). image 'codes' "
        "are visual-tokenizer codes; id = image_token_offset + code.",
        "model": "language_model.onnx",
        "codes_source": source.name,
        "max_new_tokens": MAX_NEW_TOKENS,
        "stop_ids": [EOS_ID],
        "image_token_offset": tok.image_token_offset,
        "boi_id": tok.boi_id,
        "eoi_id": tok.eoi_id,
        "cases": cases,
    }
    return greedy, logits_fx


def write_fixtures(model: SeedMiniLM, tok: TextTokenizer, source: CodeSource, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    greedy, logits = greedy_fixture(model, tok, source)
    files = {"lm_tokenizer.json": tokenizer_fixture(tok), "lm_greedy.json": greedy, "lm_logits.json": logits}
    paths = []
    for name, obj in files.items():
        p = out_dir / name
        p.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(p)
    return paths
