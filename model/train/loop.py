"""The one training loop every SEED-mini stage runs (model/train/stages.py, lm/stage.py): AdamW with linear warm-up
and cosine decay, gradient clipping, bf16 autocast, atomic checkpoints with exact resume, an optional time box.

A stage's batch is a pure function of its step (`make_batch`), so DataLoader workers may build batches ahead and a
resumed run sees exactly the data it would have seen. Checkpoints go to runs/<stage>.pt every `save_every` seconds
(only right after a finite-loss check); the finished stage is frozen into runs/<stage>.done.pt with its history,
and its checkpoint is removed then (a later run of the stage must start from the frozen weights, not resume it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from .common import RUNS, Log, device, fmt_duration, fmt_stats, load, save_atomic, to_device
from .stages import Stage, module_size


def lr_at(step: int, steps: int, peak: float, warmup: int = 100, floor: float = 0.1) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to `floor` times the peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, steps - warmup))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


class _StepBatches(torch.utils.data.Dataset):
    """Batch i of a stage is make_batch(start + i): a pure function of the step, so workers may build it ahead."""

    def __init__(self, stage: Stage, start: int, stop: int) -> None:
        self.stage, self.start, self.stop = stage, start, stop

    def __len__(self) -> int:
        return max(0, self.stop - self.start)

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        return self.stage.make_batch(self.start + i)


def run_stage(
    stage: Stage,
    steps: int,
    peak_lr: float,
    log: Log,
    save_every: float,
    eta_after: float,
    seconds: float = 0.0,
    workers: int = 0,
    autocast: bool = True,
    on_checkpoint: Callable[[], Any] | None = None,
) -> int:
    """Train `stage` for `steps` steps (or, with `seconds`, for as many as fit in that time: the count is fixed
    from the measured s/step of steps 10-40 and never exceeds `steps`), checkpointing every `save_every` s.
    Returns the steps behind the frozen weights (earlier runs continued with --init-from included)."""
    ckpt_path, done_path = RUNS / f"{stage.name}.pt", RUNS / f"{stage.name}.done.pt"
    dev = device()
    ck = load(ckpt_path) if ckpt_path.exists() else None
    if ck is not None:  # before the optimiser is built: a stage may rebuild its model to fit the weights
        stage.resume_weights(ck["model"])
    stage.to(dev)
    opt = torch.optim.AdamW(stage.param_groups(), lr=peak_lr, betas=stage.betas)
    start, elapsed, budget_fixed = 0, 0.0, not seconds
    if ck is not None:
        if "opt" in ck:  # absent in a compact continuation checkpoint (checkpoints.py): a fresh AdamW state
            try:
                opt.load_state_dict(ck["opt"])
            except ValueError as e:  # parameter groups changed since: the weights resume, the moments restart
                log(f"[{stage.name}] optimiser state not resumed ({e}); AdamW moments start fresh")
        start, elapsed = int(ck["step"]), float(ck["elapsed"])
        if "steps" in ck:
            budget_fixed = True
            if seconds or int(ck["steps"]) == steps:  # a time box's count was fixed when the run began
                steps = int(ck["steps"])
            else:
                log(f"[{stage.name}] the run began for {int(ck['steps'])} steps; continuing to {steps} as now asked")
        stage.history = ck.get("history", stage.history)
        if "extra" in ck:
            stage.load_extra_state(ck["extra"])
        log(f"[{stage.name}] resumed at step {start}/{steps} ({fmt_duration(elapsed)} already spent)")
    else:
        log(
            f"[{stage.name}] start on {dev}: {module_size(stage.model):.2f} M trainable parameters, "
            f"{'up to ' if seconds else ''}{steps} steps{f' or {seconds:.0f} s' if seconds else ''}"
        )

    def checkpoint(step: int) -> None:
        state: dict[str, Any] = {
            "model": stage.model.state_dict(),
            "opt": opt.state_dict(),
            "step": step,
            "elapsed": elapsed,
            "steps": steps,
            "history": stage.history,
        }
        extra = stage.extra_state()
        if extra:
            state["extra"] = extra
        save_atomic(state, ckpt_path)
        if on_checkpoint is not None:
            on_checkpoint()

    extra = {"num_workers": workers, "prefetch_factor": 4} if workers else {}  # torch 1.13 rejects a factor at 0
    loader = torch.utils.data.DataLoader(
        _StepBatches(stage, start, steps), batch_size=None, pin_memory=dev.type == "cuda", **extra
    )
    stage.model.train()
    t_begin = time.time()
    last_save, window_t, window_n, t10 = time.time(), time.time(), 0, 0.0
    step = start
    t_prev = time.time()
    for cpu_batch in loader:
        if step >= steps:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, peak_lr, stage.warmup, stage.lr_floor)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=autocast):
            loss, stats = stage.train_step(step, to_device(cpu_batch, dev))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(stage.model.parameters(), 1.0)
        opt.step()
        stage.after_step(step, log)
        step += 1
        elapsed += time.time() - t_prev  # wall time, waits for data included
        t_prev = time.time()
        window_n += 1
        if not budget_fixed and step - start in (10, 40) and dev.type == "cuda":
            torch.cuda.synchronize()  # the GPU runs behind the Python loop: time what it has finished
        if not budget_fixed and step - start == 10:
            t10 = time.time()
        if not budget_fixed and step - start == 40:
            sps = (time.time() - t10) / 30
            steps = max(step + 1, min(steps, int((seconds - (time.time() - t_begin)) / sps) + step))
            budget_fixed = True
            log(f"[{stage.name}] measured {sps * 1000:.0f} ms/step on {dev}: {steps} steps fit in {seconds:.0f} s")
        if step % 20 == 0 or step == steps:
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"[{stage.name}] loss is {float(loss.detach())} at step {step}; stats {fmt_stats(stats)}"
                )
            sps = (time.time() - window_t) / window_n
            window_t, window_n = time.time(), 0
            left = (steps - step) * sps
            log(
                f"[{stage.name}] step {step}/{steps} ({100 * step / steps:.1f}%) {sps:.3f} s/step, "
                f"stage left {fmt_duration(left)}, all left ~{fmt_duration(left + eta_after)} | "
                f"loss {float(loss.detach()):.4g} {fmt_stats(stats)}"
            )
            if time.time() - last_save > save_every:  # only right after a finite-loss check
                checkpoint(step)
                last_save = time.time()
        if seconds and time.time() - t_begin > 1.15 * seconds:
            log(f"[{stage.name}] time box of {seconds:.0f} s overrun by 15% (steps slowed down): stopping at {step}")
            break
    steps = step  # a time box may end the loop early (slower steps than measured): freeze what was trained
    checkpoint(steps)
    stage.model.eval()
    payload = stage.final_payload()
    where = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    # history: one entry per training run that led to these weights (--init-from continues an earlier one), or that
    # the plan ran before them when this run started elsewhere ("discarded": why; runs_finished counts it)
    payload["history"] = [
        *stage.history,
        {
            "steps": steps,
            "seconds": round(elapsed),
            "batch": stage.batch,
            "device": where,
            **({"options": stage.options} if stage.options else {}),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    ]
    # the training behind these weights: a run whose weights a later run did not start from is not part of it
    kept = [h for h in payload["history"] if "discarded" not in h]
    payload["steps"] = sum(int(h["steps"]) for h in kept)
    payload["train_seconds"] = sum(float(h["seconds"]) for h in kept)
    save_atomic(payload, done_path)
    ckpt_path.unlink(missing_ok=True)  # the run is frozen into done_path: nothing left to resume
    log(f"[{stage.name}] done: {steps} steps in {fmt_duration(elapsed)} -> {done_path}")
    return int(payload["steps"])
