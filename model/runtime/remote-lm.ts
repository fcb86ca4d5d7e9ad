// The remote language model: an OpenAI-compatible server (llama.cpp's llama-server, vLLM, SGLang) serving the
// package's LM, driven through streamed `/v1/completions`. Prompts go as token ids (the server's tokenizer never
// sees text, so it cannot drift from ours); each token comes back with its top-k logprobs, mapped to our ids
// (remote-completions.ts). The server samples; the token loop still owns the image-span rule:
//   - text: one streamed request; the image codes and `</img>` are banned by logit_bias (and `<img>` near the end
//     of the budget);
//   - after `<img>`: a new request for exactly N tokens restricted to the image codes (vLLM: allowed_token_ids;
//     llama.cpp: logit_bias false on every other id; other servers: +100 bias on the image ids);
//   - `</img>` is appended here, never sampled, and reported as forced.
// A request is reopened whenever the rule changes or the loop emits another token than the server drew (a forced
// token), with the prompt grown by what was emitted; llama-server's prompt cache and vLLM's prefix cache make the
// re-sent prefix cheap. Any id the server returns that breaks the rule anyway is replaced by the best allowed
// candidate (reported as forced) or is an error.

import { SeedError } from "./errors";
import type { TokenRule } from "./image-constraint";
import { type ImageSpanTokens, imageTokenIds, isImageToken } from "./image-spans";
import type {
  DrawnToken,
  LanguageModelBackend,
  LanguageModelPlacement,
  LanguageModelRun,
  RunOptions,
} from "./lm-backend";
import {
  type CompletionChunk,
  parseCompletionChunk,
  type ServerTimings,
  type StreamedToken,
  type TokenLookup,
} from "./remote-completions";
import { EventStream, requestJson, START_SERVER_HINT } from "./remote-http";

export type ServerKind = "llama.cpp" | "vllm" | "openai";
const SERVER_NAMES: Record<ServerKind, string> = {
  "llama.cpp": "llama.cpp server",
  vllm: "vLLM",
  openai: "OpenAI-compatible server",
};

export const DEFAULT_LM_TIMEOUT_MS = 30_000;

export interface RemoteOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 (a trailing /v1 is accepted). */
  readonly endpoint: string;
  /** The served model's name (`model` in requests); default: the first model /v1/models lists. */
  readonly model?: string;
  /** Milliseconds to wait for the server's answer and then for each piece of a stream. */
  readonly timeoutMs?: number;
}

export interface RemoteVocabulary extends TokenLookup {
  readonly special: { readonly eos: number; readonly stop: readonly number[] };
  tokenOf(id: number): string;
}

/** Per-run numbers for benchmarks: requests made, time to the first token, and the server's own timings summed. */
export interface RemoteRunStats {
  requests: number;
  firstTokenMs: number | undefined;
  server: { promptN: number; promptMs: number; predictedN: number; predictedMs: number };
}

/** Normalises an endpoint: no trailing slash, no trailing /v1; must be http(s). */
export function normaliseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new SeedError(
      "input",
      `language model endpoint ${JSON.stringify(endpoint)} is not a URL; expected e.g. http://127.0.0.1:8080`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new SeedError("input", `language model endpoint ${endpoint} must be http:// or https://`);
  return url.href.replace(/\/+$/, "").replace(/\/v1$/, "");
}

export class RemoteLanguageModel implements LanguageModelBackend {
  readonly endpoint: string;
  readonly timeoutMs: number;
  #kind: ServerKind = "openai";
  #model: string | undefined;
  #connected = false;
  #unreachable: string | undefined;
  /** Stats of the last run (benchmarks). */
  lastRun: RemoteRunStats | undefined;

  constructor(
    options: RemoteOptions,
    readonly vocab: RemoteVocabulary,
    readonly spanTokens: ImageSpanTokens,
    readonly contextLength: number,
  ) {
    this.endpoint = normaliseEndpoint(options.endpoint);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LM_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 1)
      throw new SeedError(
        "input",
        `the language model timeout must be an integer number of ms >= 1, got ${this.timeoutMs}`,
      );
    this.#model = options.model;
  }

  get vocabSize(): number {
    return this.vocab.vocabSize;
  }

  get serverKind(): ServerKind {
    return this.#kind;
  }

  get placement(): LanguageModelPlacement {
    return {
      kind: "remote",
      endpoint: this.endpoint,
      server: SERVER_NAMES[this.#kind],
      model: this.#model,
      unreachable: this.#connected ? undefined : this.#unreachable,
    };
  }

  /**
   * Asks the server what it serves (/v1/models) and checks its vocabulary against ours: the vocabulary size it
   * reports (llama.cpp), and the text of our last image token through /detokenize where the server has it. At load,
   * an unreachable server is remembered, not thrown (tokenize and decode work without it; generate tries again);
   * a server with another vocabulary is an error.
   */
  async connect(options: { atLoad?: boolean } = {}): Promise<void> {
    let models: unknown;
    try {
      models = await requestJson(`${this.endpoint}/v1/models`, undefined, this.timeoutMs);
    } catch (e) {
      if (options.atLoad && e instanceof SeedError && e.code === "remote") {
        this.#unreachable = e.message;
        return;
      }
      throw e;
    }
    const list = (models as { data?: unknown }).data;
    const entries = Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
    const entry = entries.find((m) => m.id === this.#model) ?? entries[0];
    if (this.#model !== undefined && entries.length > 0 && !entries.some((m) => m.id === this.#model))
      throw new SeedError(
        "remote",
        `the server at ${this.endpoint} does not serve a model named "${this.#model}"; it serves ${entries.map((m) => `"${String(m.id)}"`).join(", ")}`,
      );
    const owner = String(entry?.owned_by ?? "").toLowerCase();
    this.#kind = owner.includes("llama") ? "llama.cpp" : owner.includes("vllm") ? "vllm" : "openai";
    if (this.#model === undefined && typeof entry?.id === "string") this.#model = entry.id;
    const meta = entry?.meta as Record<string, unknown> | undefined;
    const nVocab = typeof meta?.n_vocab === "number" ? meta.n_vocab : undefined;
    if (nVocab !== undefined && nVocab !== this.vocabSize)
      throw new SeedError(
        "remote",
        `the server at ${this.endpoint} serves a vocabulary of ${nVocab} tokens, but the package's language model has ${this.vocabSize} ` +
          "(language_model.vocab_size); serve this package's own language model (its GGUF or Hugging Face export)",
      );
    await this.#probeDetokenize();
    this.#connected = true;
    this.#unreachable = undefined;
  }

  /** The server's text for our last image token must be that token (skipped when the server has no /detokenize). */
  async #probeDetokenize(): Promise<void> {
    const id = this.spanTokens.imageTokenOffset + this.spanTokens.codebookSize - 1;
    const ours = this.vocab.tokenOf(id);
    let answer: unknown;
    try {
      answer = await requestJson(
        `${this.endpoint}/detokenize`,
        { tokens: [id], ...(this.#model ? { model: this.#model } : {}) },
        this.timeoutMs,
      );
    } catch (e) {
      if (e instanceof SeedError && e.code === "remote" && /HTTP (404|405|501)/.test(e.message)) return;
      throw e;
    }
    const a = answer as { content?: unknown; prompt?: unknown };
    const text = typeof a.content === "string" ? a.content : typeof a.prompt === "string" ? a.prompt : undefined;
    if (text === undefined || text === "") return; // a server that hides special tokens' text: nothing to compare
    if (text.trim() !== ours)
      throw new SeedError(
        "remote",
        `the server at ${this.endpoint} serves another vocabulary: its token ${id} is ${JSON.stringify(text)}, ours is ${JSON.stringify(ours)}; ` +
          "serve this package's own language model (its GGUF or Hugging Face export)",
      );
  }

  start(promptIds: readonly number[], options: RunOptions): LanguageModelRun {
    const stats: RemoteRunStats = {
      requests: 0,
      firstTokenMs: undefined,
      server: { promptN: 0, promptMs: 0, predictedN: 0, predictedMs: 0 },
    };
    this.lastRun = stats;
    return new RemoteRun(this, [...promptIds], options, stats);
  }

  /** Ensures connect() succeeded once; a server that was down at load is asked again here. */
  async ensureConnected(): Promise<void> {
    if (!this.#connected) await this.connect();
  }

  /** The request body for one segment of the token loop. */
  requestBody(
    prompt: readonly number[],
    rule: TokenRule | undefined,
    maxTokens: number,
    options: RunOptions,
    segment: number,
  ): Record<string, unknown> {
    const s = options.sampler;
    const llama = this.#kind === "llama.cpp";
    const vllm = this.#kind === "vllm";
    const k = Math.max(1, s.candidates);
    const body: Record<string, unknown> = {
      prompt: [...prompt],
      stream: true,
      max_tokens: maxTokens,
      temperature: s.temperature,
      top_p: s.topP,
      top_k: s.topK > 0 ? s.topK : llama ? 0 : -1,
      // Each request is a new sampler on the server: vary the seed per segment, reproducibly.
      seed: (options.seed + segment * 7919) >>> 0,
      logprobs: k,
    };
    if (this.#model) body.model = this.#model;
    // timings_per_token: the server's own timings in every chunk (run stats), not only in the last one, which a run
    // that stops on a streamed stop token or a forced `</img>` never reads.
    if (llama)
      Object.assign(body, { n_probs: k, min_p: 0, repeat_penalty: 1, cache_prompt: true, timings_per_token: true });
    if (vllm) {
      body.return_tokens_as_token_ids = true;
      if (options.stopIds.length > 0) body.stop_token_ids = [...options.stopIds];
    }
    const t = this.spanTokens;
    if (rule?.kind === "image") {
      const codes = imageTokenIds(t);
      if (vllm) body.allowed_token_ids = codes;
      else if (llama) {
        const bias: Record<string, boolean> = {};
        for (let id = 0; id < this.vocabSize; id++) if (!isImageToken(id, t)) bias[id] = false;
        body.logit_bias = bias;
      } else body.logit_bias = Object.fromEntries(codes.map((id) => [String(id), 100]));
    } else if (rule?.kind === "text") {
      // Text: no image code (a code means nothing outside its span) and none of the rule's own exclusions.
      const banned = [...imageTokenIds(t), ...rule.exclude];
      body.logit_bias = Object.fromEntries(banned.map((id) => [String(id), llama ? false : -100]));
    }
    return body;
  }

  async dispose(): Promise<void> {}
}

/** Whether `id` keeps `rule`. */
function allowed(rule: TokenRule | undefined, id: number, t: ImageSpanTokens): boolean {
  if (!rule) return true;
  if (rule.kind === "force") return id === rule.id;
  if (rule.kind === "image") return isImageToken(id, t);
  return !isImageToken(id, t) && !rule.exclude.includes(id);
}

function ruleKey(rule: TokenRule | undefined): string {
  if (!rule) return "none";
  if (rule.kind === "text") return `text:${[...rule.exclude].sort((a, b) => a - b).join(",")}`;
  return rule.kind;
}

interface OpenStream {
  readonly key: string;
  readonly events: EventStream;
  readonly queue: StreamedToken[];
  finish: string | undefined;
  /** The id the server drew last; the stream stays valid while the loop emits exactly that. */
  expect: number | undefined;
  received: number;
  /** The server's cumulative timings of this request, from its latest chunk. */
  timings: ServerTimings | undefined;
}

class RemoteRun implements LanguageModelRun {
  #stream: OpenStream | undefined;
  #segment = 0;
  readonly #started = performance.now();

  constructor(
    private readonly lm: RemoteLanguageModel,
    private readonly ids: number[],
    private readonly options: RunOptions,
    private readonly stats: RemoteRunStats,
  ) {}

  async next(rule: TokenRule | undefined, remaining: number): Promise<DrawnToken> {
    if (rule?.kind === "force") {
      // The loop emits the forced id itself; the server is not asked (it samples, we cannot see its logits here).
      await this.#closeStream();
      return { id: undefined, candidates: [] };
    }
    await this.lm.ensureConnected();
    const key = ruleKey(rule);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.#stream?.key !== key) await this.#open(rule, remaining, key);
      const s = this.#stream as OpenStream;
      const token = await this.#nextToken(s);
      if (token) return this.#check(rule, token);
      // The stream finished without another token.
      if (s.finish === "stop")
        return { id: this.lm.vocab.special.stop[0] ?? this.lm.vocab.special.eos, candidates: [] };
      if (s.finish === "length") {
        await this.#closeStream(); // the loop wants more than this request allowed: ask again
        continue;
      }
      throw new SeedError(
        "remote",
        `the stream from ${s.events.url} ended after ${s.received} token(s) without a finish reason ` +
          "(the server closed the connection or crashed); run the cell again once the server is back",
      );
    }
    throw new SeedError("remote", `the server at ${this.lm.endpoint} ended three requests in a row without a token`);
  }

  async accept(id: number, _more: boolean): Promise<void> {
    this.ids.push(id);
    if (this.#stream && this.#stream.expect !== id) await this.#closeStream();
    else if (this.#stream) this.#stream.expect = undefined;
  }

  async close(): Promise<void> {
    await this.#closeStream();
  }

  async #open(rule: TokenRule | undefined, remaining: number, key: string): Promise<void> {
    await this.#closeStream();
    if (this.ids.length + 1 > this.lm.contextLength)
      throw new SeedError(
        "context",
        `language model: ${this.ids.length + 1} positions exceed the context of ${this.lm.contextLength}`,
      );
    const maxTokens = rule?.kind === "image" ? Math.min(remaining, this.lm.spanTokens.numTokens) : remaining;
    const body = this.lm.requestBody(this.ids, rule, maxTokens, this.options, this.#segment++);
    const events = new EventStream(`${this.lm.endpoint}/v1/completions`, body, this.lm.timeoutMs, this.options.signal);
    this.stats.requests++;
    this.#stream = { key, events, queue: [], finish: undefined, expect: undefined, received: 0, timings: undefined };
  }

  async #nextToken(s: OpenStream): Promise<StreamedToken | undefined> {
    while (s.queue.length === 0 && s.finish === undefined) {
      const data = await s.events.next();
      if (data === undefined) break;
      const chunk: CompletionChunk = parseCompletionChunk(data, this.lm.vocab, this.lm.endpoint);
      s.queue.push(...chunk.tokens);
      if (chunk.finishReason !== undefined) s.finish = chunk.finishReason;
      if (chunk.timings) s.timings = chunk.timings;
    }
    const token = s.queue.shift();
    if (token) {
      s.received++;
      s.expect = token.id;
      this.stats.firstTokenMs ??= performance.now() - this.#started;
    }
    return token;
  }

  /** A request's timings are cumulative: count them once, when its stream closes. */
  #addTimings(t: ServerTimings | undefined): void {
    if (!t) return;
    const s = this.stats.server;
    s.promptN += t.promptN;
    s.promptMs += t.promptMs;
    s.predictedN += t.predictedN;
    s.predictedMs += t.predictedMs;
  }

  #check(rule: TokenRule | undefined, token: StreamedToken): DrawnToken {
    const t = this.lm.spanTokens;
    if (allowed(rule, token.id, t)) return { id: token.id, candidates: token.candidates };
    // The server ignored the bias: take the best allowed candidate it listed, and say so.
    const best = token.candidates.find((c) => allowed(rule, c.id, t));
    if (best) return { id: best.id, candidates: token.candidates, replaced: true };
    const what =
      rule?.kind === "image"
        ? "an image token"
        : `text (no image token${rule?.kind === "text" && rule.exclude.length > 0 ? `, nor ${rule.exclude.join(", ")}` : ""})`;
    throw new SeedError(
      "remote",
      `the server at ${this.lm.endpoint} drew token ${token.id} (${this.lm.vocab.tokenOf(token.id)}) where only ${what} may come, ` +
        "and none of its top candidates is allowed; it ignores logit_bias (use llama-server or vLLM)",
    );
  }

  async #closeStream(): Promise<void> {
    const s = this.#stream;
    this.#stream = undefined;
    this.#addTimings(s?.timings);
    await s?.events.close();
  }
}

export { START_SERVER_HINT };
