// The kernel side of the headless runner's child process (`node dist/kernel.js --ipc`): runs the cells it is sent
// on a KernelSession and sends their outputs and results back over Node's IPC channel (ipc-protocol.ts). Errors that
// escape a finished cell come back as that cell's error output, so the runner can fail on them. SIGINT interrupts the
// running cell (synchronous loops too); the runner disconnecting ends the process.

import type { KernelSession, OutputSink } from "../session/kernel-session";
import type { FromKernel, ToKernel } from "./ipc-protocol";

/** Serves `session` to the parent process until it disconnects. */
export async function serveIpc(session: KernelSession): Promise<void> {
  const parent = process.send?.bind(process);
  if (!parent)
    throw new Error("--ipc needs an IPC channel to its parent: it is started by `seed-notebook run`, not by hand");
  const send = (m: FromKernel): void => {
    if (process.connected) parent(m);
  };
  session.guardProcess({ kernelLevel: (text) => send({ kind: "kernelStream", text }), lateErrorsAs: "error" });
  process.on("SIGINT", () => session.interrupt());
  process.on("message", (m: ToKernel) => {
    if (m.kind !== "execute") return;
    const sink: OutputSink = { emit: (output) => send({ kind: "output", id: m.id, output }) };
    void session.execute(m.code, sink).then((result) => send({ kind: "result", id: m.id, result }));
  });
  process.on("disconnect", () => void session.close().finally(() => process.exit(0)));
  await session.start();
  send({ kind: "ready" });
}
