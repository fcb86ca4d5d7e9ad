"""Drives the SEED kernel through a REAL Jupyter client (Debian's jupyter_client) and prints what it observed as one
JSON object on stdout; tests/integration/jupyter-kernel.test.ts asserts on it. Run with /usr/bin/python3 and
JUPYTER_PATH pointing at a folder holding our kernelspec ("seed").

usage: jupyter_driver.py protocol | controls | soak N | soak_varied N [busy]
"""

import json
import os
import signal
import sys
import time

from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

TIMEOUT = 60
CELLS = os.path.join(os.path.dirname(__file__), "..", "fixtures", "notebooks", "cells")


def collect(kc, msg_id, timeout=TIMEOUT):
    """iopub messages of one request until its idle status, then its shell reply."""
    outs = []
    deadline = time.time() + timeout
    while True:
        m = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        # A comm message's own metadata carries the widget protocol version.
        comm = {"metadata": m["metadata"]} if m["msg_type"].startswith("comm_") else {}
        outs.append({"type": m["msg_type"], "content": m["content"], **comm})
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    return outs


def reply_for(kc, msg_id, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while True:
        m = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if m["parent_header"].get("msg_id") == msg_id:
            return m


def run(kc, code, **kw):
    msg_id = kc.execute(code, **kw)
    outs = collect(kc, msg_id)
    rep = reply_for(kc, msg_id)
    return {"reply": rep["content"], "outputs": outs}


def timed(kc, msg_id, after_idle=0.0, timeout=TIMEOUT):
    """Every iopub message of one request with its arrival and send times (s since the call), display id and text/plain, until
    its idle status, then `after_idle` seconds more (late messages); and when the shell reply arrived."""
    t0 = time.time()
    outs = []
    deadline = t0 + timeout
    idle_at = None
    while True:
        wait = deadline - time.time() if idle_at is None else idle_at + after_idle - time.time()
        if wait <= 0:
            break
        try:
            m = kc.get_iopub_msg(timeout=max(0.05, wait))
        except Exception:
            if idle_at is not None:
                break
            raise
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        c = m["content"]
        date = m["header"].get("date")
        outs.append(
            {
                "t": time.time() - t0,
                # when the kernel sent it (its header's date): spacing the client's load cannot bunch up
                "sent": date.timestamp() - t0 if hasattr(date, "timestamp") else None,
                "type": m["msg_type"],
                "state": c.get("execution_state"),
                "display_id": (c.get("transient") or {}).get("display_id"),
                "text": (c.get("data") or {}).get("text/plain"),
            }
        )
        if m["msg_type"] == "status" and c["execution_state"] == "idle" and idle_at is None:
            idle_at = time.time()
    rep = reply_for(kc, msg_id)
    return {"outputs": outs, "reply": rep["content"]}


def live_views(kc, km):
    """Live displays over the wire: a 999-step live decode, a streaming generation, an interrupted live decode loop."""
    obs = {}
    obs["live_decode"] = timed(kc, kc.execute("await seed.decode(tk, { steps: 999, live: true });\n1"))
    obs["live_generate"] = timed(
        kc, kc.execute('await seed.generate("a", { maxTokens: 40, seed: 3, temperature: 1.5 });\n1')
    )
    msg_id = kc.execute("for (let i = 0; i < 1e6; i++) await seed.decode(tk, { steps: 999, live: true });")
    time.sleep(1.2)
    km.interrupt_kernel()
    obs["live_interrupted"] = timed(kc, msg_id, after_idle=1.5)
    return obs


def drain(kc, wait=1.0):
    """Every iopub message that arrives within `wait` seconds (late outputs of finished cells, kernel-level ones)."""
    time.sleep(wait)
    msgs = []
    while True:
        try:
            m = kc.get_iopub_msg(timeout=0.3)
        except Exception:
            return msgs
        msgs.append({"type": m["msg_type"], "parent": m["parent_header"].get("msg_id"), "content": m["content"]})


def stray_errors(km, kc):
    """Errors outside the running cell's own flow, and process.exit: each is reported and `n` (41 + 1) survives."""
    obs = {}
    for name, code in [
        ("rejection", 'Promise.reject(new Error("unawaited")); 1'),
        (
            "timer_throw",
            'setTimeout(() => { throw new Error("in a timer"); }, 10);\n'
            "await new Promise((r) => setTimeout(r, 60000));",
        ),
        ("exit0", "process.exit(0)"),
        ("exit1", "process.exit(1)"),
    ]:
        obs[name] = {"cell": run(kc, code), "after": run(kc, "n")}
    for name, code in [
        ("late_rejection", 'setTimeout(() => Promise.reject(new Error("after the cell")), 300);\n"started"'),
        ("late_exit", "setTimeout(() => process.exit(1), 300);\n1"),
    ]:
        msg_id = kc.execute(code)
        collect(kc, msg_id)
        reply = reply_for(kc, msg_id)["content"]
        late = [m for m in drain(kc) if m["parent"] == msg_id]
        obs[name] = {"reply": reply, "late": late, "after": run(kc, "n")}
    # A listener on a signal the kernel itself listens to runs outside any cell: its error is a kernel-level stream.
    # (It is called before the kernel's own SIGTERM listener and throws, so the kernel does not shut down.)
    run(kc, 'process.prependOnceListener("SIGTERM", () => { throw new Error("no cell owns this"); });\n1')
    os.kill(kernel_pid(kc), signal.SIGTERM)
    obs["no_owner"] = {"kernel_level": [m for m in drain(kc) if m["parent"] is None], "after": run(kc, "n")}
    return obs


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    try:
        with open(f"/proc/{pid}/status") as f:
            return "zombie" not in f.read().lower()
    except FileNotFoundError:
        return False


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def kernel_pid(kc):
    r = run(kc, "process.pid")
    return int(next(o for o in r["outputs"] if o["type"] == "execute_result")["content"]["data"]["text/plain"])


def frontend_comm_msg(kc, comm_id, data):
    """Sends a comm_msg as a widget frontend does; returns its msg_id."""
    msg = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def watch(kc, until, timeout=TIMEOUT):
    """Every iopub message (any parent) with its arrival time (s since the call) until `until(message)` is true."""
    t0 = time.time()
    seen = []
    while time.time() - t0 < timeout:
        try:
            m = kc.get_iopub_msg(timeout=0.5)
        except Exception:
            continue
        c = m["content"]
        entry = {
            "type": m["msg_type"],
            "t": time.time() - t0,
            "parent": m["parent_header"].get("msg_id"),
            "display_id": c.get("transient", {}).get("display_id"),
            "text": c.get("data", {}).get("text/plain") if isinstance(c.get("data"), dict) else None,
            "comm_id": c.get("comm_id"),
            "data": c.get("data") if m["msg_type"].startswith("comm_") else None,
        }
        seen.append(entry)
        if until(entry):
            break
    return seen


def controls():
    """Live controls as Jupyter widgets: the cell opens widget comms and displays the box; a slider update from the
    frontend re-runs the view (update_display_data while it runs, then the finished view); request_state, a refused
    value, comm_info and the cell-side values afterwards."""
    obs = {}
    km, kc = start_new_kernel(kernel_name="seed", startup_timeout=120)
    try:
        obs["open"] = run(
            kc,
            'const tk = await seed.tokenize(await seed.image(process.env.SEED_SOAK_IMAGE ?? ""));\n'
            'const v = await seed.controls.decode(tk, { steps: 6, seed: 0 }, { name: "tk" });\nv.values.seed',
        )
        opens = [o["content"] for o in obs["open"]["outputs"] if o["type"] == "comm_open"]
        slider = next(c["comm_id"] for c in opens if "seed-control-seed" in c["data"]["state"].get("_dom_classes", []))
        obs["info"] = reply_for(kc, kc.comm_info(target_name="jupyter.widget"))["content"]
        drain(kc, 0.5)
        sent = frontend_comm_msg(kc, slider, {"method": "update", "state": {"value": 3}, "buffer_paths": []})
        obs["change"] = {
            "msg_id": sent,
            "seen": watch(
                kc,
                lambda e: (
                    e["type"] == "update_display_data"
                    and (e["text"] or "").split("\n")[0].endswith("seed 3 · prefix k 4")
                ),
            ),
        }
        obs["after_change"] = watch(kc, lambda e: e["type"] == "comm_msg", timeout=3)
        asked = frontend_comm_msg(kc, slider, {"method": "request_state"})
        obs["request_state"] = {"msg_id": asked, "seen": watch(kc, lambda e: e["type"] == "comm_msg")}
        bad = frontend_comm_msg(kc, slider, {"method": "update", "state": {"value": 100000}, "buffer_paths": []})
        obs["refused"] = {"msg_id": bad, "seen": watch(kc, lambda e: e["type"] == "comm_msg")}
        obs["values_after"] = run(kc, "JSON.stringify(v.values) + ' ' + v.code")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return obs


def protocol():
    obs = {}
    km, kc = start_new_kernel(kernel_name="seed", startup_timeout=120)
    try:
        obs["first"] = run(kc, 'const greeting: string = "hi";\nlet n = 41;\nconsole.log(greeting);\nn + 1')
        obs["second"] = run(kc, "n += 1;\nn")
        obs["png"] = run(kc, open(os.path.join(CELLS, "png.ts")).read())
        obs["error"] = run(kc, 'throw new RangeError("bad value " + n)')
        obs["type_error"] = run(kc, "const s: string = 5;")

        # stop_on_error: the two requests queued behind the failing one are aborted; no timed window afterwards.
        ids = [
            kc.execute('await new Promise((r) => setTimeout(r, 300)); throw new Error("first fails")'),
            kc.execute("n + 100"),
            kc.execute("n + 200"),
        ]
        obs["stop_on_error"] = [reply_for(kc, i)["content"] for i in ids]
        obs["after_abort"] = run(kc, "n")
        ids = [kc.execute('throw new Error("tolerated")', stop_on_error=False), kc.execute("n + 1")]
        obs["no_stop_on_error"] = [reply_for(kc, i)["content"] for i in ids]

        # A message signed with another key is dropped; the kernel still answers good ones.
        bad = Session(key=b"not-the-right-key", session=kc.session.session)
        bad_msg = bad.msg(
            "execute_request",
            {
                "code": "n = 999",
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
        )
        bad.send(kc.shell_channel.socket, bad_msg)
        try:
            reply_for(kc, bad_msg["header"]["msg_id"], timeout=1.5)
            obs["bad_signature_answered"] = True
        except Exception:
            obs["bad_signature_answered"] = False
        obs["after_bad_signature"] = run(kc, "n")

        # interrupt_request (interrupt_mode "message") during a synchronous busy loop and during a long await.
        for name, code in [
            ("busy_loop", "let k = 0;\nwhile (true) { k++; }"),
            ("await", "await new Promise((r) => setTimeout(r, 60000));"),
        ]:
            msg_id = kc.execute(code)
            time.sleep(1.0)
            t0 = time.time()
            km.interrupt_kernel()
            rep = reply_for(kc, msg_id, timeout=10)
            obs[f"interrupt_{name}"] = {"seconds": time.time() - t0, "reply": rep["content"]}
            collect(kc, msg_id)
        obs["after_interrupt"] = run(kc, "n")
        obs["stray"] = stray_errors(km, kc)

        # Interrupt an awaited seed call: the AbortSignal reaches the model worker, which stops at its next step.
        obs["seed_tokenize"] = run(
            kc, 'const tk = await seed.tokenize(await seed.image(process.env.SEED_SOAK_IMAGE ?? ""));\ntk.length'
        )
        # The loop runs until interrupted, however fast the machine (100 decodes of the tiny model once took under
        # 1.5 s on a quiet machine and the interrupt hit the next cell); after the interrupt its abandoned
        # continuation must stop at its next seed call.
        msg_id = kc.execute("for (let i = 0; i < 1e6; i++) await seed.decode(tk, { steps: 500 });")
        time.sleep(1.5)
        t0 = time.time()
        km.interrupt_kernel()
        rep = reply_for(kc, msg_id, timeout=10)
        obs["interrupt_seed"] = {"seconds": time.time() - t0, "reply": rep["content"]}
        collect(kc, msg_id)
        obs["after_seed_interrupt"] = run(kc, "(await seed.decode(tk, { steps: 2 })).steps")
        obs.update(live_views(kc, km))

        msg_id = kc.complete("greet", 5)
        obs["complete"] = reply_for(kc, msg_id)["content"]
        msg_id = kc.inspect("greeting", 3)
        obs["inspect"] = reply_for(kc, msg_id)["content"]
        msg_id = kc.is_complete("function f() {")
        obs["is_complete"] = reply_for(kc, msg_id)["content"]
        msg_id = kc.complete("seed.tok", 8)
        obs["complete_seed"] = reply_for(kc, msg_id)["content"]
        msg_id = kc.inspect("nosuchname", 3)
        obs["inspect_unknown"] = reply_for(kc, msg_id)["content"]
        obs["is_complete_more"] = {
            code: reply_for(kc, kc.is_complete(code))["content"] for code in [")", "x = 1;", "[1, 2)"]
        }
        msg_id = kc.comm_info()
        m = reply_for(kc, msg_id)
        obs["comm_info"] = {"msg_type": m["msg_type"], "content": m["content"]}

        # Restart: a new process with fresh state, the old one gone.
        old_pid = kernel_pid(kc)
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=120)
        new_pid = kernel_pid(kc)
        obs["restart"] = {
            "old_pid": old_pid,
            "new_pid": new_pid,
            "old_alive": pid_alive(old_pid),
            "fresh": run(kc, "typeof n"),
        }
    finally:
        pid = None
        try:
            pid = kernel_pid(kc)
        except Exception:
            pass
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        time.sleep(0.5)
        obs["shutdown"] = {"pid": pid, "alive": pid_alive(pid) if pid else None}
    return obs


def soak(n):
    km, kc = start_new_kernel(kernel_name="seed", startup_timeout=120)
    try:
        pid = kernel_pid(kc)
        code = open(os.path.join(CELLS, "soak.ts")).read()
        run(kc, code.split("//--- repeat\n")[0])
        repeat = code.split("//--- repeat\n")[1]
        samples = []
        failures = []
        for i in range(n):
            r = run(kc, repeat)
            if r["reply"]["status"] != "ok":
                failures.append(r["reply"])
            if (i + 1) % 20 == 0 or i == n - 1:
                # The kernel collects garbage after 1 s idle (kernel/session/idle-gc.ts): measure retained memory,
                # not how far V8 let garbage pile up between collections.
                # The lowest of three readings 2-3 s after the cell: on a loaded machine the collection can land
                # late, and one reading taken before it would look like growth that is only uncollected garbage.
                time.sleep(2.0)
                readings = []
                for _ in range(3):
                    readings.append(rss_kb(pid))
                    time.sleep(0.5)
                samples.append(min(readings))
        return {
            "pid": pid,
            "rss_after_20_kb": samples[0],
            "rss_end_kb": samples[-1],
            "rss_every_20_kb": samples,
            "failures": failures[:3],
            "failed": len(failures),
            "cells": n,
        }
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def varied_cell(i):
    """A different small cell each time: new names, functions, types, strings and expressions, as a notebook grows."""
    kind = i % 6
    if kind == 0:
        return f"const v{i} = {i} * 2;\nv{i} + 1"
    if kind == 1:
        return f"function f{i}(x: number): number {{ return x + {i}; }}\nf{i}({i})"
    if kind == 2:
        return f'let s{i}: string = "cell {i} ".repeat({i % 5 + 1});\nconsole.log(s{i}.trim());\ns{i}.length'
    if kind == 3:
        return f"[{i}, {i + 1}, {i + 2}].map((x) => x * {i % 7}).filter((x) => x % 2 === 0).length"
    if kind == 4:
        return f"interface P{i} {{ a: number; b: string }}\nconst p{i}: P{i} = {{ a: {i}, b: 'x{i}' }};\np{i}"
    return f"class C{i} {{ constructor(readonly n = {i}) {{}} twice() {{ return this.n * 2; }} }}\nnew C{i}().twice()"


def soak_varied(n, settle=True):
    """n different cells; RSS sampled every n/10 cells, like soak() once the kernel has collected garbage (settle), or
    at once (the kernel busy all along, as in "Run All")."""
    km, kc = start_new_kernel(kernel_name="seed", startup_timeout=120)
    try:
        pid = kernel_pid(kc)
        every = max(1, n // 10)
        samples, failures = [], []
        for i in range(n):
            r = run(kc, varied_cell(i))
            if r["reply"]["status"] != "ok":
                failures.append(r["reply"])
            if (i + 1) % every == 0:
                if not settle:
                    samples.append(rss_kb(pid))
                    continue
                time.sleep(2.0)
                readings = []
                for _ in range(3):
                    readings.append(rss_kb(pid))
                    time.sleep(0.5)
                samples.append(min(readings))
        return {
            "pid": pid,
            "rss_samples_kb": samples,
            "every": every,
            "failures": failures[:3],
            "failed": len(failures),
            "cells": n,
        }
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "protocol"
    result = (
        protocol()
        if mode == "protocol"
        else controls()
        if mode == "controls"
        else soak_varied(int(sys.argv[2]), settle="busy" not in sys.argv[3:])
        if mode == "soak_varied"
        else soak(int(sys.argv[2]))
    )
    print(json.dumps(result))
