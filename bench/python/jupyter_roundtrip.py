"""Jupyter-path kernel benchmark for `npm run bench`: a real jupyter_client talks to a kernel over ZeroMQ.

    /usr/bin/python3 bench/python/jupyter_roundtrip.py --argv '["node","dist/kernel.js","--jupyter","{connection_file}"]'
    /usr/bin/python3 bench/python/jupyter_roundtrip.py --kernel python3        # Debian's ipykernel, for comparison

Prints one JSON object: {"start_to_first_result_ms": [...], "empty_cell_ms": [...], "rss_after_10": bytes,
"rss_after_n": bytes, "n_cells": n, "peak_rss": bytes, "error": null | message}.
start -> first result: KernelManager.start_kernel() to the execute_result of `1 + 1` (a fresh kernel each time).
Empty cell: execute_request("") to both the execute_reply and the iopub status idle of that request; then the same
for --expr-cells cells `1` (expr_cell_ms: a cell the kernel has to compile and run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SPEC_NAME = "seed-bench"


def now_ms() -> float:
    return time.perf_counter_ns() / 1e6


def status_bytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/{pid}/status has no {field} line")


def run_cell(kc: Any, code: str, timeout: float) -> dict | None:
    """Sends code, waits for its execute_reply and its idle status; returns the execute_result content if any."""
    msg_id = kc.execute(code, store_history=True)
    result, replied, idle = None, False, False
    deadline = time.time() + timeout
    while not (replied and idle):
        left = deadline - time.time()
        if left <= 0:
            raise TimeoutError(f"no execute_reply/idle for {code!r} within {timeout} s")
        if not replied:
            try:
                msg = kc.get_shell_msg(timeout=min(left, 0.05))
                if msg["parent_header"].get("msg_id") == msg_id:
                    replied = True
                    if msg["content"].get("status") == "error":
                        raise RuntimeError(f"cell {code!r} failed: {msg['content'].get('evalue')}")
            except Exception as e:  # queue.Empty
                if not type(e).__name__ == "Empty":
                    raise
        try:
            msg = kc.get_iopub_msg(timeout=0.0 if not replied else min(max(left, 0.001), 0.05))
        except Exception as e:
            if type(e).__name__ != "Empty":
                raise
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_result":
            result = msg["content"]
        elif msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            idle = True
    return result


def start(name: str) -> tuple[Any, Any]:
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    return km, kc


def stop(km: Any, kc: Any) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def kernel_pid(km: Any) -> int:
    prov = getattr(km, "provisioner", None)
    proc = getattr(prov, "process", None) if prov is not None else getattr(km, "kernel", None)
    if proc is None or getattr(proc, "pid", None) is None:
        raise RuntimeError("cannot find the kernel's pid through jupyter_client")
    return int(proc.pid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--argv", help="kernel argv as JSON, with {connection_file}")
    ap.add_argument("--kernel", help="an installed kernelspec name instead of --argv")
    ap.add_argument("--cwd", default=os.getcwd())
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--cells", type=int, default=200)
    ap.add_argument("--expr-cells", type=int, default=30, help="cells `1` timed after the empty ones")
    ap.add_argument("--start-budget", type=float, default=20.0, help="no new start after this many seconds")
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()
    out: dict[str, Any] = {"error": None}
    try:
        if a.argv:
            tmp = tempfile.mkdtemp(prefix="seed-bench-kernelspec-")
            spec_dir = Path(tmp) / "kernels" / SPEC_NAME
            spec_dir.mkdir(parents=True)
            spec = {"argv": json.loads(a.argv), "display_name": "SEED bench", "language": "typescript"}
            (spec_dir / "kernel.json").write_text(json.dumps(spec))
            os.environ["JUPYTER_PATH"] = tmp + os.pathsep + os.environ.get("JUPYTER_PATH", "")
            name = SPEC_NAME
        elif a.kernel:
            name = a.kernel
        else:
            raise SystemExit("give --argv or --kernel")
        os.chdir(a.cwd)
        firsts: list[float] = []
        budget_start = now_ms()
        for i in range(a.starts):
            if i > 0 and now_ms() - budget_start > a.start_budget * 1000:
                break
            t0 = now_ms()
            km, kc = start(name)
            try:
                kc.wait_for_ready(timeout=a.timeout)
                res = run_cell(kc, "1 + 1", a.timeout)
                firsts.append(now_ms() - t0)
                if res is None or "2" not in json.dumps(res.get("data", {})):
                    raise RuntimeError(f"`1 + 1` gave {res!r}, expected an execute_result showing 2")
            finally:
                stop(km, kc)
        out["start_to_first_result_ms"] = firsts
        km, kc = start(name)
        try:
            kc.wait_for_ready(timeout=a.timeout)
            pid = kernel_pid(km)
            run_cell(kc, "1 + 1", a.timeout)  # warm-up
            times = []
            for i in range(a.cells):
                t0 = now_ms()
                run_cell(kc, "", a.timeout)
                times.append(now_ms() - t0)
                if i + 1 == 10:
                    out["rss_after_10"] = status_bytes(pid, "VmRSS")
            out["empty_cell_ms"] = times
            out["rss_after_n"] = status_bytes(pid, "VmRSS")
            out["n_cells"] = a.cells
            out["peak_rss"] = status_bytes(pid, "VmHWM")
            expr = []
            for _ in range(a.expr_cells):
                t0 = now_ms()
                run_cell(kc, "1", a.timeout)
                expr.append(now_ms() - t0)
            out["expr_cell_ms"] = expr
        finally:
            stop(km, kc)
    except Exception as e:  # reported, not swallowed: the TypeScript side prints it in the table
        out["error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(out))
    sys.exit(0)


if __name__ == "__main__":
    main()
