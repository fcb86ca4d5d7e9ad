// One streamed `/v1/completions` chunk (an SSE `data:` payload) -> the tokens it carries, as our ids with their
// top-k candidates, plus the finish reason and the server's own timings. Pure. Two logprobs layouts exist:
//   llama.cpp server: logprobs.content = [{id, token, logprob, top_logprobs: [{id, token, logprob}]}]
//                     (with post_sampling_probs: prob / top_probs instead of logprob / top_logprobs)
//   vLLM / OpenAI:    logprobs.tokens = ["token_id:123" | text], top_logprobs = [{"token_id:7": logprob, ...}]
//                     (vLLM writes "token_id:N" when the request sets return_tokens_as_token_ids)
// Ids the server gives are used as they are; a token given only as text is looked up in our vocabulary.

import { SeedError } from "./errors";

export interface Candidate {
  readonly id: number;
  readonly prob: number;
}

export interface StreamedToken {
  readonly id: number;
  /** Best first. */
  readonly candidates: readonly Candidate[];
}

/** The server's own timings (llama.cpp server reports them in its chunks). */
export interface ServerTimings {
  readonly promptN: number;
  readonly promptMs: number;
  readonly predictedN: number;
  readonly predictedMs: number;
}

export interface CompletionChunk {
  readonly tokens: readonly StreamedToken[];
  /** "stop" (a stop token or word), "length" (max_tokens), or what the server says; undefined while streaming. */
  readonly finishReason?: string;
  readonly timings?: ServerTimings;
}

export interface TokenLookup {
  /** Our vocabulary's size (language_model.vocab_size): every id a server returns must be below it. */
  readonly vocabSize: number;
  /** The id of a token string as the server prints it, or undefined. */
  idOfPiece(piece: string): number | undefined;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parses one chunk. `where` names the endpoint in errors. Throws SeedError("remote") for a chunk that is not JSON,
 * an error object, a chunk without choices, a token that is neither an id nor in our vocabulary, and an id outside
 * our vocabulary (the server serves another vocabulary).
 */
export function parseCompletionChunk(data: string, lookup: TokenLookup, where: string): CompletionChunk {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new SeedError(
      "remote",
      `${where} sent a malformed stream chunk (not JSON): ${clip(data)}; expected an OpenAI completions chunk {"choices": [...]}`,
    );
  }
  if (!isObject(json)) throw malformed(where, data, "not a JSON object");
  if (json.error !== undefined)
    throw new SeedError("remote", `${where} reported an error mid-stream: ${errorText(json.error)}`);
  const choices = json.choices;
  if (!Array.isArray(choices) || !isObject(choices[0])) throw malformed(where, data, 'no "choices" array');
  const choice = choices[0];
  const finish = typeof choice.finish_reason === "string" ? choice.finish_reason : undefined;
  const tokens = tokensOf(choice.logprobs, lookup, where, data);
  const text = typeof choice.text === "string" ? choice.text : "";
  if (tokens.length === 0 && text !== "" && finish === undefined)
    throw malformed(where, data, "text without logprobs (the request asks for logprobs, which carry the token ids)");
  return { tokens, finishReason: finish, timings: timingsOf(json.timings) };
}

function tokensOf(logprobs: unknown, lookup: TokenLookup, where: string, data: string): StreamedToken[] {
  if (logprobs === null || logprobs === undefined) return [];
  if (!isObject(logprobs)) throw malformed(where, data, '"logprobs" is not an object');
  if (Array.isArray(logprobs.content)) {
    // llama.cpp server
    return logprobs.content.map((entry) => {
      if (!isObject(entry)) throw malformed(where, data, "a logprobs.content entry is not an object");
      const id = resolveId(entry.id ?? entry.token, lookup, where, data);
      const top = Array.isArray(entry.top_logprobs) ? entry.top_logprobs : entry.top_probs;
      const candidates = (Array.isArray(top) ? top : []).filter(isObject).map((c) => ({
        id: resolveId(c.id ?? c.token, lookup, where, data),
        prob: typeof c.prob === "number" ? c.prob : Math.exp(Number(c.logprob)),
      }));
      return { id, candidates: sortCandidates(candidates) };
    });
  }
  if (Array.isArray(logprobs.tokens)) {
    // vLLM / OpenAI
    const tops = Array.isArray(logprobs.top_logprobs) ? logprobs.top_logprobs : [];
    return logprobs.tokens.map((t, i) => {
      const top = tops[i];
      const candidates = isObject(top)
        ? Object.entries(top).map(([k, lp]) => ({ id: resolveId(k, lookup, where, data), prob: Math.exp(Number(lp)) }))
        : [];
      return { id: resolveId(t, lookup, where, data), candidates: sortCandidates(candidates) };
    });
  }
  throw malformed(where, data, '"logprobs" has neither "content" (llama.cpp) nor "tokens" (OpenAI/vLLM)');
}

/** A token as the server names it (an id, "token_id:N", or a string) -> our id, checked against our vocabulary. */
export function resolveId(token: unknown, lookup: TokenLookup, where: string, data = ""): number {
  let id: number | undefined;
  if (typeof token === "number" && Number.isInteger(token)) id = token;
  else if (typeof token === "string") {
    const m = /^token_id:(-?\d+)$/.exec(token);
    id = m ? Number(m[1]) : lookup.idOfPiece(token);
    if (id === undefined)
      throw new SeedError(
        "remote",
        `${where} returned the token ${JSON.stringify(token)}, which is not in the package's vocabulary; ` +
          "the server serves another tokenizer (serve the package's own model, exported with its tokenizer)",
      );
  } else throw malformed(where, data, `a token is ${JSON.stringify(token)}, expected an id or a string`);
  if (id < 0 || id >= lookup.vocabSize)
    throw new SeedError(
      "remote",
      `${where} returned token id ${id}, but the package's vocabulary has ${lookup.vocabSize} ids ` +
        "(language_model.vocab_size); the server serves another model's vocabulary",
    );
  return id;
}

function sortCandidates(c: Candidate[]): Candidate[] {
  return c.filter((x) => Number.isFinite(x.prob)).sort((a, b) => b.prob - a.prob || a.id - b.id);
}

function timingsOf(t: unknown): ServerTimings | undefined {
  if (!isObject(t)) return undefined;
  const n = (k: string): number => (typeof t[k] === "number" ? (t[k] as number) : 0);
  return {
    promptN: n("prompt_n"),
    promptMs: n("prompt_ms"),
    predictedN: n("predicted_n"),
    predictedMs: n("predicted_ms"),
  };
}

/** The message of an OpenAI-style error body ({"error": {"message"}}, {"error": "..."}, {"message"}), or the JSON. */
export function errorText(e: unknown): string {
  if (typeof e === "string") return e;
  if (isObject(e)) {
    if (typeof e.message === "string") return e.message;
    if (e.error !== undefined) return errorText(e.error);
  }
  return clip(JSON.stringify(e));
}

function malformed(where: string, data: string, why: string): SeedError {
  return new SeedError(
    "remote",
    `${where} sent a malformed stream chunk (${why}): ${clip(data)}; expected an OpenAI completions chunk with logprobs`,
  );
}

function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}
