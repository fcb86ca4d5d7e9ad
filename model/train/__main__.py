"""Train SEED-mini from scratch with one resumable command, then export the package and evaluate it.

    python -m model.train --plan ship                     # the shipped package's recipe, on 2 CPU cores
    python -m model.train --plan cpu                      # every stage in one run from the checked-out package
    python -m model.train --plan gpu --device cuda --workers 5
    python -m model.train --plan smoke --no-export        # a few steps of everything (pipeline check)
    python -m model.train --only tokenizer --steps 500    # one stage (the others must be done or are skipped)

Stages, in order (plans.py): semantic encoder (the frozen CLIP stand-in) -> visual tokenizer + detokenizer ->
denoiser (conditioned on the semantic embedding space) -> the detokenizer alone, trained further (the codes stay the
same) -> attribute judge (evaluation only) -> language model on the tokenizer's codes. A run may wait for another
stage (plans.Run.after: the denoiser's runs on the further-trained detokenizer's embeddings train right after it; the
ship plan's second tokenizer run after the LM's first runs, then the detokenizer and the LM again on its codes).
The autoencoder is reused from the shipped package unless --train-autoencoder.

Every stage runs the same loop (loop.py) and checkpoints to model/train/runs/<stage>.pt; a finished stage is frozen
in runs/<stage>.done.pt and skipped next time, so running the same command again continues where it stopped.
--keep-checkpoints also mirrors the progress into model/train/checkpoints/ (compact, committed), from which a new
machine continues (restored automatically at start). After the last stage: export (model/seed-mini), the LM's
export into the same package, and the evaluations that write REPORT.md.
"""

from __future__ import annotations

import argparse
import ast
import os
import time
from pathlib import Path

from . import checkpoints
from .common import RUNS, Log, add_device_args, load, package_file, setup_torch
from .plans import AUTOENCODER, LM_CORPUS, ORDER, PLANS, WARM_START, schedule


def stage_class(name: str) -> type:
    """The Stage subclass that trains stage `name` (imported on demand: each pulls in its own models)."""
    if name == "lm":
        from .lm.stage import LMStage

        return LMStage
    from .judge import JudgeStage
    from .stages import AutoencoderStage, DenoiserStage, DetokenizerStage, SemanticStage, TokenizerStage

    return {
        "semantic": SemanticStage,
        "tokenizer": TokenizerStage,
        "autoencoder": AutoencoderStage,
        "denoiser": DenoiserStage,
        "detokenizer": DetokenizerStage,
        "judge": JudgeStage,
    }[name]


def build_stage(name: str, batch: int, plan: str, log: Log, options: dict | None = None):  # noqa: ANN201 (a Stage)
    """The stage for one run of a plan, built with the run's options (recorded in the stage for its history)."""
    options = dict(options or {})
    if name == "lm":
        train_size, test_size = LM_CORPUS[plan]
        stage = stage_class(name)(batch, train_size=train_size, test_size=test_size, log=log, **options)
    else:
        stage = stage_class(name)(batch, **options)
    stage.options = options
    return stage


def initialise(name: str, stage, init_from: Path | None, warm_start: str | None, log: Log) -> None:  # noqa: ANN001
    """A new run's starting weights: --init-from (or the stage's previous run), else a package's weights where that
    helps (denoiser, LM): model/seed-mini, or the package at git revision `warm_start` (plans.WARM_START)."""
    if init_from is not None:
        prior = load(init_from)
        instead = stage.init_from(prior)
        stage.history = prior.get("history") or [{"steps": prior.get("steps"), "device": "unknown"}]
        if instead:  # the earlier runs count as runs of the plan, but these weights do not continue them
            stage.history = [{**h, "discarded": instead} for h in stage.history]
        said = f"{init_from}: {instead}" if instead else f"initialised from {init_from} ({prior.get('steps')} steps)"
        log(f"[{name}] {said}")
    elif name == "denoiser":
        source = package_file("denoiser.onnx", warm_start)
        fresh = stage.warm_start_from_package(source)
        log(f"[denoiser] warm start from {source}; starting fresh: {', '.join(fresh) or 'nothing'}")
    elif name == "lm":
        log(stage.start_from_package(source=package_file("language_model.onnx", warm_start)))


def runs_finished(name: str) -> int:
    """How many runs of a stage are finished: the history of runs/<stage>.done.pt has one entry per run behind it;
    an in-progress runs/<stage>.pt carries the history of the runs before it."""
    done, current = RUNS / f"{name}.done.pt", RUNS / f"{name}.pt"
    if done.exists():
        return len(load(done).get("history") or [None])
    return len(load(current).get("history") or []) if current.exists() else 0


def parse_option(text: str) -> tuple[str, object]:
    """KEY=VALUE -> (key, value), the value read as a Python literal (0.5, True, 'text'), else kept as text."""
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise ValueError(f"--option {text!r}: expected KEY=VALUE with KEY a stage option name, e.g. p_true=0.5")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plan", choices=list(PLANS), default="ship")
    ap.add_argument("--only", choices=ORDER, help="train just this stage")
    ap.add_argument("--steps", type=int, default=0, help="override the plan's step count (with --only)")
    ap.add_argument("--batch", type=int, default=0, help="override the plan's batch size (with --only)")
    ap.add_argument("--lr", type=float, default=0.0, help="override the plan's peak learning rate (with --only)")
    ap.add_argument(
        "--init-from",
        type=Path,
        help="(with --only) one run from an earlier .done.pt of this stage (runs/<stage>.done.pt is replaced)",
    )
    ap.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="(with --only) set a keyword option of the stage for this run, e.g. depth=10 (repeatable)",
    )
    ap.add_argument(
        "--train-autoencoder",
        action="store_true",
        help="train the autoencoder instead of reusing the shipped package's",
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=float, default=180.0, help="seconds between checkpoints")
    ap.add_argument(
        "--keep-checkpoints",
        action="store_true",
        help="mirror progress into model/train/checkpoints/ "
        "(compact, committed: training continues on another machine)",
    )
    ap.add_argument("--no-export", action="store_true", help="stop after training (no export or evaluation)")
    add_device_args(ap)
    args = ap.parse_args(argv)
    if (args.steps or args.batch or args.lr or args.init_from or args.option) and not args.only:
        ap.error("--steps, --batch, --lr, --init-from and --option apply to one stage: add --only STAGE")
    try:
        overrides = dict(parse_option(o) for o in args.option)
    except ValueError as e:
        ap.error(str(e))
    os.environ["SEED_MINI_DEVICE"] = args.device
    setup_torch(args.threads)
    log = Log()
    from .loop import run_stage

    plan = PLANS[args.plan]
    names = [n for n in ORDER if n in plan or (n == "autoencoder" and args.train_autoencoder)]
    if args.only and args.only not in names:
        ap.error(f"--only {args.only}: plan {args.plan!r} has no such stage (its stages: {', '.join(names)})")
    # a stage continued from --init-from starts a new run: its mirrored result must not come back as "done"
    restored = checkpoints.restore(tuple(n for n in names if not (args.init_from and n == args.only)))
    if restored:
        log(f"restored from model/train/checkpoints/: {', '.join(restored)}")
    stage_runs = {n: (AUTOENCODER[args.plan],) if n == "autoencoder" else plan[n] for n in names}
    one_off = bool(args.steps or args.batch or args.lr or args.init_from or overrides)
    if one_off:  # one run of --only's stage: its plan's last run with the command line's changes
        last = stage_runs[args.only][-1]
        stage_runs[args.only] = (
            last._replace(
                steps=args.steps or last.steps,
                batch=args.batch or last.batch,
                lr=args.lr or last.lr,
                options={**last.options, **overrides},
                after="",
            ),
        )
    keep = (lambda: checkpoints.save(tuple(names))) if args.keep_checkpoints else None
    phases = schedule(stage_runs)
    for at, (name, start, end) in enumerate(phases):
        if args.only and name != args.only:
            continue
        runs = stage_runs[name]
        # a run from --init-from is one new run, whatever runs/<stage>.done.pt holds (a checkpoint is this run's,
        # killed: it resumes)
        finished = 0 if args.init_from else runs_finished(name)
        done = RUNS / f"{name}.done.pt"
        if not args.init_from and done.exists() and (len(runs) == 1 or finished >= end):
            log(f"[{name}] already done, skipping" + (f" runs {start + 1}-{end}" if end < len(runs) else ""))
            continue
        first = max(finished, start)
        waits = runs[first].after
        # only with --only: the runs of the stage waited for that the plan puts before this one must be done
        needed = max((e for n, _, e in phases[:at] if n == waits), default=0)
        if first == start and waits and runs_finished(waits) < needed:
            log(f"[{name}] run {first + 1} of {len(runs)} waits for the {waits} stage: train that first")
            continue
        t0 = time.time()
        for k in range(first, end):
            steps, batch, lr, options, _ = runs[k]
            stage = build_stage(name, batch, args.plan, log, options)
            previous = None
            if k > 0 and done.exists():  # the next run starts from the previous run's weights
                previous = RUNS / f"{name}.run{k}.done.pt"
                done.replace(previous)
            if not (RUNS / f"{name}.pt").exists():
                initialise(name, stage, previous or args.init_from, WARM_START[args.plan], log)
            if len(runs) > 1:
                extra = "".join(f", {key} {value}" for key, value in options.items())
                log(f"[{name}] run {k + 1} of {len(runs)}: {steps} steps of {batch}, peak lr {lr:g}{extra}")
            run_stage(stage, steps, lr, log, args.save_every, 0.0, args.seconds, args.workers, on_checkpoint=keep)
        log(f"[{name}] stage finished in {time.time() - t0:.0f} s")
        if keep is not None:
            keep()
    if args.no_export or args.only:
        return
    from . import evaluate, export
    from .lm import evaluate as lm_evaluate
    from .lm import export as lm_export

    export.main(["--trained"])
    lm_export.main([])
    evaluate.main([])
    lm_evaluate.main(["--n", "200", "--report"])
    log("exported model/seed-mini and wrote REPORT.md; review and commit them")


if __name__ == "__main__":
    main()
