// The Jupyter kernel's main-thread side: starts the ZeroMQ worker (kernel/jupyter/zmq-worker.ts) on the same script
// file, hands verified requests to the JupyterHandler and posts its messages back for signing and sending.
// SIGINT (interrupt_mode "signal", or raised by the worker for interrupt_request) interrupts the session. Errors that
// escape cells are reported to their cell, else as a kernel-level stderr stream on iopub (no parent header).

import { randomUUID } from "node:crypto";
import { writeSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { KernelSession } from "../session/kernel-session";
import { readConnectionFile } from "./connection";
import type { KernelIO } from "./handler";
import { JupyterHandler } from "./handler";
import { WidgetComms } from "./widgets";
import type { JupyterMessage } from "./wire";
import { newHeader } from "./wire";
import type { FromZmq, ToZmq, ZmqWorkerInit } from "./zmq-worker";
import { ZMQ_WORKER_ROLE } from "./zmq-worker";

function log(text: string): void {
  writeSync(2, `[seed-kernel] ${text}\n`);
}

/** Serves the Jupyter protocol for `session` until a shutdown_request; `zmqScript` is the worker thread's entry (dist/jupyter-zmq.js, or kernel/jupyter/zmq-worker-main.ts under tsx). */
export async function serveJupyter(connectionFile: string, session: KernelSession, zmqScript: string): Promise<void> {
  const connection = readConnectionFile(connectionFile);
  const init: ZmqWorkerInit = { role: ZMQ_WORKER_ROLE, connection };
  const worker = new Worker(zmqScript, {
    workerData: init,
    execArgv: zmqScript.endsWith(".ts") ? ["--import", "tsx"] : [],
  });
  const kernelSession = randomUUID();
  const post = (m: ToZmq): void => worker.postMessage(m);

  const io: KernelIO = {
    send(channel, msgType, content, parent, metadata) {
      const message: JupyterMessage = {
        identities: channel === "iopub" ? [Buffer.from(`kernel.${kernelSession}.${msgType}`)] : parent.identities,
        header: newHeader(msgType, kernelSession),
        parent_header: parent.header,
        metadata: metadata ?? {},
        content,
        buffers: [],
      };
      post({ kind: "send", channel, message });
    },
  };

  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  let shuttingDown = false;
  const shutdown = (reason: string): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`shutting down (${reason})`);
    void session.close().finally(() => post({ kind: "close" }));
    // If the worker does not confirm, leave anyway: a kernel must never outlive its shutdown.
    setTimeout(() => finished(), 2000).unref();
  };
  const guard = session.guardProcess({
    kernelLevel: (text) => {
      log(text.trimEnd());
      const message: JupyterMessage = {
        identities: [Buffer.from(`kernel.${kernelSession}.stream`)],
        header: newHeader("stream", kernelSession),
        parent_header: {},
        metadata: {},
        content: { name: "stderr", text },
        buffers: [],
      };
      post({ kind: "send", channel: "iopub", message });
    },
  });
  // Views with controls show their sliders as Jupyter widgets (comms on iopub, under the request they belong to).
  const widgets: WidgetComms = new WidgetComms(
    session.controls,
    (msgType, content, parent, metadata) => io.send("iopub", msgType, content, parent, metadata),
    () => handler.currentParent(),
    log,
  );
  const handler = new JupyterHandler(
    session,
    io,
    {
      shutdown: (restart) => shutdown(restart ? "restart requested" : "shutdown requested"),
      log,
    },
    widgets,
  );
  session.controls.addFrontend(widgets);

  worker.on("message", (m: FromZmq) => {
    if (m.kind === "request") void handler.handle(m.channel, m.message);
    else if (m.kind === "closed") finished();
    else if (m.kind === "ready")
      log(`listening (${connection.transport}://${connection.ip}, shell ${connection.shell_port})`);
  });
  // Pay the converter's start-up cost (seconds: TypeScript parses its lib and @types/node) now, while the worker
  // thread loads and binds its sockets on the other core, rather than after it or in the first cell.
  setImmediate(() => void session.start().catch((e: unknown) => log(`session start failed: ${String(e)}`)));
  worker.on("error", (e) => {
    log(`zmq worker failed: ${e.stack ?? e.message}`);
    finished();
  });
  worker.on("exit", () => finished());

  process.on("SIGINT", () => {
    const r = session.interrupt();
    log(`interrupt: running cell ${r.interrupted ? "stopped" : "none"}, ${r.droppedQueued} queued dropped`);
  });
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  // The launching client died without a shutdown_request: do not linger as an orphan.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown("parent process exited");
  }, 2000).unref();

  await done;
  guard.dispose();
  await worker.terminate();
}
