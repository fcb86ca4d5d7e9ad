// The ZeroMQ side of the Jupyter kernel, run on its own worker thread so that it keeps working while a cell blocks
// the main thread: it binds the five sockets named in the connection file, answers heartbeats, verifies every
// request's HMAC-SHA256 signature (a bad one is dropped and logged to stderr), forwards good requests to the main
// thread, and signs and sends what the main thread posts back. An interrupt_request on the control channel also
// raises SIGINT in this process, which stops a synchronous loop in a cell (vm breakOnSigint) even though the main
// thread cannot read messages until it ends.

import { writeSync } from "node:fs";
import type { MessagePort } from "node:worker_threads";
import * as zmq from "zeromq";
import type { Channel, ConnectionInfo } from "./connection";
import { channelAddress } from "./connection";
import type { JupyterMessage } from "./wire";
import { decode, encode } from "./wire";

export const ZMQ_WORKER_ROLE = "seed-jupyter-zmq";

export interface ZmqWorkerInit {
  role: typeof ZMQ_WORKER_ROLE;
  connection: ConnectionInfo;
}

/** main -> worker */
export type ToZmq =
  | { kind: "send"; channel: "shell" | "control" | "iopub"; message: JupyterMessage }
  | { kind: "close" };
/** worker -> main */
export type FromZmq =
  | { kind: "ready" }
  | { kind: "request"; channel: "shell" | "control"; message: JupyterMessage }
  | { kind: "closed" };

function log(text: string): void {
  writeSync(2, `[seed-kernel zmq] ${text}\n`);
}

/** Serialises sends on one socket (a zeromq socket rejects a send while another is in flight). */
function sender(socket: zmq.Socket & { send(frames: Uint8Array[]): Promise<void> }): {
  send(frames: Uint8Array[]): void;
  idle(): Promise<void>;
} {
  let chain: Promise<void> = Promise.resolve();
  return {
    send(frames) {
      chain = chain
        .then(() => socket.send(frames))
        .catch((e: unknown) => log(`send failed: ${e instanceof Error ? e.message : String(e)}`));
    },
    idle: () => chain,
  };
}

export async function runZmqWorker(port: MessagePort, init: ZmqWorkerInit): Promise<void> {
  const info = init.connection;
  const shell = new zmq.Router();
  const control = new zmq.Router();
  const stdin = new zmq.Router();
  const iopub = new zmq.Publisher();
  const hb = new zmq.Reply();
  const sockets: Record<Exclude<Channel, never>, zmq.Socket> = { shell, control, stdin, iopub, hb };
  for (const [name, socket] of Object.entries(sockets)) {
    socket.linger = 0;
    await socket.bind(channelAddress(info, name as Channel));
  }
  const send = { shell: sender(shell), control: sender(control), iopub: sender(iopub) };

  const receive = async (channel: "shell" | "control", socket: zmq.Router): Promise<void> => {
    for await (const frames of socket) {
      const decoded = decode(frames, info.key);
      if (!decoded.ok) {
        log(`dropped a message on ${channel}: ${decoded.reason}`);
        continue;
      }
      if (channel === "control" && decoded.message.header.msg_type === "interrupt_request")
        process.kill(process.pid, "SIGINT");
      port.postMessage({ kind: "request", channel, message: decoded.message } satisfies FromZmq);
    }
  };
  const heartbeat = async (): Promise<void> => {
    for await (const frames of hb) await hb.send(frames);
  };
  const loops = [receive("shell", shell), receive("control", control), heartbeat()].map((p) =>
    p.catch((e: unknown) => {
      // Closing the sockets ends the loops with an error; anything else is worth a line in the log.
      if (!(e instanceof Error && /closed|ETERM|EAGAIN/i.test(`${(e as { code?: string }).code ?? ""} ${e.message}`)))
        log(String(e));
    }),
  );

  port.on("message", (m: ToZmq) => {
    if (m.kind === "send") {
      send[m.channel].send(encode(m.message, info.key));
      return;
    }
    void (async () => {
      // Let queued replies (the shutdown_reply) leave before closing.
      await Promise.all(Object.values(send).map((s) => s.idle()));
      for (const socket of Object.values(sockets)) socket.close();
      await Promise.allSettled(loops);
      port.postMessage({ kind: "closed" } satisfies FromZmq);
    })();
  });
  port.postMessage({ kind: "ready" } satisfies FromZmq);
}
