// seed.decode: validates the options, runs the runtime's denoising loop off-thread, and when `live` shows the
// predicted clean image step by step in ONE live display (a filmstrip updated in place, throttled, with a final
// update: the result, or where it stopped).

import type { FrameInput } from "../display/filmstrip";
import { filmstripBundle } from "../display/filmstrip";
import { throttle } from "../display/throttle";
import type { DisplaySink, LiveEnding, MimeBundle } from "./context";
import { openLive } from "./context";
import { SeedImageImpl } from "./image";
import type { DecodeStepEvent, ModelProxy } from "./model-port";
import { decodeCaption, ReconstructionImpl } from "./reconstruction";
import type { DecodeOptions, DenoisingFrame } from "./seed";
import type { TokensImpl } from "./tokens";
import { checkBool, checkInt, checkNumber, checkOptions, interrupted, SeedApiError } from "./validate";

export const DECODE_OPTION_KEYS = ["steps", "guidance", "seed", "prefix", "live", "frameEvery"] as const;

/** Options after validation and defaults. */
export interface ResolvedDecode {
  steps: number;
  guidance: number;
  seed: number;
  live: boolean;
  frameEvery: number;
  tokens: TokensImpl;
}

/** Validates decode options against the model; applies `prefix` to the tokens. */
export function resolveDecodeOptions(
  call: string,
  model: ModelProxy,
  tokens: TokensImpl,
  options: unknown,
): ResolvedDecode {
  const o = checkOptions<DecodeOptions>(call, options, DECODE_OPTION_KEYS);
  const info = model.info;
  const steps = o.steps === undefined ? info.decodeDefaults.steps : checkInt(call, "steps", o.steps, 1, 1000);
  const guidance =
    o.guidance === undefined ? info.decodeDefaults.guidanceScale : checkNumber(call, "guidance", o.guidance, 0, 100);
  const seed = o.seed === undefined ? 0 : checkInt(call, "seed", o.seed, 0, 2 ** 32 - 1);
  const live = o.live === undefined ? false : checkBool(call, "live", o.live);
  const frameEvery =
    o.frameEvery === undefined
      ? live
        ? 1
        : Math.max(1, Math.ceil(steps / 8))
      : checkInt(call, "frameEvery", o.frameEvery, 1, steps);
  let used = tokens;
  if (o.prefix !== undefined) used = tokens.prefix(checkInt(call, "prefix", o.prefix, 1, tokens.length)) as TokensImpl;
  if (used.isPrefix && !info.supportsTokenMask) {
    throw new SeedApiError(
      `${call}: this model (${info.name}) cannot decode a prefix of ${used.length} tokens (its detokenizer has no token_mask); pass all ${used.numTokens} tokens`,
    );
  }
  return { steps, guidance, seed, live, frameEvery, tokens: used };
}

/** Runs the decode. `original` is the image the tokens came from (shown next to the result). */
export async function runDecode(
  call: string,
  model: ModelProxy,
  r: ResolvedDecode,
  display: DisplaySink,
  signal: AbortSignal,
): Promise<ReconstructionImpl> {
  const caption = decodeCaption(r.steps, r.guidance, r.seed, r.tokens);
  const frames: DenoisingFrame[] = [];
  const asInputs = (): FrameInput[] =>
    frames.map((f) => ({ step: f.step, timestep: f.timestep, image: { png: f.image.png, label: `step ${f.step}` } }));
  const stoppedView = (stopped: LiveEnding): MimeBundle =>
    filmstripBundle({ frames: asInputs(), totalSteps: r.steps, done: true, stopped, caption });
  const handle = r.live
    ? openLive(display, filmstripBundle({ frames: [], totalSteps: r.steps, done: false, caption }), stoppedView)
    : undefined;
  const live = throttle<FrameInput[]>((fs) =>
    handle?.update(filmstripBundle({ frames: fs, totalSteps: r.steps, done: false, caption })),
  );
  const onStep = (e: DecodeStepEvent): void => {
    if (!e.preview) return;
    frames.push({
      step: e.step + 1,
      timestep: e.timestep,
      image: SeedImageImpl.fromRgb(e.preview, `step ${e.step + 1}`),
    });
    if (handle) live.push(asInputs());
  };
  // A prefix is passed as N ids (the withheld ones zero) plus prefix: k, as the runtime's token_mask expects.
  const codes = [...r.tokens.ids, ...new Array<number>(r.tokens.numTokens - r.tokens.length).fill(0)];
  try {
    const result = await model.decode(codes, {
      steps: r.steps,
      guidanceScale: r.guidance,
      seed: r.seed,
      ...(r.tokens.isPrefix ? { prefix: r.tokens.length } : {}),
      previewEvery: r.frameEvery,
      onStep,
      signal,
    });
    const label = r.tokens.isPrefix
      ? `first ${r.tokens.length} tokens`
      : r.tokens.source
        ? "reconstruction"
        : `decoded ${r.tokens.label ?? "tokens"}`;
    const image = SeedImageImpl.fromRgb(result.image, label);
    live.cancel();
    const rec = new ReconstructionImpl({
      image,
      tokens: r.tokens,
      original: r.tokens.source,
      steps: result.steps,
      guidance: result.guidanceScale,
      seed: result.seed,
      frames,
    });
    handle?.finish(rec.filmstrip().toMimeBundle());
    return rec;
  } catch (e) {
    live.cancel();
    handle?.finish(stoppedView(signal.aborted ? "interrupted" : "error"));
    if (signal.aborted) throw interrupted(call);
    throw e;
  }
}
