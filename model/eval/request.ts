// The evaluation driver's input and output, as JSON files. A request lists images to tokenize and decode (with
// prefix decodes), "Draw ..." prompts and questions about images; the result records, per item and per sampling run,
// what the `seed` API returned (codes, answer text, PNG paths relative to the output folder) or the error it raised.
// parseRequest checks a request and names the first thing wrong with it.

/** Version of both file formats; bumped on an incompatible change. */
export const EVAL_FORMAT_VERSION = 1;

/** An image to tokenize and decode with the default decode options, plus prefix decodes of its first k tokens. */
export interface ReconstructItem {
  /** Unique within the section; used in output file names. */
  readonly id: string;
  /** PNG (or JPEG/WebP/GIF) path, relative to the request file's folder unless absolute. */
  readonly image: string;
  /** Prefix lengths k to decode besides the full 32 (1 <= k < N). Default: none. */
  readonly prefixes: readonly number[];
}

/**
 * How one prompt is sampled: greedy (temperature 0, every other option default) and/or once per seed with every
 * other option default (the model's generation config). Seed 0 is the API's default, so it is called with no options.
 */
export interface Sampling {
  readonly greedy: boolean;
  readonly seeds: readonly number[];
}

/** A text-to-image prompt for `seed.chat(prompt)`. */
export interface DrawItem extends Sampling {
  readonly id: string;
  readonly prompt: string;
}

/** A question about an image for `seed.chat([image, question])` (captioning: "Describe the image."). */
export interface AskItem extends Sampling {
  readonly id: string;
  readonly image: string;
  readonly question: string;
}

export interface EvalRequest {
  readonly version: number;
  readonly reconstruct: readonly ReconstructItem[];
  readonly draw: readonly DrawItem[];
  readonly ask: readonly AskItem[];
}

/** Which sampling run produced an answer: "greedy" or "seed-<n>". */
export type RunName = "greedy" | `seed-${number}`;

/** Seconds spent in each API call of one item. */
export type Timings = Record<string, number>;

export interface ReconstructResult {
  readonly id: string;
  readonly image: string;
  /** The 32 codes from seed.tokenize. */
  codes?: number[];
  /** Decoded PNG of all 32 tokens, relative to the output folder. */
  reconstruction?: string;
  /** k -> decoded PNG of the first k tokens. */
  prefixes: Record<string, string>;
  seconds: Timings;
  /** The first error met; what was done before it is kept. */
  error?: string;
}

/** One `<img> ... </img>` span in the generated tokens. */
export interface SpanRecord {
  readonly codes: number[];
  /** Closed by `</img>`. */
  readonly closed: boolean;
  /** Opened by a generated `<img>` ("tag") or by the prompt (the chat API appends `<img>` to "Draw ..." prompts). */
  readonly opened: "tag" | "prompt";
  /** Index of the span's first code among the generated tokens. */
  readonly start: number;
}

export interface ChatRunResult {
  readonly id: string;
  readonly run: RunName;
  /** The options passed to seed.chat; null when it was called with none (all defaults). */
  readonly options: { temperature?: number; seed?: number } | null;
  /** The answer's text, image spans replaced by "<image>". */
  text?: string;
  /** Number of generated tokens. */
  tokens?: number;
  stopReason?: "stop-token" | "max-tokens";
  warnings?: string[];
  seconds: Timings;
  error?: string;
}

export interface DrawResult extends ChatRunResult {
  readonly prompt: string;
  spans?: SpanRecord[];
  /** Exactly one span, closed by `</img>`, holding exactly N codes, and nothing else drawn. */
  exact?: boolean;
  /** Codes of the first span (possibly not N of them), or null when the answer drew nothing. */
  codes?: number[] | null;
  /** PNG of the first decoded image (a repaired span decodes as a prefix), relative to the output folder. */
  png?: string | null;
}

export interface AskResult extends ChatRunResult {
  readonly image: string;
  readonly question: string;
  /** `<img>` spans in the answer (the API decodes them into images by default); a question should get none. */
  imageSpans?: number;
}

export interface EvalResult {
  readonly version: number;
  readonly request: string;
  readonly model: {
    readonly name: string;
    readonly path: string;
    readonly executionProvider: string;
    readonly threads: number;
    readonly numTokens: number;
    readonly decodeDefaults: { readonly steps: number; readonly guidance: number };
  };
  readonly seedApiVersion: string;
  /** Seconds to load the model (first API call). */
  loadSeconds: number;
  /** Wall-clock seconds of the whole run, model load included. */
  seconds: number;
  /** Per section and call: how many calls and their total seconds. */
  totals: Record<string, { count: number; seconds: number }>;
  /** How many displays and display updates the API sent (its default live views), all discarded. */
  displays: number;
  reconstruct: ReconstructResult[];
  draw: DrawResult[];
  ask: AskResult[];
}

export class RequestError extends Error {
  override name = "RequestError";
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(where: string, o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== "string" || v.trim() === "")
    throw new RequestError(`${where}.${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function ints(where: string, o: Json, key: string, min: number, max: number, fallback: readonly number[]): number[] {
  const v = o[key];
  if (v === undefined) return [...fallback];
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && (x as number) >= min && (x as number) <= max)) {
    throw new RequestError(`${where}.${key} must be an array of integers in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return [...new Set(v as number[])];
}

function sampling(where: string, o: Json, defaults: Sampling): Sampling {
  const g = o.greedy;
  if (g !== undefined && typeof g !== "boolean")
    throw new RequestError(`${where}.greedy must be true or false, got ${JSON.stringify(g)}`);
  const out = { greedy: g ?? defaults.greedy, seeds: ints(where, o, "seeds", 0, 2 ** 32 - 1, defaults.seeds) };
  if (!out.greedy && out.seeds.length === 0)
    throw new RequestError(`${where}: nothing to run (greedy is false and seeds is empty)`);
  return out;
}

function section<T>(raw: Json, key: string, parse: (where: string, o: Json) => T & { id: string }): T[] {
  const v = raw[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new RequestError(`"${key}" must be an array, got ${typeof v}`);
  const seen = new Set<string>();
  return v.map((item, i) => {
    const where = `${key}[${i}]`;
    if (!isObject(item)) throw new RequestError(`${where} must be an object, got ${JSON.stringify(item)}`);
    const parsed = parse(where, item);
    if (!/^[A-Za-z0-9_.-]+$/.test(parsed.id))
      throw new RequestError(
        `${where}.id must use only letters, digits, "_", "-" and ".", got ${JSON.stringify(parsed.id)}`,
      );
    if (seen.has(parsed.id))
      throw new RequestError(`${where}.id ${JSON.stringify(parsed.id)} is used twice in "${key}"`);
    seen.add(parsed.id);
    return parsed;
  });
}

/**
 * Parses a request. Draw prompts default to greedy plus seed 0 (the API default); questions default to seed 0 only,
 * i.e. exactly `seed.chat([image, question])`.
 */
export function parseRequest(json: string, from: string): EvalRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new RequestError(`${from}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) throw new RequestError(`${from}: expected a JSON object`);
  const version = raw.version ?? EVAL_FORMAT_VERSION;
  if (version !== EVAL_FORMAT_VERSION)
    throw new RequestError(
      `${from}: version ${JSON.stringify(version)} is not supported; expected ${EVAL_FORMAT_VERSION}`,
    );
  const known = ["version", "reconstruct", "draw", "ask"];
  const extra = Object.keys(raw).filter((k) => !known.includes(k));
  if (extra.length > 0)
    throw new RequestError(`${from}: unknown key(s) ${extra.join(", ")}; expected ${known.join(", ")}`);
  try {
    return {
      version,
      reconstruct: section(raw, "reconstruct", (w, o) => ({
        id: str(w, o, "id"),
        image: str(w, o, "image"),
        prefixes: ints(w, o, "prefixes", 1, 4096, []),
      })),
      draw: section(raw, "draw", (w, o) => ({
        id: str(w, o, "id"),
        prompt: str(w, o, "prompt"),
        ...sampling(w, o, { greedy: true, seeds: [0] }),
      })),
      ask: section(raw, "ask", (w, o) => ({
        id: str(w, o, "id"),
        image: str(w, o, "image"),
        question: str(w, o, "question"),
        ...sampling(w, o, { greedy: false, seeds: [0] }),
      })),
    };
  } catch (e) {
    if (e instanceof RequestError) throw new RequestError(`${from}: ${e.message}`);
    throw e;
  }
}
