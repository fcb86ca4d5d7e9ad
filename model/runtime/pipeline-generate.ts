// The token loop, written out: validate the prompt, then draw one token at a time from the language-model backend
// (lm-backend.ts: in-process ONNX with the KV cache, or a remote server) until a stop id, the token budget or an
// abort; each token is reported with its top-k candidates. Image spans are kept well-formed while drawing
// (image-constraint.ts) unless `constrainImages` is false: the loop asks the guard before each token, the backend
// draws under that rule, and a token the rule chose instead is reported as forced. The decoded text is the
// decode of the whole generated prefix (token-by-token decode drops spaces).

import { SeedError, throwIfAborted } from "./errors";
import { ImageSpanGuard } from "./image-constraint";
import { extractImageSpans } from "./image-spans";
import type { LanguageModelBackend } from "./lm-backend";
import { createRng } from "./rng";
import { checkSamplerOptions, type SamplerOptions } from "./sampler";
import type { TextTokenizer } from "./text-tokenizer";
import type { GenerateOptions, GenerateResult } from "./types";

export interface GenerateDefaults {
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
}

export async function generateTokens(
  lm: LanguageModelBackend,
  tok: TextTokenizer,
  promptIds: readonly number[],
  numTokens: number,
  options: GenerateOptions,
  defaults: GenerateDefaults,
): Promise<GenerateResult> {
  // 1. Validate everything before the first session call, so bad input costs nothing and leaves nothing behind.
  if (promptIds.length === 0) throw new SeedError("input", "the prompt is empty; it needs at least one id (BOS)");
  const badId = promptIds.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= lm.vocabSize);
  if (badId >= 0)
    throw new SeedError(
      "input",
      `prompt id ${promptIds[badId]} at position ${badId} is outside the vocabulary [0, ${lm.vocabSize})`,
    );
  const room = lm.contextLength - promptIds.length;
  if (room < 1) {
    throw new SeedError(
      "context",
      `the prompt has ${promptIds.length} tokens, but the context holds ${lm.contextLength}; shorten the prompt (fewer turns or images)`,
    );
  }
  const maxNew = options.maxNewTokens ?? Math.min(defaults.maxNewTokens, room);
  if (!Number.isInteger(maxNew) || maxNew < 1)
    throw new SeedError("input", `maxNewTokens must be an integer >= 1, got ${maxNew}`);
  if (maxNew > room) {
    throw new SeedError(
      "context",
      `prompt (${promptIds.length} tokens) + maxNewTokens (${maxNew}) exceeds the context of ${lm.contextLength}; use maxNewTokens <= ${room}`,
    );
  }
  const sampler: SamplerOptions = {
    temperature: options.temperature ?? defaults.temperature,
    topK: options.topK ?? defaults.topK,
    topP: options.topP ?? defaults.topP,
    candidates: options.topCandidates ?? 5,
  };
  checkSamplerOptions(sampler);
  const stop = new Set([...tok.special.stop, ...(options.stopIds ?? [])]);
  const rng = createRng(options.seed ?? 0);
  const signal = options.signal;
  throwIfAborted(signal, "generate");

  const spanTokens = {
    boi: tok.special.boi,
    eoi: tok.special.eoi,
    imageTokenOffset: tok.imageTokenOffset,
    codebookSize: tok.codebookSize,
    numTokens,
  };
  const openAtStart = promptIds[promptIds.length - 1] === tok.special.boi;
  const guard =
    options.constrainImages === false
      ? undefined
      : new ImageSpanGuard(spanTokens, { openAtStart, requireImage: options.requireImage === true });
  const run = lm.start(promptIds, {
    sampler,
    rng,
    seed: options.seed ?? 0,
    stopIds: options.stopIds ?? [],
    spanTokens,
    signal,
  });
  const generated: number[] = [];
  let forcedCount = 0;
  let stopReason: GenerateResult["stopReason"] = "max_tokens";
  try {
    // 2. Decode: draw (within the image-span rule; the first draw prefills the prompt), report, feed the token back.
    for (let i = 0; i < maxNew; i++) {
      throwIfAborted(signal, "generate");
      const rule = guard?.rule(maxNew - i);
      const drawn = await run.next(rule, maxNew - i);
      const { candidates } = drawn;
      let id = drawn.id ?? -1;
      let forced = drawn.replaced === true;
      // "forced" only where the rule overrode the model's own choice (or the model made none: a remote server).
      if (rule?.kind === "force") [id, forced] = [rule.id, drawn.id !== rule.id];
      else if (guard) {
        const settled = guard.settle(id, stop.has(id), maxNew - i);
        id = settled.id;
        forced ||= settled.forced;
      }
      if (stop.has(id)) {
        stopReason = "stop";
        break;
      }
      guard?.accept(id);
      if (forced) forcedCount++;
      generated.push(id);
      options.onToken?.({
        index: i,
        id,
        token: tok.tokenOf(id),
        text: tok.decode(generated, { skipSpecial: true }),
        candidates: candidates.map((c) => ({ id: c.id, prob: c.prob, token: tok.tokenOf(c.id) })),
        forced,
      });
      await run.accept(id, i + 1 < maxNew);
    }
  } finally {
    await run.close();
  }

  return {
    promptIds: [...promptIds],
    ids: generated,
    text: tok.decode(generated, { skipSpecial: true }),
    stopReason,
    forcedTokens: forcedCount,
    images: spansOf(generated, openAtStart, tok, numTokens),
  };
}

/**
 * Image spans of the generated ids. When the prompt ends with BOI (forceImage), the first span opens in the prompt:
 * it is scanned as if BOI led the output, and its start is -1 (the slice starts one token earlier).
 */
function spansOf(
  generated: readonly number[],
  promptEndsWithBoi: boolean,
  tok: TextTokenizer,
  numTokens: number,
): GenerateResult["images"] {
  const ids = promptEndsWithBoi ? [tok.special.boi, ...generated] : [...generated];
  const shift = promptEndsWithBoi ? -1 : 0;
  const spans = extractImageSpans(ids, {
    boi: tok.special.boi,
    eoi: tok.special.eoi,
    imageTokenOffset: tok.imageTokenOffset,
    codebookSize: tok.codebookSize,
    numTokens,
  });
  return spans.map((s) => ({ ...s, start: s.start + shift, end: s.end + shift }));
}
