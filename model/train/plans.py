"""Training plans as data: for each stage, (steps, batch, peak learning rate), in the order the stages run.

  cpu   the shipped package's plan: 2 CPU cores, every stage in one resumable run (times in model/README.md)
  gpu   the same stages with the batches a single large GPU keeps busy (use with --device cuda --workers 5)
  smoke a few steps of everything: checks the pipeline end to end in minutes (tests, a new machine)

`lm` batches are tokens per batch. The autoencoder is not in the plans: it is reused from the shipped package
unless `--train-autoencoder` (AUTOENCODER below).
"""

from __future__ import annotations

Plan = dict[str, tuple[int, int, float]]

ORDER = ("semantic", "tokenizer", "autoencoder", "denoiser", "judge", "lm")

PLANS: dict[str, Plan] = {
    "cpu": {
        "semantic": (1500, 128, 2e-3),
        "tokenizer": (2000, 64, 1e-3),
        "denoiser": (1800, 64, 3e-4),
        "judge": (1200, 64, 2e-3),
        "lm": (2500, 4096, 1e-3),
    },
    "gpu": {
        "semantic": (6000, 256, 2e-3),
        "tokenizer": (8000, 256, 5e-4),
        "denoiser": (12000, 256, 3e-4),
        "judge": (3500, 128, 2e-3),
        "lm": (6000, 16384, 1e-3),
    },
    "smoke": {
        "semantic": (4, 8, 1e-3),
        "tokenizer": (4, 8, 5e-4),
        "denoiser": (4, 8, 3e-4),
        "judge": (4, 8, 2e-3),
        "lm": (4, 512, 1e-3),
    },
}

AUTOENCODER: dict[str, tuple[int, int, float]] = {
    "cpu": (3000, 32, 2e-3),
    "gpu": (15548, 128, 2e-3),
    "smoke": (4, 4, 2e-3),
}
LM_CORPUS = {"cpu": (60000, 1000), "gpu": (120000, 1000), "smoke": (40, 20)}  # conversations: train, held out
