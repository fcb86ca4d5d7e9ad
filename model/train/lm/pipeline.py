"""The whole real LM run as one unattended command: wait for part 1's frozen tokenizer, train, export, evaluate.

    nohup setsid /usr/bin/python3 -m model.train.lm.pipeline > /dev/null 2>&1 &
    tail -f model/train/runs/lm/main/pipeline.log model/train/runs/lm/main/train.log

1. waits (sleeping, no CPU) until model/train/runs/TOKENIZER_DONE exists;
2. runs `model.train.lm.train --run main --codes tokenizer` (resumes if a checkpoint exists; a new run starts from
   the `interim` run's weights when that checkpoint exists; threads "auto": 1 while part 1's train_all runs, 2 after);
3. exports into model/seed-mini (model.train.lm.export --merge-seed-json) and evaluates (--report).
Every step is idempotent: after an interruption, run the same command again. Nothing is committed: review and commit.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time

from .codes import TOKENIZER_DONE
from .paths import REPO, RUN_DIR
from .train import Log, part1_training


def step(log: Log, args: list[str]) -> None:
    cmd = [sys.executable, "-m", *args]
    log(f"[pipeline] running {' '.join(cmd[1:])}")
    t0 = time.time()
    r = subprocess.run(cmd, cwd=REPO)
    if r.returncode != 0:
        log(f"[pipeline] FAILED (exit {r.returncode}) after {time.time() - t0:.0f}s: {' '.join(args)}")
        raise SystemExit(r.returncode)
    log(f"[pipeline] done in {time.time() - t0:.0f}s: {args[0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=1.75)
    ap.add_argument("--train-size", type=int, default=24000,
                    help="conversations (~1.45 unique images each; part 1's encoder costs ~10-35 ms/image here)")
    ap.add_argument("--eval-n", type=int, default=200)
    a = ap.parse_args()
    run = RUN_DIR / "main"
    run.mkdir(parents=True, exist_ok=True)
    log = Log(run / "pipeline.log")
    if not TOKENIZER_DONE.exists():
        log(f"[pipeline] waiting for {TOKENIZER_DONE}")
        while not TOKENIZER_DONE.exists():
            time.sleep(30)
    log("[pipeline] visual tokenizer is frozen")
    if not (run / "DONE").exists():
        threads = "1" if part1_training() else "2"
        (run / "threads").write_text("auto\n")
        train = ["model.train.lm.train", "--run", "main", "--codes", "tokenizer", "--hours", str(a.hours),
                 "--train-size", str(a.train_size), "--threads", threads]
        if (RUN_DIR / "interim" / "ckpt.pt").exists():
            train += ["--init-from", "interim"]
        step(log, train)
    step(log, ["model.train.lm.export", "--run", "main", "--merge-seed-json"])
    step(log, ["model.train.lm.evaluate", "--run", "main", "--n", str(a.eval_n), "--report"])
    log("[pipeline] finished: review and commit model/seed-mini (LM files, seed.json, REPORT.md)")


if __name__ == "__main__":
    main()
