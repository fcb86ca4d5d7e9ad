// The kernel process entry (bundled to dist/kernel.js):
//   node dist/kernel.js --rpc [options]                   LSP + seed/* JSON-RPC over stdio (the VS Code extension)
//   node dist/kernel.js --jupyter CONNECTION_FILE [options] Jupyter wire protocol 5.3 on ZeroMQ
//   node dist/kernel.js --ipc [options]                   cells over Node's IPC channel (the headless runner's child)
// options: [--model DIR] [--execution-provider auto|cpu|cuda|webgpu] [--threads N] [--cwd DIR]
// The Jupyter ZeroMQ worker thread runs its own small bundle, dist/jupyter-zmq.js (kernel/jupyter/zmq-worker-main.ts).

import { writeSync } from "node:fs";
import { join } from "node:path";
import { serveJupyter } from "./jupyter/server";
import { serveRpc } from "./rpc/server";
import { serveIpc } from "./runner/ipc-kernel";
import { exposeGc } from "./session/idle-gc";
import { modelLoader, parseCommandLine } from "./session/kernel-options";
import { KernelSession } from "./session/kernel-session";

const USAGE =
  "usage: kernel.js (--rpc | --jupyter CONNECTION_FILE | --ipc) [--model DIR] [--execution-provider auto|cpu|cuda|webgpu] [--threads N] [--cwd DIR]";

function fail(message: string): never {
  writeSync(2, `seed kernel: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const MODES = { rpc: { type: "boolean" }, jupyter: { type: "string" }, ipc: { type: "boolean" } } as const;

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseCommandLine<typeof MODES>>;
  try {
    parsed = parseCommandLine(argv, MODES);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const { values, kernel: options } = parsed;
  const modes = (["rpc", "jupyter", "ipc"] as const).filter((m) => values[m] !== undefined);
  if (modes.length !== 1)
    fail(modes.length === 0 ? "no mode given" : `choose one mode, got ${modes.map((m) => `--${m}`).join(" and ")}`);
  // tslab's converter takes its type roots from the cwd at creation, and cells resolve relative paths against it.
  process.chdir(options.cwd);
  // The RPC server tells the extension when the model has loaded (status bar: model and execution provider).
  const onModelLoaded = { notify: (): void => undefined };
  const session = new KernelSession({
    cwd: options.cwd,
    loadModel: modelLoader(options),
    onIdle: exposeGc(),
    onModelLoaded: () => onModelLoaded.notify(),
  });
  if (values.jupyter !== undefined) {
    const file = values.jupyter;
    // Bundled: dist/kernel.js next to dist/jupyter-zmq.js; from source (tsx): kernel/main.ts.
    const zmqScript = __filename.endsWith(".ts")
      ? join(__dirname, "jupyter", "zmq-worker-main.ts")
      : join(__dirname, "jupyter-zmq.js");
    await serveJupyter(file, session, zmqScript);
    process.exit(0);
  } else if (values.ipc) {
    await serveIpc(session);
  } else {
    const rpc = await serveRpc(session);
    onModelLoaded.notify = rpc.statusChanged;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e)));
