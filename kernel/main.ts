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
import { modelLoader, takeKernelOptions } from "./session/kernel-options";
import { KernelSession } from "./session/kernel-session";

const USAGE =
  "usage: kernel.js (--rpc | --jupyter CONNECTION_FILE | --ipc) [--model DIR] [--execution-provider auto|cpu|cuda|webgpu] [--threads N] [--cwd DIR]";

function fail(message: string): never {
  writeSync(2, `seed kernel: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  let options;
  try {
    options = takeKernelOptions(args);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
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
  const mode = args[0];
  if (mode === "--jupyter") {
    const file = args[1];
    if (!file) fail("--jupyter needs the connection file path");
    // Bundled: dist/kernel.js next to dist/jupyter-zmq.js; from source (tsx): kernel/main.ts.
    const zmqScript = __filename.endsWith(".ts")
      ? join(__dirname, "jupyter", "zmq-worker-main.ts")
      : join(__dirname, "jupyter-zmq.js");
    await serveJupyter(file, session, zmqScript);
    process.exit(0);
  } else if (mode === "--ipc") {
    await serveIpc(session);
  } else if (mode === "--rpc") {
    const rpc = await serveRpc(session);
    onModelLoaded.notify = rpc.statusChanged;
  } else {
    fail(mode === undefined ? "no mode given" : `unknown argument "${mode}"`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e)));
