// Entry of the Jupyter kernel's ZeroMQ worker thread (bundled on its own to dist/jupyter-zmq.js). A separate, small
// bundle: the thread needs zeromq and the wire codec only, and loading the whole kernel bundle here (TypeScript,
// tslab, onnxruntime, sharp) cost the kernel's start about a second of CPU next to the converter's own start.

import { parentPort, workerData } from "node:worker_threads";
import type { ZmqWorkerInit } from "./zmq-worker";
import { runZmqWorker, ZMQ_WORKER_ROLE } from "./zmq-worker";

const init = workerData as Partial<ZmqWorkerInit> | undefined;
if (!parentPort || init?.role !== ZMQ_WORKER_ROLE)
  throw new Error("jupyter-zmq: run only as the Jupyter kernel's worker thread");
void runZmqWorker(parentPort, init as ZmqWorkerInit);
