"""PyTorch eager baseline for `npm run bench`: the same operations, on the same weights, with the same inputs.

    .venv/bin/python bench/python/torch_baseline.py --work bench/results/work --threads 2 [--package model/seed-mini]

A line-oriented server, so that bench/run.ts can interleave torch repetitions with the other implementations:
reads <work>/inputs.json and <work>/pixels16.f32 (written by bench/inputs.ts), loads the weights, prints
    {"kind": "ready", "ops": [row ids], "skipped": {row: reason}, "versions": {...}, "lm_checkpoint": path|null}
then answers one JSON line per request line on stdin:
    {"op": "<row id>"}  -> {"ms": [samples]}     one repetition, timed here (no IPC in the time)
    {"op": "peak_reset"} / {"op": "peak"} -> {"bytes": VmHWM}
    {"op": "parity"}     -> {"ids16": [[...]], "prefill64_logits": [...]}
    {"op": "quit"}
Row ids and the LM protocol match bench/types.ts and bench/lm-protocol.ts. Weights: the package's own ONNX files,
rebuilt into the PyTorch modules (model/train/package_weights.py), so the baseline runs on a fresh clone and
computes with exactly the weights the package ships; a package that does not load skips only its rows, with the
reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # OpenBLAS threads fight torch's own

import numpy as np  # noqa: E402
import torch  # noqa: E402

IMAGE_ROWS = ("tokenize.b1", "tokenize.b16", "decode.25")
LM_ROWS = (
    "lm.prefill64",
    "lm.decode32",
    "lm.decode128",
    "lm.decode256",
    "lm.nocache32",
    "lm.nocache128",
    "lm.nocache256",
)
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


def image_ops(
    inputs: dict, work: Path, package: Path, ops: dict[str, Op], skipped: dict[str, str], parity: dict
) -> None:
    try:
        from model.train.ddim import sample_ddim
        from model.train.package_weights import load_package

        tok, ae, den, _ = load_package(package)
    except Exception as e:  # e.g. a package of another architecture (a real SEED export)
        for r in IMAGE_ROWS:
            skipped[r] = f"not measured: {package.name} does not load into the SEED-mini modules: {short(e)}"
        return
    h, w = inputs["image_size"]
    raw = np.fromfile(work / "pixels16.f32", dtype=np.float32)
    pixels16 = torch.from_numpy(raw.reshape(16, 3, h, w).copy())  # [16, 3, H, W]
    pixels1 = pixels16[:1].clone()  # [1, 3, H, W]
    codes = torch.tensor([inputs["codes"]], dtype=torch.int64)  # [1, 32]
    scale, guidance = float(inputs["latent_scaling_factor"]), float(inputs["guidance_scale"])
    latent_shape = inputs["latent_shape"]

    def tokenize(px: torch.Tensor) -> torch.Tensor:
        causal, _maps = tok.encode(px)  # [B, 32, D], [B, 32, Gh*Gw]
        return tok.quantizer.ids(tok.encode_task_layer(causal))  # [B, 32]

    def decode() -> torch.Tensor:
        gen = tok.generation_embedding(codes, torch.ones(codes.shape))  # [1, E]
        noise = torch.randn(1, *latent_shape, generator=torch.Generator().manual_seed(0))
        latent = sample_ddim(den, gen, noise, DECODE_STEPS, guidance)  # [1, C, h, w]
        return ae.decoder(latent / scale)  # [1, 3, H', W']

    ops["tokenize.b1"] = lambda: [timed(lambda: tokenize(pixels1))]
    ops["tokenize.b16"] = lambda: [timed(lambda: tokenize(pixels16))]
    ops["decode.25"] = lambda: [timed(decode)]
    parity["ids16"] = lambda: tokenize(pixels16).tolist()


def lm_ops(inputs: dict, package: Path, ops: dict[str, Op], skipped: dict[str, str], parity: dict) -> None:
    reason = "" if inputs.get("has_language_model") else "not measured: the package has no language model"
    if not reason:
        try:
            from model.train.lm.model import LMConfig, SeedMiniLM
            from model.train.package_weights import load_module

            lm = json.loads((package / "seed.json").read_text())["language_model"]
            model = SeedMiniLM(
                LMConfig(
                    vocab_size=lm["vocab_size"],
                    d_model=lm["num_kv_heads"] * lm["head_dim"],
                    n_layers=lm["num_layers"],
                    max_position_embeddings=lm["max_position_embeddings"],
                )
            )
            load_module(model, package / "language_model.onnx", prefix="model.")
            model.eval()
        except Exception as e:
            reason = f"not measured: {package.name}/language_model.onnx does not load: {short(e)}"
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
        logits, cache["past"] = model(
            torch.tensor([ids]),
            torch.ones(1, p + s, dtype=torch.int64),
            torch.arange(p, p + s).unsqueeze(0),
            cache["past"],
        )
        cache["p"] = p + s
        return logits[0, -1]  # [V]

    def prefill() -> list[float]:
        reset()
        return [timed(lambda: forward(ids_all[:PREFILL]))]

    def decode_at(c: int) -> Op:
        def op() -> list[float]:
            reset()
            forward(ids_all[: c - WINDOW])
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
            skipped[f"lm.decode{c}"] = skipped[f"lm.nocache{c}"] = (
                f"not measured: the model's context is {len(ids_all)} positions"
            )
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
    ap.add_argument("--package", default=str(REPO / "model" / "seed-mini"), help="the model package folder")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    work, package = Path(a.work), Path(a.package)
    inputs = json.loads((work / "inputs.json").read_text())
    ops: dict[str, Op] = {}
    skipped: dict[str, str] = {}
    parity: dict[str, Callable[[], Any]] = {}
    image_ops(inputs, work, package, ops, skipped, parity)
    lm_ops(inputs, package, ops, skipped, parity)
    skipped["api.call"] = "– (no API layer)"
    skipped["lm.generate"] = "not measured: the baseline times the LM forward only (compare the LM decode rows)"
    versions = {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "torch_threads": torch.get_num_threads(),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", ""),
    }

    def send(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    send(
        {
            "kind": "ready",
            "ops": sorted(ops),
            "skipped": skipped,
            "versions": versions,
            "lm_checkpoint": f"{package.name}/language_model.onnx" if "lm.prefill64" in ops else None,
        }
    )
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
