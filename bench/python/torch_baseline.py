"""PyTorch eager baseline for `npm run bench`: the same operations, on the same weights, with the same inputs.

    /usr/bin/python3 bench/python/torch_baseline.py --work bench/results/work --threads 2 [--lm-run auto]

A line-oriented server, so that bench/run.ts can interleave torch repetitions with the other implementations:
reads <work>/inputs.json and <work>/pixels16.f32 (written by bench/inputs.ts), loads the checkpoints, prints
    {"kind": "ready", "ops": [row ids], "skipped": {row: reason}, "versions": {...}, "lm_checkpoint": path|null}
then answers one JSON line per request line on stdin:
    {"op": "<row id>"}  -> {"ms": [samples]}     one repetition, timed here (no IPC in the time)
    {"op": "peak_reset"} / {"op": "peak"} -> {"bytes": VmHWM}
    {"op": "parity"}     -> {"ids16": [[...]], "prefill64_logits": [...]}
    {"op": "quit"}
Row ids and the LM protocol match bench/types.ts and bench/lm-protocol.ts. Weights: model/train/runs/
{tokenizer,autoencoder,denoiser}.done.pt (or --image-runs) and runs/lm/<run>/ckpt.pt; a missing or unloadable
checkpoint skips only its rows, with the reason ("not measured: no torch checkpoint at <path>").
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # OpenBLAS threads fight torch's own

import numpy as np  # noqa: E402
import torch  # noqa: E402

IMAGE_ROWS = ("tokenize.b1", "tokenize.b16", "decode.25")
LM_ROWS = ("lm.prefill64", "lm.decode32", "lm.decode128", "lm.decode256", "lm.nocache32", "lm.nocache128",
           "lm.nocache256")
CONTEXTS, WINDOW, PREFILL, DECODE_STEPS = (32, 128, 256), 4, 64, 25

Op = Callable[[], list[float]]


def now_ms() -> float:
    return time.perf_counter_ns() / 1e6


def timed(fn: Callable[[], Any]) -> float:
    t0 = now_ms()
    fn()
    return now_ms() - t0


def peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/self/status has no VmHWM line")


def short(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}".replace("\n", " ")
    return text if len(text) <= 240 else text[:237] + "..."


def image_ops(inputs: dict, work: Path, ops: dict[str, Op], skipped: dict[str, str], parity: dict) -> None:
    from model.train.common import RUNS
    paths = [RUNS / f"{n}.done.pt" for n in ("tokenizer", "autoencoder", "denoiser")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        for r in IMAGE_ROWS:
            skipped[r] = f"not measured: no torch checkpoint at {missing[0]}"
        return
    try:
        from model.train.ddim import sample_ddim
        from model.train.stages import load_autoencoder, load_denoiser, load_tokenizer
        tok, (ae, _), den = load_tokenizer(), load_autoencoder(), load_denoiser()
    except Exception as e:  # e.g. a checkpoint from an older architecture
        for r in IMAGE_ROWS:
            skipped[r] = f"not measured: the torch checkpoints in {RUNS} do not load: {short(e)}"
        return
    h, w = inputs["image_size"]
    raw = np.fromfile(work / "pixels16.f32", dtype=np.float32)
    pixels16 = torch.from_numpy(raw.reshape(16, 3, h, w).copy())          # [16, 3, H, W]
    pixels1 = pixels16[:1].clone()                                        # [1, 3, H, W]
    codes = torch.tensor([inputs["codes"]], dtype=torch.int64)            # [1, 32]
    scale, guidance = float(inputs["latent_scaling_factor"]), float(inputs["guidance_scale"])
    latent_shape = inputs["latent_shape"]

    def tokenize(px: torch.Tensor) -> torch.Tensor:
        causal, _maps = tok.encode(px)                                    # [B, 32, D], [B, 32, Gh*Gw]
        return tok.quantizer.ids(tok.encode_task_layer(causal))           # [B, 32]

    def decode() -> torch.Tensor:
        gen = tok.generation_embedding(codes, torch.ones(codes.shape))    # [1, E]
        noise = torch.randn(1, *latent_shape, generator=torch.Generator().manual_seed(0))
        latent = sample_ddim(den, gen, noise, DECODE_STEPS, guidance)     # [1, C, h, w]
        return ae.decoder(latent / scale)                                 # [1, 3, H', W']

    ops["tokenize.b1"] = lambda: [timed(lambda: tokenize(pixels1))]
    ops["tokenize.b16"] = lambda: [timed(lambda: tokenize(pixels16))]
    ops["decode.25"] = lambda: [timed(decode)]
    parity["ids16"] = lambda: tokenize(pixels16).tolist()


def lm_checkpoint(run: str) -> Path:
    """runs/lm/<run>/ckpt.pt; for "auto": the newest checkpoint (the last run trained is the one exported; the
    same-weights check in the report says so when it is not)."""
    base = REPO / "model" / "train" / "runs" / "lm"
    if run != "auto":
        return base / run / "ckpt.pt"
    found = sorted(base.glob("*/ckpt.pt"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else base / "main" / "ckpt.pt"


def lm_ops(inputs: dict, path: Path, ops: dict[str, Op], skipped: dict[str, str], parity: dict) -> None:
    if not inputs.get("has_language_model"):
        reason = "not measured: the package has no language model"
    elif not path.exists():
        reason = f"not measured: no torch checkpoint at {path.relative_to(REPO)}"
    else:
        reason = ""
    if not reason:
        try:
            from model.train.lm.export import round_to_fp16
            from model.train.lm.model import LMConfig, SeedMiniLM
            state = torch.load(path, map_location="cpu")
            model = SeedMiniLM(LMConfig(**state["config"]))
            model.load_state_dict(state["model"])
            round_to_fp16(model)   # the weights the package stores (lm.export rounds them the same way)
            model.eval()
        except Exception as e:
            reason = f"not measured: {path.relative_to(REPO)} does not load: {short(e)}"
    if reason:
        for r in LM_ROWS:
            skipped[r] = reason
        return
    ids_all: list[int] = inputs["prompt_ids"]
    cache: dict[str, Any] = {}

    def reset() -> None:
        cache["past"], cache["p"] = model.empty_past(1), 0

    def forward(ids: list[int]) -> torch.Tensor:
        s, p = len(ids), cache["p"]
        logits, cache["past"] = model(torch.tensor([ids]), torch.ones(1, p + s, dtype=torch.int64),
                                      torch.arange(p, p + s).unsqueeze(0), cache["past"])
        cache["p"] = p + s
        return logits[0, -1]                                              # [V]

    def prefill() -> list[float]:
        reset()
        return [timed(lambda: forward(ids_all[:PREFILL]))]

    def decode_at(c: int) -> Op:
        def op() -> list[float]:
            reset()
            forward(ids_all[:c - WINDOW])
            return [timed(lambda pos=pos: forward([ids_all[pos]])) for pos in range(c - WINDOW, c)]
        return op

    def nocache_at(c: int) -> Op:
        def op() -> list[float]:
            reset()
            return [timed(lambda: forward(ids_all[:c]))]
        return op

    ops["lm.prefill64"] = prefill
    for c in CONTEXTS:
        if c > len(ids_all):
            skipped[f"lm.decode{c}"] = skipped[f"lm.nocache{c}"] = \
                f"not measured: the model's context is {len(ids_all)} positions"
            continue
        ops[f"lm.decode{c}"], ops[f"lm.nocache{c}"] = decode_at(c), nocache_at(c)

    def logits64() -> list[float]:
        reset()
        return forward(ids_all[:PREFILL]).tolist()
    parity["prefill64_logits"] = logits64


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, help="folder with inputs.json and pixels16.f32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lm-run", default="auto", help="model/train/runs/lm/<run>/ckpt.pt; auto: the newest")
    ap.add_argument("--image-runs", default="", help="folder of {tokenizer,autoencoder,denoiser}.done.pt "
                    "(default: $SEED_MINI_RUNS or model/train/runs)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.image_runs:
        os.environ["SEED_MINI_RUNS"] = a.image_runs  # read by model.train.common at import
    work = Path(a.work)
    inputs = json.loads((work / "inputs.json").read_text())
    ops: dict[str, Op] = {}
    skipped: dict[str, str] = {}
    parity: dict[str, Callable[[], Any]] = {}
    image_ops(inputs, work, ops, skipped, parity)
    lm_path = lm_checkpoint(a.lm_run)
    lm_ops(inputs, lm_path, ops, skipped, parity)
    skipped["api.call"] = "– (no API layer)"
    skipped["lm.generate"] = "not measured: the baseline times the LM forward only (compare the LM decode rows)"
    versions = {"torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
                "torch_threads": torch.get_num_threads(),
                "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "")}

    def send(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    send({"kind": "ready", "ops": sorted(ops), "skipped": skipped, "versions": versions,
          "lm_checkpoint": str(lm_path.relative_to(REPO)) if "lm.prefill64" in ops else None})
    for line in sys.stdin:
        req = json.loads(line)
        op = req.get("op")
        try:
            with torch.no_grad():
                if op == "quit":
                    break
                if op == "peak_reset":
                    Path("/proc/self/clear_refs").write_text("5")
                    send({"bytes": peak_rss()})
                elif op == "peak":
                    send({"bytes": peak_rss()})
                elif op == "parity":
                    send({k: f() for k, f in parity.items()})
                elif op in ops:
                    send({"ms": ops[op]()})
                else:
                    send({"error": f"unknown op {op!r}; this baseline has {sorted(ops)}"})
        except Exception as e:  # reported to the TypeScript side, which marks the row as not measured
            send({"error": short(e)})


if __name__ == "__main__":
    main()
