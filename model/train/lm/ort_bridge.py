"""Run an ONNX graph in onnxruntime-node from Python (Debian ships no Python onnxruntime): numpy in, numpy out."""

from __future__ import annotations

import base64
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .paths import LM_DIR, REPO

_DTYPES = {"int64": np.int64, "float32": np.float32}


def _pack(a: np.ndarray) -> dict:
    dtype = {np.dtype(np.int64): "int64", np.dtype(np.float32): "float32"}.get(a.dtype)
    if dtype is None:
        raise TypeError(f"feeds must be int64 or float32 arrays, got {a.dtype}")
    return {"dtype": dtype, "dims": list(a.shape), "b64": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()}


def ort_run(model: Path, runs: list[dict[str, np.ndarray]]) -> tuple[list[str], list[str], list[dict[str, np.ndarray]]]:
    """(inputNames, outputNames, one {output name: array} per run)."""
    with tempfile.TemporaryDirectory() as tmp:
        req, res = Path(tmp) / "req.json", Path(tmp) / "res.json"
        req.write_text(
            json.dumps({"model": str(model), "runs": [{"feeds": {k: _pack(v) for k, v in r.items()}} for r in runs]})
        )
        subprocess.run(["node", str(LM_DIR / "ort_run.mjs"), str(req), str(res)], cwd=REPO, check=True)
        out = json.loads(res.read_text())
    results = []
    for r in out["runs"]:
        results.append(
            {
                k: np.frombuffer(base64.b64decode(t["b64"]), _DTYPES[t["dtype"]]).reshape(t["dims"])
                for k, t in r["outputs"].items()
            }
        )
    return out["inputNames"], out["outputNames"], results
