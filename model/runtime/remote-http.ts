// HTTP for the remote language model: one JSON request and one streamed (SSE) request, both with a stated timeout,
// cancellation by the caller's abort flag, and every failure turned into a SeedError that says which URL, what
// happened and what to do (connection refused: how to start a server; timeout: the setting that sets it; HTTP
// errors: status and the server's own message). The timeout bounds the wait for the response and then each wait
// for the next piece of the stream, so a long generation that keeps streaming never times out.

import type { AbortFlag } from "./errors";
import { SeedError } from "./errors";
import { errorText } from "./remote-completions";
import { type SseEvent, SseParser } from "./sse";

export const START_SERVER_HINT =
  "start one with `llama-server -m model.gguf --port 8080` or `vllm serve <folder>` " +
  '(README, "Serve the language model"), or unset the endpoint (seed.languageModelEndpoint, SEED_LM_ENDPOINT, ' +
  "--lm-endpoint, seed.json language_model.endpoint) to run the package's own language model in-process";

export const TIMEOUT_HINT =
  "raise the timeout with seed.languageModelTimeoutMs (VS Code), SEED_LM_TIMEOUT_MS or --lm-timeout-ms if the server is just slow";

/** How often an abort flag without events (the worker's shared-memory flag) is polled while waiting on the network. */
const ABORT_POLL_MS = 20;

/** Cancels `controller` when `signal` fires: by its "abort" event, or by polling a plain flag. Returns the undo. */
function linkAbort(signal: AbortFlag | undefined, onAbort: () => void): () => void {
  if (!signal) return () => undefined;
  const target = signal as Partial<AbortSignal>;
  if (typeof target.addEventListener === "function") {
    target.addEventListener("abort", onAbort);
    return () => target.removeEventListener?.("abort", onAbort);
  }
  const timer = setInterval(() => {
    if (signal.aborted) onAbort();
  }, ABORT_POLL_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}

/** A fetch with a deadline that the caller can push back (`touch`) and cancel; errors are SeedErrors. */
class Exchange {
  readonly controller = new AbortController();
  #why: "timeout" | "aborted" | "closed" | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #unlink: () => void;

  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    signal: AbortFlag | undefined,
  ) {
    this.#unlink = linkAbort(signal, () => this.#cancel("aborted"));
    if (signal?.aborted) this.#cancel("aborted");
    this.touch();
  }

  /** Restarts the timeout (a response or a stream piece arrived). */
  touch(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#cancel("timeout"), this.timeoutMs);
    this.#timer.unref?.();
  }

  /** Ends the exchange: the request (and its socket) is cancelled if it still runs. */
  close(): void {
    this.#cancel("closed");
    this.#unlink();
  }

  #cancel(why: "timeout" | "aborted" | "closed"): void {
    clearTimeout(this.#timer);
    if (this.#why === undefined) this.#why = why;
    this.controller.abort();
  }

  /** The SeedError for a failure of fetch or of reading the body. */
  error(e: unknown, phase: string): SeedError {
    if (this.#why === "aborted") return new SeedError("aborted", "generate was aborted");
    if (this.#why === "timeout")
      return new SeedError(
        "remote",
        `the language model server at ${this.url} sent nothing for ${this.timeoutMs} ms ${phase}; ${TIMEOUT_HINT}`,
      );
    if (e instanceof SeedError) return e;
    const code = causeCode(e);
    if (code === "ECONNREFUSED")
      return new SeedError(
        "remote",
        `no language model server at ${this.url}: the connection was refused (is the server running?); ${START_SERVER_HINT}`,
        { cause: e },
      );
    if (code === "ENOTFOUND" || code === "EAI_AGAIN")
      return new SeedError(
        "remote",
        `the language model server's host in ${this.url} is unknown (${code}); check the endpoint`,
        {
          cause: e,
        },
      );
    if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE")
      return new SeedError(
        "remote",
        `the language model server at ${this.url} closed the connection ${phase} (did it crash or restart?); run the cell again once it is back`,
        { cause: e },
      );
    const msg =
      e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
    return new SeedError("remote", `the language model server at ${this.url} failed ${phase}: ${msg}`, { cause: e });
  }

  async fetch(init: RequestInit, phase: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.url, { ...init, signal: this.controller.signal });
    } catch (e) {
      throw this.error(e, phase);
    }
    this.touch();
    if (!res.ok) {
      let body = "";
      try {
        body = await res.text();
      } catch {
        // the status alone still says what went wrong
      }
      let message = body.trim().slice(0, 500);
      try {
        message = errorText(JSON.parse(body));
      } catch {
        // not JSON: keep the text
      }
      throw new SeedError(
        "remote",
        `the language model server at ${this.url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${message ? `: ${message}` : ""}`,
      );
    }
    return res;
  }
}

function causeCode(e: unknown): string | undefined {
  for (let c: unknown = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const errors = (c as { errors?: unknown }).errors; // AggregateError (IPv4 and IPv6 both refused)
    if (Array.isArray(errors)) {
      const inner = errors.map(causeCode).find((x) => x !== undefined);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** GET or POST JSON and parse the answer. */
export async function requestJson(url: string, body: unknown, timeoutMs: number, signal?: AbortFlag): Promise<unknown> {
  const ex = new Exchange(url, timeoutMs, signal);
  try {
    const init: RequestInit =
      body === undefined
        ? { method: "GET" }
        : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    const res = await ex.fetch(init, "to answer");
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw ex.error(e, "while sending its answer");
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new SeedError(
        "remote",
        `the language model server at ${url} answered with something that is not JSON: ${text.slice(0, 200)}`,
      );
    }
  } finally {
    ex.close();
  }
}

/** A streamed POST: yields SSE events until the server's `[DONE]` or the end of the body. */
export class EventStream {
  readonly #ex: Exchange;
  readonly #body: unknown;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #parser = new SseParser();
  readonly #pending: SseEvent[] = [];
  #ended = false;

  constructor(url: string, body: unknown, timeoutMs: number, signal?: AbortFlag) {
    this.#ex = new Exchange(url, timeoutMs, signal);
    this.#body = body;
  }

  get url(): string {
    return this.#ex.url;
  }

  /** The next event's data, or undefined at the end of the stream (`[DONE]` or the body's end). */
  async next(): Promise<string | undefined> {
    if (!this.#reader) {
      const res = await this.#ex.fetch(
        {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify(this.#body),
        },
        "to answer",
      );
      if (!res.body) throw new SeedError("remote", `the language model server at ${this.url} answered without a body`);
      this.#reader = res.body.getReader();
    }
    for (;;) {
      const ev = this.#pending.shift();
      if (ev) {
        if (ev.data === "[DONE]") {
          this.#ended = true;
          return undefined;
        }
        return ev.data;
      }
      if (this.#ended) return undefined;
      let r: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;
      try {
        r = await this.#reader.read();
      } catch (e) {
        throw this.#ex.error(e, "while streaming");
      }
      this.#ex.touch();
      if (r.done) {
        this.#ended = true;
        this.#pending.push(...this.#parser.end());
      } else this.#pending.push(...this.#parser.feed(r.value));
    }
  }

  /** Cancels the request if it still runs (the server sees the socket close). */
  async close(): Promise<void> {
    this.#ex.close();
    await this.#reader?.cancel().catch(() => undefined);
  }
}
