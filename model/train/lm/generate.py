"""Token-by-token generation with the KV cache (the Python reference for the TypeScript runtime's loop).

The loop, written out: prefill the prompt with an empty past, then feed one token at a time with its position
and a growing attention mask; stop on any stop id or after max_new_tokens. Sampling follows SEED-LLaMA: plain
temperature + top-p (nucleus), no repetition penalty, nothing forces 32 image tokens
(as SEED-LLaMA's own generation). Greedy = temperature 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from .model import SeedMiniLM


@dataclass
class GenerationResult:
    ids: list[int]  # new tokens only (the stop token included if hit)
    stopped: bool  # True when a stop id ended generation
    first_logits: Tensor | None = None  # [V] logits after the prompt (for fixtures)
    step_logits: list[Tensor] = field(default_factory=list)


def sample_top_p(logits: Tensor, temperature: float, top_p: float, gen: torch.Generator) -> int:
    """logits [V] -> one id. temperature <= 0 is greedy (argmax, ties to the lowest id)."""
    if temperature <= 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, descending=True)
    keep = torch.cumsum(sorted_p, 0) - sorted_p < top_p  # always keeps the most likely token
    sorted_p = sorted_p * keep
    choice = torch.multinomial(sorted_p / sorted_p.sum(), 1, generator=gen)
    return int(order[choice])


@torch.no_grad()
def generate(
    model: SeedMiniLM,
    prompt_ids: Sequence[int],
    max_new_tokens: int,
    stop_ids: Sequence[int],
    temperature: float = 0.0,
    top_p: float = 1.0,
    seed: int = 0,
    keep_logits: bool = False,
) -> GenerationResult:
    model.eval()
    limit = model.cfg.max_position_embeddings
    if len(prompt_ids) >= limit:
        raise ValueError(f"prompt has {len(prompt_ids)} tokens; the context holds {limit} (prompt + new tokens)")
    gen = torch.Generator().manual_seed(seed)
    ids = torch.tensor([list(prompt_ids)], dtype=torch.int64)  # [1, S]
    mask = torch.ones_like(ids)  # [1, P+S]
    pos = torch.arange(ids.shape[1]).unsqueeze(0)  # [1, S]
    past = model.empty_past(1)
    out = GenerationResult(ids=[], stopped=False)
    for step in range(max_new_tokens):
        logits, past = model(ids, mask, pos, past)  # logits [1, S, V]
        last = logits[0, -1]
        if keep_logits:
            out.step_logits.append(last.clone())
        if step == 0:
            out.first_logits = last.clone()
        nxt = sample_top_p(last, temperature, top_p, gen)
        out.ids.append(nxt)
        total = mask.shape[1] + 1
        if nxt in stop_ids:
            out.stopped = True
            break
        if total > limit:
            break
        ids = torch.tensor([[nxt]], dtype=torch.int64)
        pos = torch.tensor([[mask.shape[1]]], dtype=torch.int64)
        mask = torch.ones(1, total, dtype=torch.int64)
    return out


def image_spans(ids: Sequence[int], boi: int, eoi: int) -> list[list[int]]:
    """Every <img> ... </img> span's inner ids (SEED's Flask backend handles every BOI/EOI pair).
    An unterminated span at the end is returned too, so that callers can count it as invalid."""
    spans: list[list[int]] = []
    cur: list[int] | None = None
    for i in ids:
        if i == boi:
            if cur is not None:
                spans.append(cur)
            cur = []
        elif i == eoi and cur is not None:
            spans.append(cur)
            cur = None
        elif cur is not None:
            cur.append(int(i))
    if cur is not None:
        spans.append(cur)
    return spans
