// A real llama.cpp llama-server serving SEED-mini's language model, for tests of the remote language-model path.
//
//   const gguf = seedMiniGguf();                       // builds the GGUF with the Python exporter when missing
//   const server = await startLlamaServer({ model: gguf });
//   const chunks = await streamCompletion(server.url, { prompt: ids, max_tokens: 8, temperature: 0, logprobs: 5 });
//   await server.stop();
//
// The binary: $SEED_LLAMA_SERVER, else .tools/llama-server/llama-server (scripts/install-llama-server.sh). Missing, it
// is an error that says how to install it, not a skip. The GGUF is cached per content of the package's LM files and
// of the exporter's sources: $XDG_CACHE_HOME/seed-notebook/serving/<hash>/seed-mini-lm.gguf (and hf/, the Hugging
// Face folder; XDG_CACHE_HOME defaults to ~/.cache).
// Python for the exporter: $SEED_EXPORT_PYTHON, else .venv/bin/python (scripts/setup-python.sh).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const SEED_MINI_DIR = join(ROOT, "model", "seed-mini");
const EXPORTER_SOURCES = [
  ...["export_serving.py", "serving_formats.py", "model.py"].map((f) => join(ROOT, "model", "train", "lm", f)),
  join(ROOT, "model", "train", "package_weights.py"),
];

/** Path of the llama-server binary; throws with the install command when it is not there. */
export function llamaServerBinary(): string {
  const bin = process.env.SEED_LLAMA_SERVER ?? join(ROOT, ".tools", "llama-server", "llama-server");
  if (!existsSync(bin)) {
    throw new Error(
      `llama-server not found at ${bin}: run \`bash scripts/install-llama-server.sh\` (builds it into .tools/llama-server/) or set SEED_LLAMA_SERVER`,
    );
  }
  return bin;
}

function exporterPython(): string {
  const p = [process.env.SEED_EXPORT_PYTHON, join(ROOT, ".venv", "bin", "python")].find((x) => !!x && existsSync(x));
  if (!p) throw new Error("no Python for the exporter: set SEED_EXPORT_PYTHON or run `bash scripts/setup-python.sh`");
  return p;
}

/** The serving-format export of a package (default SEED-mini): {dir, gguf, hf}, built into the cache when missing. */
export function servingExport(pkg: string = SEED_MINI_DIR): { dir: string; gguf: string; hf: string } {
  const h = createHash("sha256");
  for (const f of [
    ...["seed.json", "language_model.onnx", "tokenizer.json", "tokenizer_config.json"].map((n) => join(pkg, n)),
    ...EXPORTER_SOURCES,
  ])
    h.update(readFileSync(f));
  const base = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "seed-notebook", "serving");
  const dir = join(base, h.digest("hex").slice(0, 16));
  const out = { dir, gguf: join(dir, "seed-mini-lm.gguf"), hf: join(dir, "hf") };
  if (existsSync(out.gguf) && existsSync(join(out.hf, "model.safetensors"))) return out;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const python = exporterPython();
  const r = spawnSync(python, ["-m", "model.train.lm.export_serving", "--package", pkg, "--out", tmp], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: ROOT },
  });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `${python} -m model.train.lm.export_serving failed (exit ${r.status}):\n${(r.stdout + r.stderr).split("\n").slice(-20).join("\n")}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return out;
}

/** SEED-mini's LM as GGUF (see servingExport). */
export function seedMiniGguf(): string {
  return servingExport().gguf;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface LlamaServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (the OpenAI API is under /v1). */
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** The server's recent stdout + stderr (the last 200 lines). */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s) and resolves when the process has exited. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** GGUF file; default SEED-mini's (seedMiniGguf()). */
  model?: string;
  /**
   * Decoding threads (default 1). On a machine shared with other work, llama.cpp's threads wait for each other at
   * every op: with 2 threads SEED-mini took 4.8 s per token here, with 1 thread 53 ms.
   */
  threads?: number;
  /** Extra llama-server arguments (e.g. ["--ctx-size", "128"]). */
  args?: readonly string[];
  /** How long to wait for /health to answer 200 (default 120 s: the machine may be busy). */
  readyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

/** Starts llama-server on a free port and resolves once GET /health answers 200. */
export async function startLlamaServer(options: StartOptions = {}): Promise<LlamaServer> {
  const bin = llamaServerBinary();
  const model = options.model ?? seedMiniGguf();
  const port = await freePort();
  const threads = String(options.threads ?? 1);
  const args = ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-np", "1", "--threads", threads];
  args.push(...(options.args ?? []));
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  const lines: string[] = [];
  const keep = (b: Buffer): void => {
    lines.push(...b.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const server: LlamaServer = {
    url,
    port,
    process: child,
    log: () => lines.join("\n"),
    stop: async () => {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (exited) {
      throw new Error(
        `llama-server exited (code ${exited.code}, signal ${exited.signal}) before it was ready: ${bin} ${args.join(" ")}\n${server.log()}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(
        `llama-server did not answer /health within ${options.readyTimeoutMs ?? 120_000} ms\n${server.log()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One candidate of a streamed token (llama-server's `logprobs.content[i].top_logprobs[j]`). */
export interface ServerCandidate {
  readonly id: number;
  readonly token: string;
  readonly bytes: number[];
  readonly logprob: number;
}

/** One generated token as llama-server streams it (`choices[0].logprobs.content[i]`). */
export interface ServerToken extends ServerCandidate {
  readonly top_logprobs: ServerCandidate[];
}

/** A parsed `data:` chunk of a streamed /v1/completions answer. */
export interface CompletionChunk {
  readonly choices: {
    readonly text: string;
    readonly index: number;
    readonly logprobs: { readonly content: ServerToken[] } | null;
    readonly finish_reason: string | null;
  }[];
  readonly [key: string]: unknown;
}

/**
 * POST /v1/completions with stream: true and collect the chunks ([DONE] ends the stream). `received` is when each
 * chunk arrived (performance.now()). Throws on a non-200 answer with its body.
 */
export async function streamCompletion(
  url: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ chunks: CompletionChunk[]; received: number[] }> {
  const res = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`POST /v1/completions: ${res.status} ${await res.text()}`);
  const chunks: CompletionChunk[] = [];
  const received: number[] = [];
  const decoder = new TextDecoder();
  let buf = "";
  for await (const part of res.body) {
    buf += decoder.decode(part as Uint8Array, { stream: true });
    for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
      const event = buf.slice(0, i);
      buf = buf.slice(i + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return { chunks, received };
        chunks.push(JSON.parse(data) as CompletionChunk);
        received.push(performance.now());
      }
    }
  }
  return { chunks, received };
}

/** The generated tokens of a streamed answer, in order (every chunk's logprobs.content). */
export function streamedTokens(chunks: readonly CompletionChunk[]): ServerToken[] {
  return chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? []);
}
