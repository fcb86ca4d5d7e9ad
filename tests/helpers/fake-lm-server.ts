// A small OpenAI-compatible completions server for fault-injection tests (it is not an engine: the real-engine
// tests use llama-server). It answers /v1/models (as llama.cpp does, with meta.n_vocab), /detokenize, and streamed
// /v1/completions in llama.cpp's chunk format, from a script: outside an image span it writes `text` then `<img>`
// (then keeps going with more text, which the client must cut off), inside a span (every non-image id banned by
// logit_bias) image codes; once the prompt holds a closed span, it writes `after` and stops. Faults are set per
// test: a dropped connection, a delay, a malformed chunk, HTTP 500, a wrong vocabulary, an id outside it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SeedModel } from "../../model/runtime/index";

export interface FakeVocab {
  readonly vocabSize: number;
  readonly imageTokenOffset: number;
  readonly codebookSize: number;
  readonly boi: number;
  readonly eoi: number;
  readonly eos: number;
  /** Text ids written before `<img>`. */
  readonly text: readonly number[];
  /** Text ids written after a closed span, before the stop. */
  readonly after: readonly number[];
  tokenOf(id: number): string;
}

export type Fault =
  | { readonly kind: "none" }
  /** Close the socket after this many token chunks. */
  | { readonly kind: "drop"; readonly afterTokens: number }
  /** Wait this long before answering (headers included). */
  | { readonly kind: "delay"; readonly ms: number }
  /** Send a chunk that is not JSON after this many tokens. */
  | { readonly kind: "malformed"; readonly afterTokens: number }
  | { readonly kind: "http500"; readonly message: string }
  /** Report this vocabulary size in /v1/models. */
  | { readonly kind: "vocab"; readonly nVocab: number }
  /** Return this id as the first token. */
  | { readonly kind: "id"; readonly id: number }
  /** Wait this long between tokens (for interrupts). */
  | { readonly kind: "slow"; readonly msPerToken: number };

export interface FakeRequest {
  readonly path: string;
  readonly body: Record<string, unknown> | undefined;
}

export class FakeLmServer {
  readonly requests: FakeRequest[] = [];
  /** Completion streams whose socket the client closed before the server finished. */
  clientClosed = 0;
  /** Completion streams still being written. */
  openStreams = 0;
  fault: Fault = { kind: "none" };
  #server: Server;
  #url = "";

  private constructor(private readonly vocab: FakeVocab) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(vocab: FakeVocab): Promise<FakeLmServer> {
    const s = new FakeLmServer(vocab);
    await new Promise<void>((resolve) => s.#server.listen(0, "127.0.0.1", resolve));
    s.#url = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  /**
   * A fake serving `model`'s vocabulary: its text answers are the ids of "a cat" (then "cat" again), its image
   * tokens and specials are the model's own.
   */
  static async startFor(model: SeedModel): Promise<FakeLmServer> {
    const tok = model.textTokenizer!;
    const [a, b] = await model.encodeText("a cat", { bos: false });
    return FakeLmServer.start({
      vocabSize: model.manifest.language_model!.vocab_size,
      imageTokenOffset: tok.imageTokenOffset,
      codebookSize: tok.codebookSize,
      boi: tok.special.boi,
      eoi: tok.special.eoi,
      eos: tok.special.eos,
      text: [a!, b!],
      after: [b!],
      tokenOf: (id) => tok.tokenOf(id),
    });
  }

  get url(): string {
    return this.#url;
  }

  completions(): Record<string, unknown>[] {
    return this.requests.filter((r) => r.path === "/v1/completions").map((r) => r.body ?? {});
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const c of req) raw += c;
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    const path = req.url ?? "";
    this.requests.push({ path, body });
    const f = this.fault;
    if (f.kind === "delay") await sleep(f.ms);
    if (res.destroyed) return;
    if (f.kind === "http500") return json(res, 500, { error: { code: 500, message: f.message, type: "server_error" } });
    if (path === "/v1/models") {
      const nVocab = f.kind === "vocab" ? f.nVocab : this.vocab.vocabSize;
      return json(res, 200, {
        object: "list",
        data: [{ id: "fake-seed.gguf", object: "model", owned_by: "llamacpp", meta: { n_vocab: nVocab } }],
      });
    }
    if (path === "/detokenize") {
      const ids = (body?.tokens as number[]) ?? [];
      return json(res, 200, { content: ids.map((id) => this.vocab.tokenOf(id)).join("") });
    }
    if (path === "/v1/completions" && body) return this.#stream(body, res);
    json(res, 404, { error: { code: 404, message: `no route ${path}` } });
  }

  /** The ids this script writes for a request, and whether it ends on the stop token. */
  #script(body: Record<string, unknown>): { ids: number[]; stop: boolean } {
    const v = this.vocab;
    const prompt = body.prompt as number[];
    const max = Number(body.max_tokens);
    const bias = (body.logit_bias ?? {}) as Record<string, unknown>;
    const imageOnly = bias["0"] === false; // llama.cpp form: every non-image id banned
    if (imageOnly) {
      return {
        ids: Array.from({ length: max }, (_, i) => v.imageTokenOffset + ((i * 5 + 3) % v.codebookSize)),
        stop: false,
      };
    }
    if (prompt.includes(v.eoi)) {
      const ids = v.after.slice(0, max);
      return { ids, stop: ids.length < max };
    }
    const banned = (id: number): boolean => bias[String(id)] === false;
    const ids = [...v.text, v.boi, ...v.text, ...v.text].filter((id) => !banned(id));
    return { ids: ids.slice(0, max), stop: ids.length < max };
  }

  async #stream(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const f = this.fault;
    const { ids, stop } = this.#script(body);
    let finished = false;
    this.openStreams++;
    res.on("close", () => {
      this.openStreams--;
      if (!finished) this.clientClosed++;
    });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const k = Number(body.n_probs ?? body.logprobs ?? 1);
    for (let i = 0; i < ids.length; i++) {
      if (res.destroyed) return;
      if (f.kind === "drop" && i === f.afterTokens) {
        await sleep(50); // let the tokens so far reach the client first
        res.socket?.destroy();
        return;
      }
      if (f.kind === "malformed" && i === f.afterTokens) {
        res.write('data: {"choices": [{"text": "oops", "logprobs": {"content": [{"id":\n\n');
        res.end();
        finished = true;
        return;
      }
      const id = f.kind === "id" && i === 0 ? f.id : (ids[i] as number);
      const top = [id, ...[1, 2, 3, 4, 5].map((d) => (id + d) % this.vocab.vocabSize)].slice(0, k);
      const entry = {
        id,
        token: this.vocab.tokenOf(id),
        logprob: Math.log(0.6),
        top_logprobs: top.map((t, j) => ({
          id: t,
          token: this.vocab.tokenOf(t),
          logprob: Math.log(j === 0 ? 0.6 : 0.4 / (k - 1 || 1)),
        })),
      };
      res.write(
        `data: ${JSON.stringify({ choices: [{ text: this.vocab.tokenOf(id), index: 0, logprobs: { content: [entry] }, finish_reason: null }], object: "text_completion" })}\n\n`,
      );
      // Like an engine, one token at a time: a client that cancels mid-stream is seen as a closed socket.
      await sleep(f.kind === "slow" ? f.msPerToken : 5);
    }
    if (res.destroyed) return;
    const timings = {
      prompt_n: (body.prompt as number[]).length,
      prompt_ms: 1,
      predicted_n: ids.length,
      predicted_ms: ids.length,
    };
    res.write(
      `data: ${JSON.stringify({ choices: [{ text: "", index: 0, logprobs: null, finish_reason: stop ? "stop" : "length" }], timings })}\n\n`,
    );
    res.write("data: [DONE]\n\n");
    finished = true;
    res.end();
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
