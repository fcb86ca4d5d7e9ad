"""Training plans as data: for each stage, its runs (steps, batch, peak learning rate, options), in the order the
stages run.

  ship  the recipe of the shipped package: the `cpu` batches on 2 CPU cores, the denoiser in eight runs, then the
        detokenizer alone in one, a ninth denoiser run on its embeddings, and the LM in five; then the tokenizer's
        second run, the detokenizer again on its codes, a tenth denoiser run on its embeddings and five more LM runs
        on the new codes, the last two grown to 6 and 8 layers (each run a fresh warm-up + cosine cycle from the previous run's
        weights; a run may set the stage's options, e.g. the denoiser's last runs condition mostly on the codes, and
        wait for another stage), and the denoiser and the LM starting from the previous package's weights (WARM_START: model/seed-mini
        at that git revision). One difference: the shipped LM's first three runs saw fewer phrasings of each request
        than lm/tasks.py writes now (its corpus is generated, not stored; the fourth run added questions such as
        "Which item is ...?" and "Count the items."); a rerun trains every run on the current conversations.
  cpu   every stage in one run on 2 CPU cores, warm-starting from the package in model/seed-mini
  gpu   the same stages with the batches a single large GPU keeps busy (use with --device cuda --workers 5)
  smoke a few steps of everything: checks the pipeline end to end in minutes (tests, a new machine)

`lm` batches are tokens per batch. The autoencoder is not in the plans: it is reused from the shipped package
unless `--train-autoencoder` (AUTOENCODER below).
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Run(NamedTuple):
    steps: int
    batch: int
    lr: float  # peak learning rate
    options: dict[str, Any] = {}  # keyword arguments of the stage for this run (e.g. the denoiser's conditioning mix)
    after: str = ""  # a later stage this run waits for: it and the stage's runs after it train once that one is done


Plan = dict[str, tuple[Run, ...]]  # a stage's runs: each starts from the previous run's frozen weights

# The denoiser's conditioning once it draws the dataset's objects: the runtime always decodes from codes, so 3 in 4
# batches are conditioned on the codes' generation embedding (all 32 codes in 70% of those), 1 in 4 on E (the
# default mix is 1 in 2, 60%). The shipped denoiser's fifth run lifted the codes' decode from 30.9% to 43.5% of
# objects with the right identity (model.train.hops) with it; a sixth, at a lower peak rate, to 46.1%.
ON_CODES = {"p_true": 0.25, "p_full": 0.7}
# The shipped denoiser's seventh run adds the cell reader (denoiser.py: each cell's identity, colour and size
# probabilities from a frozen copy of the semantic heads) and sees new batches (data_seed: every run restarts at step
# 0, and the six before it saw the same first 12000 batches); the codes' decode rose from 46.1% to 55.0% (hops).
# Every later run keeps the reader: the eighth, on other new batches (data_seed 2), to 58.1%; the detokenizer stage
# after it (the codes' embedding: 72.3% -> 78.0% identity) to 59.2%.
READ = {**ON_CODES, "read": True}

# detokenizer: more training of the tokenizer's detokenizer alone (stages.DetokenizerStage; the codes stay the same).
# The shipped denoiser's first eight runs were conditioned on the tokenizer's own detokenizer, its ninth on this
# stage's (Run.after): the codes' decode rose from 59.2% to 61.3% (hops). The other plans train the denoiser on this
# stage's embeddings only.
ORDER = ("semantic", "tokenizer", "autoencoder", "denoiser", "detokenizer", "judge", "lm")
AFTER_DETOKENIZER = "detokenizer"

_CPU: Plan = {
    "semantic": (Run(1500, 128, 2e-3),),
    "tokenizer": (Run(2000, 64, 1e-3),),
    "denoiser": (Run(1800, 64, 3e-4, READ, AFTER_DETOKENIZER),),  # continues the shipped denoiser
    "detokenizer": (Run(3000, 128, 3e-4),),
    "judge": (Run(1200, 64, 2e-3),),
    "lm": (Run(2500, 4096, 1e-3),),
}

# The tokenizer's second run (ship): the `cpu` run's 2000 steps of 64 had left it under-trained (its training
# batches' identity on full codes was still rising). 2500 more steps of 128 lifted what its codes keep (model.train.hops,
# 256 held-out scenes): identity read from the codes' own embedding 78.2% -> 82.8%, decoded by the denoiser 61.9% ->
# 65.7%. The codes change (352 dead codes re-seeded), so the detokenizer stage trains again on them, starting from the
# tokenizer's own detokenizer (DetokenizerStage.init_from; 66.7% decoded), and the LM relearns its image vocabulary
# in two more runs (held-out answer loss 1.93 at the sixth run's step 250 -> 0.97 after the seventh); an eighth on
# conversations about new scenes (seed 2) took its image-token loss further down (1.44 -> 1.27), and a ninth, grown
# to 6 layers, on other new scenes (seed 3), its text answers' loss too (0.172 -> 0.164, image 1.26 -> 1.20), and a tenth,
# grown to 8, on others (seed 4) its image tokens' (1.200 -> 1.173 on that corpus). The denoiser
# is conditioned on the embedding space, which the detokenizer rebuilds (E), not on the codes, so it needs no
# retraining to read the new codes; a tenth run on the new detokenizer's embeddings (6102 steps of 64 in a one-hour
# time box, new batches: data_seed 5) still drew more of what they carry: the codes' decode 66.7% -> 72.8%, E's
# 75.5% -> 80.7% (hops, 256 held-out scenes).
# Through the runtime (model/seed-mini/REPORT.md): emoji after tokenize -> decode 62.5 -> 68.0% (unseen) with the
# new codes, 75.2% after the tenth denoiser run; drawings' emoji 56.8 -> 63.2 -> 70.4%, 76.0% after the eighth LM
# run; captions 66.0 -> 72.5 -> 74.5% of objects named, 76.0% after the ninth, 81.5% after the tenth.
AFTER_LM, AFTER_TOKENIZER = "lm", "tokenizer"

PLANS: dict[str, Plan] = {
    "ship": {
        **_CPU,
        "tokenizer": (Run(2000, 64, 1e-3), Run(2500, 128, 5e-4, {}, AFTER_LM)),
        "detokenizer": (Run(3000, 128, 3e-4), Run(1500, 128, 3e-4, {}, AFTER_TOKENIZER)),
        "denoiser": (
            Run(1800, 64, 3e-4),
            Run(1200, 64, 3e-4),
            Run(12000, 64, 3e-4),
            Run(12000, 64, 3e-4),
            Run(15000, 64, 3e-4, ON_CODES),
            Run(12000, 64, 2e-4, ON_CODES),
            Run(12000, 64, 3e-4, {**READ, "data_seed": 1}),
            Run(9000, 64, 3e-4, {**READ, "data_seed": 2}),
            Run(2400, 64, 3e-4, {**READ, "data_seed": 4}, AFTER_DETOKENIZER),
            # on the second detokenizer run's embeddings (it waits for that run: plans.schedule's rounds)
            Run(6102, 64, 3e-4, {**READ, "data_seed": 5}, AFTER_DETOKENIZER),
        ),
        "lm": (
            Run(2500, 4096, 1e-3),
            Run(2000, 4096, 5e-4),
            Run(2500, 4096, 4e-4),
            Run(2000, 4096, 4e-4),
            Run(3000, 4096, 3e-4, {"seed": 1}),  # 60000 other conversations (other scenes) than the runs before
            # on the second tokenizer run's codes (the corpus rebuilds itself: its cache is keyed on the codes)
            Run(1500, 4096, 3e-4, {"seed": 1}, AFTER_DETOKENIZER),
            Run(7000, 4096, 4e-4, {"seed": 0}),  # the first runs' conversations again, on the new codes
            # 60000 conversations about scenes no run before saw; the shipped run's time box (--seconds 4500) fixed
            # its count at 9000 and stopped it at step 8593 (overrun by 15%), the learning rate near its floor
            Run(9000, 4096, 3e-4, {"seed": 2}),
            # grown from 4 to 6 layers (the new blocks start as the identity: lm.model.grow_state), on 60000
            # conversations about other new scenes
            Run(6000, 4096, 3e-4, {"seed": 3, "n_layers": 6}),
            # grown again, to 8 layers, on conversations about still other new scenes; the shipped run's time box
            # (--seconds 4900) fixed its count at 5444 and stopped it at step 5218 (overrun by 15%)
            Run(5444, 4096, 3e-4, {"seed": 4, "n_layers": 8}),
        ),
    },
    "cpu": _CPU,
    "gpu": {
        "semantic": (Run(6000, 256, 2e-3),),
        "tokenizer": (Run(8000, 256, 5e-4),),
        "denoiser": (Run(12000, 256, 3e-4, READ, AFTER_DETOKENIZER),),
        "detokenizer": (Run(3000, 256, 3e-4),),
        "judge": (Run(3500, 128, 2e-3),),
        "lm": (Run(6000, 16384, 1e-3),),
    },
    "smoke": {
        "semantic": (Run(4, 8, 1e-3),),
        # as ship: the tokenizer's second run after the LM's first, the detokenizer and the LM again on its codes
        "tokenizer": (Run(4, 8, 5e-4), Run(2, 8, 5e-4, {}, AFTER_LM)),
        # as ship: the second run adds the reader, the third waits for the detokenizer stage's first run, the fourth
        # for its second
        "denoiser": (
            Run(4, 8, 3e-4),
            Run(3, 8, 3e-4, READ),
            Run(2, 8, 3e-4, READ, AFTER_DETOKENIZER),
            Run(2, 8, 3e-4, {**READ, "data_seed": 1}, AFTER_DETOKENIZER),
        ),
        "detokenizer": (Run(3, 8, 3e-4), Run(2, 8, 3e-4, {}, AFTER_TOKENIZER)),
        "judge": (Run(4, 8, 2e-3),),
        "lm": (Run(4, 512, 1e-3), Run(2, 512, 1e-3, {}, AFTER_DETOKENIZER)),
    },
}


def schedule(runs: dict[str, tuple[Run, ...]]) -> list[tuple[str, int, int]]:
    """The order runs train in, as phases (stage, first run, end run) over `runs` (the plan's stages, in ORDER's
    order): each stage trains its runs up to the first that waits for another stage (Run.after) in ORDER's place;
    that run and the ones after it (up to the next that waits) train right after the stage it waits for (after the
    last of that stage's phases placed so far). Waiting runs are placed in rounds: every stage's first waiting run
    in ORDER's order, then every stage's second, and so on, so a stage's second wait for another stage comes after
    the other stage's own first wait (ship: the denoiser's tenth run waits for the detokenizer's second run, which waits
    for the tokenizer's second)."""
    phases: list[tuple[str, int, int]] = []
    waiting: list[tuple[int, int, str, int, int]] = []  # (round, stage's place, stage, first run, end run)
    for place, (name, rs) in enumerate(runs.items()):
        cuts = sorted({0, *(k for k, run in enumerate(rs) if run.after), len(rs)})
        for first, end in zip(cuts, cuts[1:]):
            if rs[first].after:
                waiting.append((sum(1 for w in waiting if w[2] == name), place, name, first, end))
            else:
                phases.append((name, first, end))
    for _, _, name, first, end in sorted(waiting):
        after = runs[name][first].after
        if after not in runs:
            raise ValueError(f"{name} run {first + 1} waits for {after!r}, a stage this plan does not train")
        at = max(i for i, (n, _, _) in enumerate(phases) if n in (after, name)) + 1
        phases.insert(at, (name, first, end))
    return phases


# Where the denoiser and the LM start (both keep the previous package's weights where shapes match): None = the
# package in model/seed-mini; a git revision = model/seed-mini as committed there (the package these stages
# were retrained from, so that the recipe does not depend on what model/seed-mini holds today).
WARM_START: dict[str, str | None] = {"ship": "380955e", "cpu": None, "gpu": None, "smoke": None}

AUTOENCODER: dict[str, Run] = {
    "ship": Run(3000, 32, 2e-3),
    "cpu": Run(3000, 32, 2e-3),
    "gpu": Run(15548, 128, 2e-3),
    "smoke": Run(4, 4, 2e-3),
}
# conversations: train, held out
LM_CORPUS = {"ship": (60000, 1000), "cpu": (60000, 1000), "gpu": (120000, 1000), "smoke": (40, 20)}
