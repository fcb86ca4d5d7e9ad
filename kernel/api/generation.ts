// Generation: the result of a chat turn or a raw continuation (text + decoded images + every token's top-k), and
// runGenerate, which streams it: text token by token and image tokens into ONE live display (throttled), then
// decodes each complete image span and shows the image under its token strip.

import type { GenerationInput, GenerationPartInput } from "../display/generation-view";
import { generationBundle } from "../display/generation-view";
import { probabilitiesBundle } from "../display/probabilities";
import { throttle } from "../display/throttle";
import type { MimeBundle } from "../protocol/mime";
import type { GenerationStep } from "../protocol/payloads";
import { imageCode, plainAnswer, splitAnswer } from "./answer-parts";
import type { DisplaySink } from "./context";
import { openLive } from "./context";
import { resolveDecodeOptions, runDecode } from "./decode";
import type { ChatTurn, ModelProxy, TokenEvent } from "./model-port";
import { View } from "./reconstruction";
import type {
  DecodeOptions,
  GeneratedToken,
  GenerateOptions,
  Generation,
  SeedDisplayable,
  SeedImage,
  Tokens,
} from "./seed";
import { TokensImpl } from "./tokens";
import { checkBool, checkInt, checkNumber, checkOptions, interrupted } from "./validate";

export const GENERATE_OPTION_KEYS = [
  "maxTokens",
  "temperature",
  "topK",
  "topP",
  "seed",
  "live",
  "topKReport",
  "forceImage",
  "drawImage",
  "decodeImages",
  "repairImages",
  "decode",
] as const;

/**
 * Whether a chat message asks for a drawing: it starts with a drawing verb (draw, sketch, paint, illustrate),
 * optionally after "please" or "can / could / would / will you (please)". seed.chat then requires an image in the
 * answer (drawImage). Requests phrased otherwise ("An image of ...", "Make a picture of ...") are left to the model.
 */
export function asksForDrawing(text: string): boolean {
  return /^\s*(?:please\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:draw|sketch|paint|illustrate)\b/i.test(
    text,
  );
}

export interface ResolvedGenerate {
  /** undefined: the model's generation_config default, cut to the room the prompt leaves in the context. */
  maxTokens: number | undefined;
  temperature: number | undefined;
  topK: number | undefined;
  topP: number | undefined;
  seed: number;
  live: boolean;
  topKReport: number;
  forceImage: boolean;
  /** undefined: decided by the caller (seed.chat: asksForDrawing of the message). */
  drawImage: boolean | undefined;
  decodeImages: boolean;
  repairImages: boolean;
  decode: unknown;
}

export function resolveGenerateOptions(call: string, options: unknown): ResolvedGenerate {
  const o = checkOptions<GenerateOptions>(call, options, GENERATE_OPTION_KEYS);
  // Checked now, not when the first image span arrives: a typo should fail before the model runs.
  checkOptions<DecodeOptions>(`${call} (decode options)`, o.decode, ["steps", "guidance", "seed", "frameEvery"]);
  return {
    maxTokens: o.maxTokens === undefined ? undefined : checkInt(call, "maxTokens", o.maxTokens, 1, 8192),
    temperature: o.temperature === undefined ? undefined : checkNumber(call, "temperature", o.temperature, 0, 10),
    topK: o.topK === undefined ? undefined : checkInt(call, "topK", o.topK, 0, 1_000_000),
    topP: o.topP === undefined ? undefined : checkNumber(call, "topP", o.topP, 1e-6, 1),
    seed: o.seed === undefined ? 0 : checkInt(call, "seed", o.seed, 0, 2 ** 32 - 1),
    live: o.live === undefined ? true : checkBool(call, "live", o.live),
    topKReport: o.topKReport === undefined ? 5 : checkInt(call, "topKReport", o.topKReport, 1, 20),
    forceImage: o.forceImage === undefined ? false : checkBool(call, "forceImage", o.forceImage),
    drawImage: o.drawImage === undefined ? undefined : checkBool(call, "drawImage", o.drawImage),
    decodeImages: o.decodeImages === undefined ? true : checkBool(call, "decodeImages", o.decodeImages),
    repairImages: o.repairImages === undefined ? true : checkBool(call, "repairImages", o.repairImages),
    decode: o.decode,
  };
}

export interface GenerationInit {
  prompt: string;
  text: string;
  /** The answer as the model wrote it, image tokens spelled out (sent back in conversations). */
  rawText: string;
  parts: (string | SeedImage)[];
  imageTokens: Tokens[];
  tokens: GeneratedToken[];
  stopReason: "stop-token" | "max-tokens";
  warnings: string[];
  view: GenerationInput;
}

export class GenerationImpl implements Generation {
  readonly prompt: string;
  readonly text: string;
  /** The answer as the model wrote it, image tokens spelled out (internal: conversations send it back). */
  readonly rawText: string;
  readonly parts: readonly (string | SeedImage)[];
  readonly imageTokens: readonly Tokens[];
  readonly tokens: readonly GeneratedToken[];
  readonly stopReason: "stop-token" | "max-tokens";
  readonly warnings: readonly string[];
  readonly #view: GenerationInput;

  constructor(init: GenerationInit) {
    this.prompt = init.prompt;
    this.text = init.text;
    this.rawText = init.rawText;
    this.parts = Object.freeze([...init.parts]);
    this.imageTokens = Object.freeze([...init.imageTokens]);
    this.tokens = Object.freeze([...init.tokens]);
    this.stopReason = init.stopReason;
    this.warnings = Object.freeze([...init.warnings]);
    this.#view = init.view;
    Object.freeze(this);
  }

  get images(): readonly SeedImage[] {
    return this.parts.filter((p): p is SeedImage => typeof p !== "string");
  }

  probabilities(at = 0): SeedDisplayable {
    if (this.tokens.length > 0) checkInt("generation.probabilities", "at", at, 0, this.tokens.length - 1);
    const steps = toSteps(this.tokens);
    return new View(
      () => probabilitiesBundle({ steps, selected: at, caption: this.prompt }),
      `Probabilities(${steps.length} steps)`,
    );
  }

  toMimeBundle(): MimeBundle {
    return generationBundle(this.#view);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Generation { text: ${JSON.stringify(this.text)}, images: ${this.images.length}, tokens: ${this.tokens.length} }`;
  }
}

function toSteps(tokens: readonly GeneratedToken[]): GenerationStep[] {
  return tokens.map((t) => ({
    id: t.id,
    text: t.text,
    ...(t.code !== undefined ? { code: t.code } : {}),
    candidates: t.candidates.map((c) => ({ id: c.id, text: c.text, prob: c.prob })),
  }));
}

/**
 * The codes to decode for one image span, or why it cannot be decoded. A span of exactly N valid codes is used as
 * is. With `repair`: more than N are cut to N, and fewer (or an unclosed span) are decoded as a prefix - SEED's
 * tokens are causal, so the first k are a coarse image. Every repair is listed in the generation's warnings.
 */
export function spanIds(
  codes: readonly number[],
  complete: boolean,
  numTokens: number,
  codebookSize: number,
  repair: boolean,
  allowPrefix: boolean,
): number[] | string {
  const bad = codes.find((c) => c >= codebookSize);
  if (bad !== undefined) return `code ${bad} is outside the codebook (0..${codebookSize - 1})`;
  if (complete && codes.length === numTokens) return [...codes];
  if (codes.length === 0) return "no image tokens";
  const problem = `${codes.length} codes${complete ? "" : ", not closed by </img>"}; expected exactly ${numTokens}`;
  if (!repair) return problem;
  if (codes.length < numTokens && !allowPrefix) return `${problem} (this model cannot decode a prefix)`;
  return codes.slice(0, numTokens);
}

function record(e: TokenEvent): GeneratedToken {
  return Object.freeze({
    id: e.id,
    text: e.token,
    code: imageCode(e.token),
    forced: e.forced,
    candidates: Object.freeze(e.candidates.map((c) => Object.freeze({ id: c.id, text: c.token, prob: c.prob }))),
  });
}

/** Runs the language model on a prompt and streams the answer. `promptText` is shown above the answer. */
export async function runGenerate(
  call: string,
  model: ModelProxy,
  prompt: readonly ChatTurn[] | readonly number[],
  promptText: string,
  o: ResolvedGenerate,
  display: DisplaySink,
  signal: AbortSignal,
): Promise<GenerationImpl> {
  const { numTokens, codebookSize } = model.info;
  const tokens: GeneratedToken[] = [];
  let text = "";
  const view = (status: GenerationInput["status"], parts: GenerationPartInput[]): GenerationInput => ({
    prompt: promptText,
    parts,
    tokenCount: tokens.length,
    status,
    numTokens,
    codebookSize,
    steps: toSteps(tokens),
  });
  // What the view says when the cell ends first: the answer so far, stopped (the parts are those shown last).
  let shownParts: GenerationPartInput[] = [];
  const handle = o.live
    ? openLive(display, generationBundle(view("running", [])), (how) => generationBundle(view(how, shownParts)))
    : undefined;
  const show = (parts: GenerationPartInput[]): void => {
    shownParts = parts;
    handle?.update(generationBundle(view("running", parts)));
  };
  const live = throttle<string>((t) => show(splitAnswer(t)));
  let result;
  try {
    result = await model.generate(prompt, {
      ...(o.maxTokens !== undefined ? { maxNewTokens: o.maxTokens } : {}),
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
      ...(o.topK !== undefined ? { topK: o.topK } : {}),
      ...(o.topP !== undefined ? { topP: o.topP } : {}),
      ...(o.forceImage ? { forceImage: true } : {}),
      ...(o.drawImage ? { requireImage: true } : {}),
      seed: o.seed,
      topCandidates: o.topKReport,
      signal,
      onToken: (e) => {
        tokens.push(record(e));
        text = e.text;
        shownParts = splitAnswer(text);
        if (handle) live.push(text);
      },
    });
  } catch (e) {
    live.cancel();
    handle?.finish(generationBundle(view(signal.aborted ? "interrupted" : "error", splitAnswer(text))));
    if (signal.aborted) throw interrupted(call);
    throw e;
  }
  live.flush();
  const answer = (o.forceImage && !result.text.trimStart().startsWith("<img>") ? "<img>" : "") + result.text;
  const split = splitAnswer(answer);
  const parts: (string | SeedImage)[] = [];
  const viewParts: GenerationPartInput[] = [];
  const imageTokens: Tokens[] = [];
  const warnings: string[] = [];
  let spanIndex = 0;
  for (const part of split) {
    if (part.kind === "text") {
      parts.push(part.text);
      viewParts.push(part);
      continue;
    }
    viewParts.push(part);
    spanIndex++;
    const ids = spanIds(part.ids, part.complete, numTokens, codebookSize, o.repairImages, model.info.supportsTokenMask);
    if (typeof ids === "string") {
      warnings.push(`image span ${spanIndex}: ${ids}; not decoded`);
      continue;
    }
    if (ids.length !== part.ids.length || !part.complete || ids.length < numTokens) {
      warnings.push(
        `image span ${spanIndex}: ${part.ids.length} codes${part.complete ? "" : ", not closed by </img>"} (expected ${numTokens}); decoded ${ids.length < numTokens ? `as a prefix of ${ids.length}` : `the first ${numTokens}`}`,
      );
    }
    const t = new TokensImpl({ ids, numTokens, codebookSize, label: "generated" });
    imageTokens.push(t);
    if (!o.decodeImages) continue;
    show([...viewParts, { kind: "text", text: "\n(decoding image…)" }]);
    shownParts = [...viewParts];
    let rec;
    try {
      rec = await runDecode(call, model, resolveDecodeOptions(call, model, t, o.decode ?? {}), display, signal);
    } catch (e) {
      handle?.finish(generationBundle(view(signal.aborted ? "interrupted" : "error", viewParts)));
      throw e;
    }
    const image = rec.image.withLabel("generated");
    parts.push(image);
    viewParts.push({ kind: "image", image: { png: image.png, label: "generated" } });
  }
  if (o.drawImage && imageTokens.length === 0)
    warnings.push(
      `a drawing was asked for, but the answer holds no decodable image (${tokens.length} tokens generated)`,
    );
  const opened = tokens.find((t) => t.forced && t.text.trim() === "<img>");
  if (opened)
    warnings.push(
      `a drawing was required: <img> was opened for the model at token ${tokens.indexOf(opened) + 1} (it was about to stop, or to run out of tokens, without drawing)`,
    );
  const stopReason = result.stopReason === "stop" ? "stop-token" : "max-tokens";
  const finalView: GenerationInput = { ...view(stopReason, viewParts), warnings };
  handle?.finish(generationBundle(finalView));
  const generation = new GenerationImpl({
    prompt: promptText,
    text: plainAnswer(answer),
    rawText: answer,
    parts,
    imageTokens,
    tokens,
    stopReason,
    warnings,
    view: finalView,
  });
  if (handle) display.shownAs?.(generation, handle.displayId);
  return generation;
}
