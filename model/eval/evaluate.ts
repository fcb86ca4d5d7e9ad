// Runs an evaluation request through the public `seed` API (kernel/api's SeedApi, as notebook cells call it) with
// the API's default options: seed.tokenize + seed.decode (and prefix decodes), seed.chat("Draw ...") and
// seed.chat([image, question]). Each item's failure is recorded in its result and the run goes on. Decoded images
// are written as PNGs under the output folder; the caller writes the result JSON.

import { mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { GeneratedToken, Generation, SeedApi, SeedImage } from "../../kernel/api/seed";
import type {
  AskResult,
  ChatRunResult,
  DrawResult,
  EvalRequest,
  ReconstructResult,
  RunName,
  Sampling,
  SpanRecord,
} from "./request";

export interface EvaluationOptions {
  /** Relative image paths in the request resolve against this folder. */
  requestDir: string;
  /** PNGs go to reconstruct/, draw/ under this folder. */
  outDir: string;
  /** Tokens per image (the model's N). */
  numTokens: number;
  /** Receives one line per item. */
  progress: (line: string) => void;
  /** Called after each section with the results so far (e.g. to save them). */
  checkpoint?: (results: EvaluationResults) => void;
}

export interface EvaluationResults {
  reconstruct: ReconstructResult[];
  draw: DrawResult[];
  ask: AskResult[];
  totals: Record<string, { count: number; seconds: number }>;
}

/** One sampling run of a prompt: its name and the options passed to seed.chat (undefined = none at all). */
interface Run {
  name: RunName;
  options: { temperature?: number; seed?: number } | undefined;
}

/** Greedy: temperature 0, all else default. Seed s: only the seed set, and seed 0 (the default) with no options. */
export function runsOf(s: Sampling): Run[] {
  const runs: Run[] = s.greedy ? [{ name: "greedy", options: { temperature: 0 } }] : [];
  for (const seed of s.seeds) runs.push({ name: `seed-${seed}`, options: seed === 0 ? undefined : { seed } });
  return runs;
}

/**
 * The image spans of a generated answer, from its tokens. `forced`: the prompt ended with `<img>` (forceImage: true),
 * so codes at the very start belong to a span the prompt opened.
 */
export function spansOf(
  tokens: readonly GeneratedToken[],
  forced: boolean,
): { spans: SpanRecord[]; strayCodes: number } {
  const spans: SpanRecord[] = [];
  let current: { codes: number[]; opened: "tag" | "prompt"; start: number } | undefined = forced
    ? { codes: [], opened: "prompt", start: 0 }
    : undefined;
  let strayCodes = 0;
  const close = (closed: boolean): void => {
    if (current) spans.push({ ...current, closed });
    current = undefined;
  };
  tokens.forEach((t, i) => {
    const text = t.text.trim();
    if (text === "<img>") {
      close(false);
      current = { codes: [], opened: "tag", start: i + 1 };
    } else if (text === "</img>") {
      if (current) close(true);
    } else if (t.code !== undefined) {
      if (current) current.codes.push(t.code);
      else strayCodes++;
    } else if (text !== "") {
      close(false); // text inside a span ends it, unclosed (as the API's answer parser reads it)
    }
  });
  close(false);
  return { spans, strayCodes };
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

async function timed<T>(seconds: Record<string, number>, key: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    seconds[key] = Math.round(performance.now() - t0) / 1000;
  }
}

export async function runEvaluation(
  seed: SeedApi,
  request: EvalRequest,
  o: EvaluationOptions,
): Promise<EvaluationResults> {
  const out: EvaluationResults = { reconstruct: [], draw: [], ask: [], totals: {} };
  const tally = (key: string, secs: number | undefined): void => {
    if (secs === undefined) return;
    const t = (out.totals[key] ??= { count: 0, seconds: 0 });
    t.count++;
    t.seconds = Math.round((t.seconds + secs) * 1000) / 1000;
  };
  const imagePath = (p: string): string => (isAbsolute(p) ? p : resolve(o.requestDir, p));
  const write = (folder: string, name: string, png: Uint8Array): string => {
    mkdirSync(join(o.outDir, folder), { recursive: true });
    writeFileSync(join(o.outDir, folder, name), png);
    return `${folder}/${name}`;
  };
  const line = (
    section: string,
    i: number,
    n: number,
    id: string,
    r: { seconds: Record<string, number>; error?: string },
    extra = "",
  ): void => {
    const secs = Object.values(r.seconds).reduce((a, b) => a + b, 0);
    o.progress(`[${section} ${i + 1}/${n}] ${id} ${secs.toFixed(1)} s${extra}${r.error ? ` ERROR ${r.error}` : ""}`);
  };

  for (const [i, item] of request.reconstruct.entries()) {
    const r: ReconstructResult = { id: item.id, image: item.image, prefixes: {}, seconds: {} };
    try {
      const tokens = await timed(r.seconds, "tokenize", () => seed.tokenize(imagePath(item.image)));
      r.codes = [...tokens.ids];
      const rec = await timed(r.seconds, "decode", () => seed.decode(tokens));
      r.reconstruction = write("reconstruct", `${item.id}.png`, rec.image.png);
      for (const k of item.prefixes) {
        const p = await timed(r.seconds, `prefix-${k}`, () => seed.decode(tokens, { prefix: k }));
        r.prefixes[String(k)] = write("reconstruct", `${item.id}.k${k}.png`, p.image.png);
      }
    } catch (e) {
      r.error = errorText(e);
    }
    tally("reconstruct.tokenize", r.seconds.tokenize);
    tally("reconstruct.decode", r.seconds.decode);
    for (const k of item.prefixes) tally("reconstruct.prefix", r.seconds[`prefix-${k}`]);
    out.reconstruct.push(r);
    line("reconstruct", i, request.reconstruct.length, item.id, r);
  }
  o.checkpoint?.(out);

  /** One seed.chat call, recorded; `extra` fills in what the section keeps beyond the answer text. */
  const chatRun = async <R extends ChatRunResult>(
    section: string,
    base: R,
    message: string | [SeedImage, string],
    run: Run,
    extra: (g: Generation, r: R) => void,
  ): Promise<R> => {
    const r = base;
    try {
      const g = await timed(r.seconds, "chat", () =>
        run.options === undefined ? seed.chat(message) : seed.chat(message, run.options),
      );
      r.text = g.text;
      r.tokens = g.tokens.length;
      r.stopReason = g.stopReason;
      r.warnings = [...g.warnings];
      extra(g, r);
    } catch (e) {
      r.error = errorText(e);
    }
    tally(`${section}.${run.name === "greedy" ? "greedy" : "sampled"}`, r.seconds.chat);
    return r;
  };

  const drawRuns = request.draw.flatMap((item) => runsOf(item).map((run) => ({ item, run })));
  for (const [i, { item, run }] of drawRuns.entries()) {
    const base: DrawResult = {
      id: item.id,
      run: run.name,
      options: run.options ?? null,
      prompt: item.prompt,
      seconds: {},
    };
    const r = await chatRun("draw", base, item.prompt, run, (g, res) => {
      // Default options: the prompt does not end with <img> (seed.d.ts: forceImage defaults to false), so every span
      // in the answer is one the model opened itself.
      const { spans, strayCodes } = spansOf(g.tokens, false);
      const first = spans[0];
      res.spans = spans;
      res.codes = first ? first.codes : null;
      res.exact =
        spans.length === 1 &&
        first !== undefined &&
        first.closed &&
        first.codes.length === o.numTokens &&
        strayCodes === 0;
      const image = g.images[0];
      res.png = image ? write("draw", `${item.id}.${run.name}.png`, image.png) : null;
    });
    out.draw.push(r);
    line(
      "draw",
      i,
      drawRuns.length,
      `${item.id} ${run.name}`,
      r,
      r.exact === undefined ? "" : r.exact ? " exact" : " NOT exact",
    );
  }
  o.checkpoint?.(out);

  const askRuns = request.ask.flatMap((item) => runsOf(item).map((run) => ({ item, run })));
  for (const [i, { item, run }] of askRuns.entries()) {
    const base: AskResult = {
      id: item.id,
      run: run.name,
      options: run.options ?? null,
      image: item.image,
      question: item.question,
      seconds: {},
    };
    let message: [SeedImage, string] | undefined;
    try {
      // A string in a chat message is text: the image goes in as a SeedImage, as a notebook cell passes it.
      message = [await timed(base.seconds, "image", () => seed.image(imagePath(item.image))), item.question];
    } catch (e) {
      base.error = errorText(e);
    }
    const r = message
      ? await chatRun(
          "ask",
          base,
          message,
          run,
          (g, res) => void (res.imageSpans = spansOf(g.tokens, false).spans.length),
        )
      : base;
    out.ask.push(r);
    line(
      "ask",
      i,
      askRuns.length,
      `${item.id} ${run.name}`,
      r,
      r.text === undefined ? "" : ` ${JSON.stringify(r.text)}`,
    );
  }
  o.checkpoint?.(out);
  return out;
}
