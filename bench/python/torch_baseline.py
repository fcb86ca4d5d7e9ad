"""PyTorch eager baseline for `npm run bench`: the same stages, on the same weights, with the same inputs.

    /usr/bin/python3 bench/python/torch_baseline.py --work bench/results/work --threads 2 --reps-image 8 ...

Reads <work>/inputs.json and <work>/pixels16.f32 (written by bench/inputs.ts) and prints one JSON object:
    {"versions": {...}, "rows": {row_id: {"ms": [...], "warmup": n} | {"skipped": reason}},
     "memory": {stage: peak_rss_bytes}, "parity": {"ids16": [[...]], "prefill64_logits": [...]}}
Row ids and the LM protocol match bench/types.ts and bench/lm-protocol.ts. Weights come from the training
checkpoints (model/train/runs/{tokenizer,autoencoder,denoiser}.done.pt and runs/lm/<run>/ckpt.pt); a missing
checkpoint skips only its rows, with "not measured: no torch checkpoint at <path>".
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
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # OpenBLAS threads fight torch's (reference/onnx-and-torch.md §2)

import numpy as np  # noqa: E402
import torch  # noqa: E402

IMAGE_ROWS = ("tokenize.b1", "tokenize.b16", "decode.25")
LM_ROWS = ("lm.prefill64", "lm.decode32", "lm.decode128", "lm.decode256", "lm.nocache32", "lm.nocache128",
           "lm.nocache256")
CONTEXTS, WINDOW, PREFILL = (32, 128, 256), 4, 64


def now_ms() -> float:
    return time.perf_counter_ns() / 1e6


def measure(fn: Callable[[], Any], reps: int, warmup: int = 1) -> dict[str, Any]:
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(reps):
        t0 = now_ms()
        fn()
        ms.append(now_ms() - t0)
    return {"ms": ms, "warmup": warmup}


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/self/status has no VmHWM line")


def staged(mem: dict[str, int], name: str, fn: Callable[[], Any]) -> Any:
    reset_peak()
    out = fn()
    mem[name] = peak_rss()
    return out


def image_rows(a: argparse.Namespace, inputs: dict, rows: dict, mem: dict, parity: dict) -> None:
    from model.train.common import RUNS
    paths = [RUNS / f"{n}.done.pt" for n in ("tokenizer", "autoencoder", "denoiser")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        for r in IMAGE_ROWS:
            rows[r] = {"skipped": f"not measured: no torch checkpoint at {missing[0]}"}
        return
    from model.train.ddim import sample_ddim
    from model.train.stages import load_autoencoder, load_denoiser, load_tokenizer
    tok = load_tokenizer()
    ae, _ = load_autoencoder()
    den = load_denoiser()
    h, w = inputs["image_size"]
    raw = np.fromfile(Path(a.work) / "pixels16.f32", dtype=np.float32)
    pixels16 = torch.from_numpy(raw.reshape(16, 3, h, w).copy())          # [16, 3, H, W]
    pixels1 = pixels16[:1].clone()                                        # [1, 3, H, W]

    def tokenize(px: torch.Tensor) -> torch.Tensor:
        causal, _maps = tok.encode(px)                                    # [B, 32, D], [B, 32, Gh*Gw]
        return tok.quantizer.ids(tok.encode_task_layer(causal))           # [B, 32]

    codes = torch.tensor([inputs["codes"]], dtype=torch.int64)            # [1, 32]
    scale = float(inputs["latent_scaling_factor"])
    latent_shape = inputs["latent_shape"]

    def decode() -> torch.Tensor:
        gen = tok.generation_embedding(codes, torch.ones(codes.shape))    # [1, E]
        noise = torch.randn(1, *latent_shape, generator=torch.Generator().manual_seed(0))
        latent = sample_ddim(den, gen, noise, 25, float(inputs["guidance_scale"]))
        return ae.decoder(latent / scale)                                 # [1, 3, H', W']

    with torch.no_grad():
        rows["tokenize.b1"] = staged(mem, "torch tokenize 1", lambda: measure(lambda: tokenize(pixels1), a.reps_image))
        rows["tokenize.b16"] = staged(mem, "torch tokenize 16", lambda: measure(lambda: tokenize(pixels16), a.reps_image))
        rows["decode.25"] = staged(mem, "torch decode 25 steps", lambda: measure(decode, a.reps_decode))
        parity["ids16"] = tokenize(pixels16).tolist()


def lm_checkpoint(run: str) -> Path:
    """runs/lm/<run>/ckpt.pt; for "auto": the run "main" if it has a checkpoint, else the newest checkpoint."""
    base = REPO / "model" / "train" / "runs" / "lm"
    if run != "auto":
        return base / run / "ckpt.pt"
    if (base / "main" / "ckpt.pt").exists():
        return base / "main" / "ckpt.pt"
    found = sorted(base.glob("*/ckpt.pt"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else base / "main" / "ckpt.pt"


def lm_rows(a: argparse.Namespace, inputs: dict, rows: dict, mem: dict, parity: dict) -> None:
    path = lm_checkpoint(a.lm_run)
    parity["lm_checkpoint"] = str(path.relative_to(REPO))
    if not inputs.get("has_language_model"):
        reason = "not measured: the package has no language model"
    elif not path.exists():
        reason = f"not measured: no torch checkpoint at {path.relative_to(REPO)}"
    else:
        reason = ""
    if reason:
        for r in LM_ROWS:
            rows[r] = {"skipped": reason}
        return
    from model.train.lm.model import LMConfig, SeedMiniLM
    state = torch.load(path, map_location="cpu")
    model = SeedMiniLM(LMConfig(**state["config"]))
    model.load_state_dict(state["model"])
    model.eval()
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

    contexts = [c for c in CONTEXTS if c <= len(ids_all)]
    for c in CONTEXTS:
        if c > len(ids_all):
            why = f"not measured: the model's context is {len(ids_all)} positions"
            rows[f"lm.decode{c}"], rows[f"lm.nocache{c}"] = {"skipped": why}, {"skipped": why}

    def protocol() -> None:
        def prefill() -> None:
            reset()
            forward(ids_all[:PREFILL])
        rows["lm.prefill64"] = measure(prefill, a.reps_lm)
        by_ctx: dict[int, list[float]] = {c: [] for c in contexts}
        for r in range(a.reps_lm + 1):
            for c in contexts:
                reset()
                forward(ids_all[:c - WINDOW])
                for pos in range(c - WINDOW, c):
                    t0 = now_ms()
                    forward([ids_all[pos]])
                    if r > 0:  # the first round is the warm-up
                        by_ctx[c].append(now_ms() - t0)
        for c in contexts:
            rows[f"lm.decode{c}"] = {"ms": by_ctx[c], "warmup": 1}

            def nocache(c: int = c) -> None:
                reset()
                forward(ids_all[:c])
            rows[f"lm.nocache{c}"] = measure(nocache, a.reps_lm)

    with torch.no_grad():
        staged(mem, "torch LM (all LM rows)", protocol)
        reset()
        parity["prefill64_logits"] = forward(ids_all[:PREFILL]).tolist()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, help="folder with inputs.json and pixels16.f32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps-image", type=int, default=8)
    ap.add_argument("--reps-decode", type=int, default=3)
    ap.add_argument("--reps-lm", type=int, default=3)
    ap.add_argument("--lm-run", default="auto", help="model/train/runs/lm/<run>/ckpt.pt; auto: main, else the newest")
    ap.add_argument("--image-runs", default="", help="folder of {tokenizer,autoencoder,denoiser}.done.pt "
                    "(default: $SEED_MINI_RUNS or model/train/runs)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.image_runs:
        os.environ["SEED_MINI_RUNS"] = a.image_runs  # read by model.train.common at import
    inputs = json.loads((Path(a.work) / "inputs.json").read_text())
    rows: dict[str, Any] = {}
    mem: dict[str, int] = {}
    parity: dict[str, Any] = {}
    t0 = now_ms()
    image_rows(a, inputs, rows, mem, parity)
    lm_rows(a, inputs, rows, mem, parity)
    versions = {"torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
                "torch_threads": torch.get_num_threads(),
                "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "")}
    print(json.dumps({"versions": versions, "rows": rows, "memory": mem, "parity": parity,
                      "wall_ms": now_ms() - t0}))


if __name__ == "__main__":
    main()
