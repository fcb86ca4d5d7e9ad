"""SEED-LLaMA 8B's Vicuna chat template: a conversation of text and images -> token ids + loss mask.

Layout (SEED's SFT format, as in SEED-LLaMA's MultiModalLLM/src/data/torchdata_sft.py):

    <s>USER: {IMG}{question}\nASSISTANT:{answer}\nUSER: {question2}\nASSISTANT:{answer2}</s>

{IMG} = <img> + 32 x <img_%05d> + </img>, glued to the text; no space after "ASSISTANT:"; no </s> between turns,
one </s> at the very end. The loss falls on the answers only (and on the final </s>).

The whole string is encoded at once with the reference encoder, exactly as the runtime encodes a prompt; the
answer spans are found by encoding each answer's prefix, which must be a prefix of the full ids (checked).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .text_tokenizer import BOI_TOKEN, BOS_TOKEN, EOI_TOKEN, EOS_TOKEN, IMAGE_TOKEN_FORMAT, TextTokenizer

USER_PREFIX = "USER: "
ASSISTANT_PREFIX = "\nASSISTANT:"
TURN_SEPARATOR = "\n"
SYSTEM = ""


@dataclass(frozen=True)
class ImageRef:
    """An image inside a conversation: an opaque key (a dataset Scene) whose codes are looked up at encode time."""

    key: object


Part = str | ImageRef


@dataclass(frozen=True)
class Turn:
    user: tuple[Part, ...]
    assistant: tuple[Part, ...]


CodesFn = Callable[[object], Sequence[int]]  # ImageRef.key -> 32 codes


def image_string(codes: Sequence[int]) -> str:
    return BOI_TOKEN + "".join(IMAGE_TOKEN_FORMAT.format(int(c)) for c in codes) + EOI_TOKEN


def parts_string(parts: Sequence[Part], codes_fn: CodesFn) -> str:
    return "".join(p if isinstance(p, str) else image_string(codes_fn(p.key)) for p in parts)


def prompt_string(turns: Sequence[Turn], codes_fn: CodesFn) -> str:
    """The text the model is given before generating the answer of the last turn (which must be empty)."""
    if turns[-1].assistant:
        raise ValueError("the last turn of a prompt must have an empty assistant part")
    return "".join(s for s, _ in segments(turns, codes_fn))


def segments(turns: Sequence[Turn], codes_fn: CodesFn) -> list[tuple[str, bool]]:
    """The conversation as (text, has_loss) pieces in order; concatenated they give the training string."""
    out: list[tuple[str, bool]] = []
    ctx = BOS_TOKEN + SYSTEM
    for k, turn in enumerate(turns):
        last = k == len(turns) - 1
        ctx += USER_PREFIX + parts_string(turn.user, codes_fn) + ASSISTANT_PREFIX
        if not turn.assistant:
            if not last:
                raise ValueError(f"turn {k} has no answer but is not the last turn")
            break
        out.append((ctx, False))
        out.append((parts_string(turn.assistant, codes_fn) + (EOS_TOKEN if last else ""), True))
        ctx = "" if last else TURN_SEPARATOR
    if ctx:
        out.append((ctx, False))
    return out


def encode_conversation(turns: Sequence[Turn], codes_fn: CodesFn, tok: TextTokenizer) -> tuple[list[int], list[int]]:
    """ids [T] and loss mask [T] (1 where the token is an answer token that the model must predict)."""
    segs = segments(turns, codes_fn)
    full = "".join(s for s, _ in segs)
    ids = tok.encode(full, add_bos=False)
    mask = [0] * len(ids)
    pos_chars, prev = 0, 0
    for text, has_loss in segs:
        pos_chars += len(text)
        prefix_ids = tok.encode(full[:pos_chars], add_bos=False)
        n = len(prefix_ids)
        if ids[:n] != prefix_ids:
            raise ValueError(f"segment boundary at char {pos_chars} does not fall on a token boundary in {full!r}")
        if has_loss:
            mask[prev:n] = [1] * (n - prev)
        prev = n
    return ids, mask
