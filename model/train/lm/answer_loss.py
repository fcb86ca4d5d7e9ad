"""The LM's held-out answer loss, split into text tokens and image tokens (the codes of drawn images):

    .venv/bin/python -m model.train.lm.answer_loss                     # runs/lm.done.pt on the `seed` 1 corpus
    .venv/bin/python -m model.train.lm.answer_loss --lm PATH --seed 0

The held-out conversations of the stage's corpus (its `seed` option), their images encoded by the tokenizer in
runs/ (the cache in runs/lm/data/ is built or rebuilt as the stage builds it). A text loss near the previous LM's
with a higher image loss says the LM reads images and answers as before but draws less surely.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..common import RUNS, setup_torch
from .codes import code_source
from .paths import CODEBOOK_SIZE, SP_MODEL
from .stage import answer_losses, corpus, load_lm
from .text_tokenizer import TextTokenizer


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lm", type=Path, default=RUNS / "lm.done.pt", help="a finished LM run (runs/lm.done.pt)")
    ap.add_argument("--seed", type=int, default=1, help="the corpus (the lm stage's seed option)")
    ap.add_argument("--n", type=int, default=1000, help="held-out conversations (the stage's test_size)")
    ap.add_argument("--batch", type=int, default=4096, help="tokens per batch")
    args = ap.parse_args(argv)
    setup_torch(2)
    model, state = load_lm(args.lm)
    tok = TextTokenizer(SP_MODEL, CODEBOOK_SIZE)
    source = code_source("tokenizer")
    if state.get("codes_fingerprint") not in (None, source.fingerprint):
        print(
            f"note: {args.lm} was trained on other codes ({state['codes_fingerprint']}; the tokenizer's: {source.fingerprint})"
        )
    losses = answer_losses(model, corpus("test", args.n, args.seed, tok, source), tok, args.batch)
    for part in ("all", "text", "image"):
        print(f"{part:5s} {losses[part]:.4f} nats/token over {int(losses[part + '_tokens'])} answer tokens")


if __name__ == "__main__":
    main()
