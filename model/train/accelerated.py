"""Train all of SEED-mini on one GPU in minutes: the same stages, losses and code as train_all, run side by side.

    python3 -m model.train.accelerated --seconds 480 --out /path/for/results      # on a machine with CUDA

Phase A, in parallel: visual tokenizer, autoencoder, attribute judge. Phase B, once the tokenizer and the
autoencoder are frozen, in parallel: denoiser, and the language model (its corpus is tokenized by the frozen
tokenizer on the GPU, then it trains). Every stage is time-boxed (train_all --seconds: the step count is fixed
from the measured speed after 40 steps, so each cosine schedule completes) and larger batches than the 2-core plan
are used. A stage that fails on CUDA is retried with the time that is left, first without DataLoader workers, then on
the CPU, so one device or shared-memory problem costs one stage, not the run. At the end the frozen checkpoints are written to --out in a compact form (tensors of at
least 64 elements rounded to fp16, exactly the rounding the ONNX export applies, so codes computed from them are
the package's codes; optimizer state dropped) with the logs, and `--unpack` puts them back into model/train/runs/ on
the machine that exports and evaluates.

    python3 -m model.train.accelerated --unpack /path/with/results                  # here: then export + evaluate
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import torch

from .common import RUNS, Log
from .onnx_fp16 import MIN_ELEMENTS
from .stages import OPTIONAL_TOKENIZER_KEYS

REPO = Path(__file__).resolve().parents[2]
# name -> (module and its args, batch, max steps, DataLoader workers)
PHASE_A = {
    "tokenizer": (["model.train.train_all", "--only", "tokenizer", "--no-export"], 256, 30000, 5),
    "autoencoder": (["model.train.train_all", "--only", "autoencoder", "--no-export"], 128, 30000, 3),
    "judge": (["model.train.judge"], 128, 30000, 3),
}
PHASE_B_DENOISER = (["model.train.train_all", "--only", "denoiser", "--no-export"], 256, 40000, 5)
LM_RUN = "gpu"
FILES = ("tokenizer.done.pt", "autoencoder.done.pt", "denoiser.done.pt", "judge.done.pt")


_log = Log(RUNS / "accelerated.log")


def log(msg: str) -> None:
    _log(f"[accelerated] {msg}")


class Job:
    """One stage as a child process; if it fails under CUDA it is started again with the time left, first without
    DataLoader workers, then on the CPU."""

    def __init__(self, name: str, args: list[str], device: str, seconds: float, deadline: float) -> None:
        self.name, self.args, self.device, self.deadline = name, args, device, deadline
        self.start(device, seconds)

    def start(self, device: str, seconds: float) -> None:
        threads = "2" if device == "cuda" else "6"
        cmd = [sys.executable, "-m", *self.args, "--device", device, "--seconds", f"{seconds:.0f}",
               "--threads", threads]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "SEED_MINI_DEVICE": device, "OMP_NUM_THREADS": threads}
        self.out = (RUNS / f"{self.name}.out").open("a")
        log(f"{self.name}: start on {device} for {seconds:.0f} s: {' '.join(cmd[2:])}")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self.out, stderr=subprocess.STDOUT)
        self.device, self.t0 = device, time.time()

    def poll(self) -> bool:
        """True when finished for good (done or given up)."""
        rc = self.proc.poll()
        if rc is None:
            return False
        self.out.close()
        if rc == 0:
            log(f"{self.name}: done in {time.time() - self.t0:.0f} s on {self.device}")
            return True
        tail = (RUNS / f"{self.name}.out").read_text().splitlines()[-8:]
        log(f"{self.name}: FAILED (exit {rc}) on {self.device}:\n    " + "\n    ".join(tail))
        left = self.deadline - time.time()
        if self.device == "cuda" and left > 60:
            for stale in RUNS.glob(f"{self.name}.pt"):   # a half-written run: start clean
                stale.unlink()
            if "--workers" in self.args and self.args[self.args.index("--workers") + 1] != "0":
                # first retry: same device, batches built inline (no DataLoader workers, no shared memory)
                self.args[self.args.index("--workers") + 1] = "0"
                self.start("cuda", left - 20)
            else:
                self.start("cpu", left - 20)
            return False
        return True


def wait(jobs: list[Job]) -> None:
    pending = list(jobs)
    while pending:
        time.sleep(2)
        pending = [j for j in pending if not j.poll()]


def compact(obj: Any) -> Any:
    """Round float tensors of >= MIN_ELEMENTS elements to fp16 (as the ONNX export does), recursively."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu()
        return t.half() if t.is_floating_point() and t.numel() >= MIN_ELEMENTS else t
    if isinstance(obj, dict):
        return {k: compact(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(compact(v) for v in obj)
    return obj


def pack(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if (RUNS / name).exists():
            payload = torch.load(RUNS / name, map_location="cpu", weights_only=False)
            payload.pop("raw", None)           # the denoiser's non-EMA weights: not shipped
            if name == "tokenizer.done.pt":      # training-only attribute heads (stages.OPTIONAL_TOKENIZER_KEYS)
                payload["model"] = {k: v for k, v in payload["model"].items()
                                    if not k.startswith(OPTIONAL_TOKENIZER_KEYS)}
            torch.save(compact(payload), out / name, _use_new_zipfile_serialization=False)  # any torch reads it
    ck = RUNS / "lm" / LM_RUN / "ckpt.pt"
    if ck.exists():
        state = torch.load(ck, map_location="cpu", weights_only=False)
        state.pop("optimizer", None)
        state["compact"] = True
        torch.save(compact(state), out / "lm-ckpt.pt", _use_new_zipfile_serialization=False)
    with tarfile.open(out / "logs.tgz", "w:gz") as tar:
        for p in sorted(RUNS.glob("*.log")) + sorted(RUNS.glob("*.out")) + sorted((RUNS / "lm").glob("*/*.log")):
            tar.add(p, arcname=str(p.relative_to(RUNS)))
        for p in (RUNS / "TOKENIZER_DONE", RUNS / "lm" / LM_RUN / "DONE"):
            if p.exists():
                tar.add(p, arcname=str(p.relative_to(RUNS)))
    for p in sorted(out.iterdir()):
        log(f"packed {p.name}: {p.stat().st_size / 1e6:.1f} MB")


def unpack(src: Path) -> None:
    """Put a packed result back: runs/<stage>.done.pt, runs/lm/gpu/ckpt.pt, logs, TOKENIZER_DONE, DONE."""
    RUNS.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if (src / name).exists():
            shutil.copyfile(src / name, RUNS / name)
    if (src / "lm-ckpt.pt").exists():
        (RUNS / "lm" / LM_RUN).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / "lm-ckpt.pt", RUNS / "lm" / LM_RUN / "ckpt.pt")
    if (src / "logs.tgz").exists():
        dest = RUNS / "accelerated-logs"
        dest.mkdir(exist_ok=True)
        with tarfile.open(src / "logs.tgz") as tar:
            tar.extractall(dest)
        for rel in ("TOKENIZER_DONE", f"lm/{LM_RUN}/DONE"):
            if (dest / rel).exists():
                shutil.copyfile(dest / rel, RUNS / rel)
    print(f"unpacked {src} into {RUNS}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=480, help="wall-clock budget for all training")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--out", type=Path, help="where to write the compact checkpoints and logs")
    ap.add_argument("--unpack", type=Path, help="put a packed result back into model/train/runs and stop")
    ap.add_argument("--lm-train-size", type=int, default=60000)
    ap.add_argument("--lm-tokens-per-batch", type=int, default=16384)
    ap.add_argument("--scale", type=float, default=1.0, help="batch multiplier (smoke tests on a CPU: 0.05)")
    ap.add_argument("--phase-a-share", type=float, default=0.42, help="share of --seconds for phase A")
    ap.add_argument("--init-dir", type=Path, help="continue from an earlier packed result (its tokenizer.done.pt, "
                    "denoiser.done.pt, lm-ckpt.pt); stages already done in runs/ (e.g. autoencoder, judge) are "
                    "skipped as always")
    a = ap.parse_args(argv)
    if a.unpack:
        unpack(a.unpack)
        return
    t_begin = time.time()
    deadline = t_begin + a.seconds
    a_seconds = a.phase_a_share * a.seconds          # phase A; phase B gets the rest minus packing

    def init(name: str) -> list[str]:
        f = a.init_dir / f"{name}.done.pt" if a.init_dir and name in ("tokenizer", "denoiser") else None
        return ["--init-from", str(f)] if f is not None and f.exists() else []
    log(f"device {a.device} ({torch.cuda.get_device_name(0) if a.device == 'cuda' else 'cpu'}), "
        f"budget {a.seconds:.0f} s, runs in {RUNS}")

    def sized(spec: tuple[list[str], int, int, int]) -> list[str]:
        args, batch, steps, workers = spec
        return [*args, "--batch", str(max(4, int(batch * a.scale))), "--steps", str(steps), "--workers",
                str(workers if a.scale >= 1 else 0)]

    jobs = [Job(n, sized(spec) + init(n), a.device, a_seconds - 10 if n != "judge" else 0.6 * a_seconds, t_begin + a_seconds)
            for n, spec in PHASE_A.items() if not (RUNS / f"{n}.done.pt").exists()]
    wait(jobs)
    missing = [n for n in ("tokenizer", "autoencoder") if not (RUNS / f"{n}.done.pt").exists()]
    if missing:
        log(f"phase A left {missing} unfinished: no phase B")
    else:
        b_seconds = deadline - time.time() - 25
        jobs = []
        if not (RUNS / "denoiser.done.pt").exists():
            jobs.append(Job("denoiser", sized(PHASE_B_DENOISER) + init("denoiser"), a.device, b_seconds, deadline - 25))
        lm_args = ["model.train.lm.train", "--run", LM_RUN, "--codes", "tokenizer",
                   "--train-size", str(a.lm_train_size), "--tokens-per-batch", str(max(512, int(a.lm_tokens_per_batch * a.scale))),
                   "--test-size", str(max(50, int(1000 * a.scale))), "--eval-every", "1000"]
        if a.init_dir and (a.init_dir / "lm-ckpt.pt").exists():
            (RUNS / "lm" / "init").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(a.init_dir / "lm-ckpt.pt", RUNS / "lm" / "init" / "ckpt.pt")
            # new conversations (more data across leases); the tokenizer was trained on, not retrained: keep rows
            lm_args += ["--init-from", "init", "--seed", "1", "--keep-image-rows"]
        if not (RUNS / "lm" / LM_RUN / "DONE").exists():
            jobs.append(Job("lm", lm_args, a.device, b_seconds, deadline - 25))
        wait(jobs)
    log(f"training finished after {time.time() - t_begin:.0f} s")
    if a.out:
        pack(a.out)


if __name__ == "__main__":
    main()
