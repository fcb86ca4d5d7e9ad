// createSeedApi: the `seed` object that notebook cells use (declared in seed.d.ts), over the runtime's model proxy.
// Each method validates its arguments first (throwing SeedApiError), reads the running execution's AbortSignal, and
// returns immutable values that render as MIME bundles. All state lives in the context the kernel passes in.

import { comparisonBundle } from "../display/image-view";
import { toMimeBundle } from "../display/to-mime-bundle";
import { MIME } from "../protocol/mime";
import { imageTokensText } from "./answer-parts";
import type { AtlasImpl } from "./atlas";
import { createAtlasCall } from "./atlas";
import { createCompareMethods } from "./compare";
import type { SeedApiContext } from "./context";
import { ControlHub } from "./control-hub";
import { createControlsApi } from "./controls";
import type { StoredTurn } from "./conversation";
import { ConversationImpl } from "./conversation";
import { resolveDecodeOptions, runDecode } from "./decode";
import { asksForDrawing, resolveGenerateOptions, runGenerate } from "./generation";
import { SeedImageImpl } from "./image";
import { resolveImage } from "./image-source";
import { ModelInfoImpl } from "./model-info";
import type { ChatPart, ChatTurn, ModelProxy } from "./model-port";
import { ReconstructionImpl, View } from "./reconstruction";
import type {
  ChatInput,
  DecodeOptions,
  GenerateOptions,
  ImageSource,
  ModelInfo,
  Reconstruction,
  SeedApi,
  SeedDisplayable,
  SeedImage,
  Tokens,
} from "./seed";
import type { AtlasLookup } from "./tokens";
import { assertTokens, TokensImpl } from "./tokens";
import { checkIds, checkInt, checkSignal, describe, interrupted, SeedApiError } from "./validate";

export const SEED_API_VERSION = "1.0.0";

/** Runs `fn`; if the execution was interrupted meanwhile, reports that instead of whatever failed. */
async function guarded<T>(call: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  checkSignal(call, signal);
  try {
    const out = await fn();
    checkSignal(call, signal);
    return out;
  } catch (e) {
    if (signal.aborted && !(e instanceof Error && e.name === "AbortError" && e.message.startsWith(call)))
      throw interrupted(call);
    throw e;
  }
}

type MessagePart = string | SeedImage | Tokens;

/** Normalises a chat message into parts; each is text, an image source or Tokens. */
function messageParts(call: string, message: unknown): unknown[] {
  const parts = Array.isArray(message) ? [...message] : [message];
  if (parts.length === 0)
    throw new SeedApiError(`${call}: the message is empty; pass text, images or Tokens, e.g. ["Describe", img]`);
  return parts;
}

export function createSeedApi(ctx: SeedApiContext): SeedApi {
  /** The latest codebook atlas built or read in this session: token strips link their chips to it. */
  let latestAtlas: AtlasImpl | undefined;
  const atlasLookup: AtlasLookup = () =>
    latestAtlas && { referenceCount: latestAtlas.referenceCount, chip: (code: number) => latestAtlas!.chip(code) };
  /** Sizes of the model seen last (for drawing conversation transcripts before/without a model call). */
  let known = { numTokens: 32, codebookSize: 1 };
  const sizes = (): { numTokens: number; codebookSize: number } => known;
  const modelOf = async (): Promise<ModelProxy> => {
    const model = await ctx.model();
    known = { numTokens: model.info.numTokens, codebookSize: model.info.codebookSize };
    return model;
  };
  const tokensFrom = async (
    call: string,
    model: ModelProxy,
    image: SeedImageImpl,
    signal: AbortSignal,
  ): Promise<TokensImpl> => {
    const loaded = await image.loadedFor(model);
    const vt = await model.tokenize(loaded, { signal });
    const { numTokens, codebookSize } = model.info;
    const ids = vt.ids[0];
    if (!ids) throw new Error(`${call}: the runtime returned no token ids for the image`);
    const cells = vt.patchGrid[0] * vt.patchGrid[1];
    const maps = vt.attentionMaps.data; // [1, N, Gh*Gw]
    const attention = ids.map((_, n) => Array.from(maps.subarray(n * cells, (n + 1) * cells)));
    return new TokensImpl({
      ids,
      numTokens,
      codebookSize,
      source: image,
      attention,
      patchGrid: vt.patchGrid,
      label: image.label,
      atlas: atlasLookup,
    });
  };

  const toTokens = (call: string, model: ModelProxy, value: unknown): TokensImpl => {
    if (value instanceof TokensImpl) return value;
    if (Array.isArray(value)) {
      const { numTokens, codebookSize } = model.info;
      return new TokensImpl({
        ids: checkIds(call, "ids", value, numTokens, codebookSize, true),
        numTokens,
        codebookSize,
        atlas: atlasLookup,
      });
    }
    throw new SeedApiError(
      `${call}: expected Tokens (from seed.tokenize) or an array of token ids, got ${describe(value)}`,
    );
  };

  /** Message parts -> runtime chat parts, with the parts kept for display and a one-line prompt text. */
  const chatContent = async (call: string, model: ModelProxy, message: unknown, signal: AbortSignal) => {
    const shown: MessagePart[] = [];
    const content: ChatPart[] = [];
    for (const part of messageParts(call, message)) {
      if (typeof part === "string") {
        shown.push(part);
        content.push(part);
      } else if (part instanceof TokensImpl) {
        if (part.isPrefix)
          throw new SeedApiError(
            `${call}: Tokens in a message must be complete (${part.numTokens} ids), got a prefix of ${part.length}`,
          );
        shown.push(part);
        content.push({ codes: part.ids });
      } else {
        const image = await resolveImage(call, part, model, ctx.cwd);
        checkSignal(call, signal);
        shown.push(image);
        content.push(await image.loadedFor(model));
      }
    }
    const promptText = shown.map((p) => (typeof p === "string" ? p : "<image>")).join(" ");
    return { shown, content, promptText };
  };

  const requireLanguageModel = (call: string, model: ModelProxy): void => {
    if (!model.info.hasLanguageModel) {
      throw new SeedApiError(
        `${call}: the model package ${model.info.name} has no language model; chat and generate need one (seed.json "language_model")`,
      );
    }
  };

  /**
   * One chat turn over a history; used by seed.chat and conversations. With `fit` (conversations), the oldest
   * rounds after the first `fit.keepFirst` turns (a system message) are left out of the prompt, a user turn and
   * its answer at a time, until the prompt leaves room for an answer (as SEED's demo keeps only its last rounds);
   * `dropped` says how many turns were left out.
   */
  const chatTurn = async (
    call: string,
    history: readonly ChatTurn[],
    message: ChatInput,
    options: GenerateOptions | undefined,
    fit?: { keepFirst: number },
  ) => {
    const signal = ctx.signal();
    const o = resolveGenerateOptions(call, options);
    return guarded(call, signal, async () => {
      const model = await modelOf();
      requireLanguageModel(call, model);
      const { shown, content, promptText } = await chatContent(call, model, message, signal);
      const firstText = shown.find((p): p is string => typeof p === "string") ?? "";
      // "Draw ...", "Could you sketch ...?" ask for a drawing: the model writes its reply, and its image span is
      // required and kept well-formed.
      if (o.drawImage === undefined) o.drawImage = asksForDrawing(firstText);
      const turns: ChatTurn[] = [...history, { role: "user", content }];
      let dropped = 0;
      let prompt: readonly ChatTurn[] | readonly number[] = turns;
      const context = model.info.contextLength;
      if (fit && context !== undefined) {
        // Room for an answer: what the caller allows, else an image span and a few words.
        const reserve = Math.min(o.maxTokens ?? model.info.numTokens + 8, context - 1);
        const build = () => model.buildPrompt(turns, { forceImage: o.forceImage });
        let ids = await build();
        while (ids.length + reserve > context && turns.length - 1 - fit.keepFirst >= 2) {
          turns.splice(fit.keepFirst, 2);
          dropped += 2;
          ids = await build();
        }
        prompt = ids; // generate takes the ids: the turns' images are not tokenized a second time
      }
      const answer = await runGenerate(call, model, prompt, promptText, o, ctx.display, signal);
      const user: StoredTurn = { role: "user", parts: shown, runtime: { role: "user", content } };
      // The assistant turn goes back to the model as the model wrote it, image tokens spelled out.
      return { user, answer, assistantContent: answer.rawText, dropped };
    });
  };

  const atlas = createAtlasCall(ctx, modelOf, (a) => {
    latestAtlas = a;
  });
  const compareImages = (images: readonly (SeedImage | Reconstruction)[], caption?: string): SeedDisplayable => {
    if (!Array.isArray(images) || images.length === 0)
      throw new SeedApiError(
        `seed.compare: expected a non-empty array of images or reconstructions, got ${describe(images)}`,
      );
    const inputs = images.map((x, i) => {
      const img =
        x instanceof ReconstructionImpl
          ? x.image.withLabel(x.tokens.isPrefix ? `first ${x.tokens.length}` : x.image.label)
          : x;
      if (!(img instanceof SeedImageImpl))
        throw new SeedApiError(
          `seed.compare: images[${i}] is ${describe(x)}; expected a SeedImage or a Reconstruction`,
        );
      return { png: img.png, label: img.label };
    });
    return new View(
      () => comparisonBundle(caption === undefined ? { images: inputs } : { images: inputs, caption: String(caption) }),
      `Comparison(${inputs.length} images)`,
    );
  };
  const compare: SeedApi["compare"] = Object.freeze(
    Object.assign(
      compareImages,
      createCompareMethods({
        ctx,
        modelOf,
        tokensOf: async (call, model, value, signal) =>
          value instanceof TokensImpl
            ? value
            : tokensFrom(call, model, await resolveImage(call, value, model, ctx.cwd), signal),
        chat: (prompt, options) => api.chat(prompt, options),
      }),
    ),
  );

  const api: Omit<SeedApi, "controls"> = {
    version: SEED_API_VERSION,

    async image(source: ImageSource, label?: string): Promise<SeedImage> {
      const signal = ctx.signal();
      if (label !== undefined && typeof label !== "string")
        throw new SeedApiError(`seed.image: label must be a string, got ${describe(label)}`);
      return guarded("seed.image", signal, async () =>
        resolveImage("seed.image", source, await modelOf(), ctx.cwd, label),
      );
    },

    async tokenize(image: ImageSource): Promise<Tokens> {
      const signal = ctx.signal();
      return guarded("seed.tokenize", signal, async () => {
        const model = await modelOf();
        const img = await resolveImage("seed.tokenize", image, model, ctx.cwd);
        return tokensFrom("seed.tokenize", model, img, signal);
      });
    },

    async tokens(ids: readonly number[]): Promise<Tokens> {
      const signal = ctx.signal();
      return guarded("seed.tokens", signal, async () => toTokens("seed.tokens", await modelOf(), ids));
    },

    async decode(tokens: Tokens | readonly number[], options?: DecodeOptions): Promise<Reconstruction> {
      const signal = ctx.signal();
      return guarded("seed.decode", signal, async () => {
        const model = await modelOf();
        const r = resolveDecodeOptions("seed.decode", model, toTokens("seed.decode", model, tokens), options);
        return runDecode("seed.decode", model, r, ctx.display, signal);
      });
    },

    async reconstruct(image: ImageSource, options?: DecodeOptions): Promise<Reconstruction> {
      const signal = ctx.signal();
      return guarded("seed.reconstruct", signal, async () => {
        const model = await modelOf();
        const img = await resolveImage("seed.reconstruct", image, model, ctx.cwd);
        const tokens = await tokensFrom("seed.reconstruct", model, img, signal);
        return runDecode(
          "seed.reconstruct",
          model,
          resolveDecodeOptions("seed.reconstruct", model, tokens, options),
          ctx.display,
          signal,
        );
      });
    },

    splice(a: Tokens, b: Tokens, at: number): Tokens {
      assertTokens("seed.splice", "a", a);
      assertTokens("seed.splice", "b", b);
      if (a.isPrefix || b.isPrefix)
        throw new SeedApiError(
          `seed.splice: both token lists must be complete (${a.numTokens} ids); got ${a.length} and ${b.length}`,
        );
      checkInt("seed.splice", "at", at, 0, a.length);
      const ids = [...a.ids.slice(0, at), ...b.ids.slice(at)];
      return new TokensImpl({
        ids,
        numTokens: a.numTokens,
        codebookSize: a.codebookSize,
        label: `${a.label ?? "a"}[0..${at}) + ${b.label ?? "b"}[${at}..${a.numTokens})`,
        atlas: atlasLookup,
      });
    },

    mix(a: Tokens, b: Tokens, pick: readonly boolean[] | ((position: number) => boolean)): Tokens {
      assertTokens("seed.mix", "a", a);
      assertTokens("seed.mix", "b", b);
      if (a.length !== b.length)
        throw new SeedApiError(`seed.mix: a has ${a.length} tokens and b has ${b.length}; expected the same length`);
      let choose: (i: number) => boolean;
      if (typeof pick === "function") choose = (i) => pick(i) === true;
      else if (Array.isArray(pick)) {
        if (pick.length !== a.length)
          throw new SeedApiError(
            `seed.mix: pick has ${pick.length} entries; expected one boolean per token (${a.length})`,
          );
        choose = (i) => pick[i] === true;
      } else
        throw new SeedApiError(
          `seed.mix: pick must be an array of ${a.length} booleans or a function (position) => boolean, got ${describe(pick)}`,
        );
      const ids = a.ids.map((id, i) => (choose(i) ? b.ids[i]! : id));
      return new TokensImpl({
        ids,
        numTokens: a.numTokens,
        codebookSize: a.codebookSize,
        label: `mix of ${a.label ?? "a"} and ${b.label ?? "b"}`,
        atlas: atlasLookup,
      });
    },

    async chat(message: ChatInput, options?: GenerateOptions) {
      return (await chatTurn("seed.chat", [], message, options)).answer;
    },

    async generate(prompt: ChatInput, options?: GenerateOptions) {
      const signal = ctx.signal();
      const o = resolveGenerateOptions("seed.generate", options);
      return guarded("seed.generate", signal, async () => {
        const model = await modelOf();
        requireLanguageModel("seed.generate", model);
        let text = "";
        for (const part of messageParts("seed.generate", prompt)) {
          if (typeof part === "string") text += part;
          else {
            const tokens =
              part instanceof TokensImpl
                ? part
                : await tokensFrom(
                    "seed.generate",
                    model,
                    await resolveImage("seed.generate", part, model, ctx.cwd),
                    signal,
                  );
            if (tokens.isPrefix)
              throw new SeedApiError(
                `seed.generate: Tokens in a prompt must be complete (${tokens.numTokens} ids), got a prefix of ${tokens.length}`,
              );
            text += imageTokensText(tokens.ids);
          }
        }
        if (o.forceImage) text += "<img>";
        const ids = await model.encodeText(text);
        return runGenerate(
          "seed.generate",
          model,
          ids,
          text.replace(/<img>(<img_\d+>)*<\/img>/g, "<image>"),
          o,
          ctx.display,
          signal,
        );
      });
    },

    conversation(system?: string) {
      if (system !== undefined && typeof system !== "string")
        throw new SeedApiError(`seed.conversation: system must be a string, got ${describe(system)}`);
      return new ConversationImpl(
        (history, message, options, keepFirst) =>
          chatTurn("conversation.say", history, message, options, { keepFirst }),
        sizes,
        system,
      );
    },

    display(value: unknown): void {
      // A string is shown as the text itself (a cell's string result, through toMimeBundle, keeps its quotes).
      ctx.display.display(typeof value === "string" ? { [MIME.plain]: value } : toMimeBundle(value));
    },

    compare,

    atlas: atlas as SeedApi["atlas"],

    async info(): Promise<ModelInfo> {
      const signal = ctx.signal();
      return guarded("seed.info", signal, async () => new ModelInfoImpl((await modelOf()).info, ctx.cwd));
    },
  };
  // Views with controls re-run through a child `seed` whose displays are the view's frames and whose signal is the run's.
  const hub = ctx.controls ?? new ControlHub(ctx.display);
  const self = api as SeedApi;
  const controls = createControlsApi(ctx, hub, self, (display, signal) =>
    createSeedApi({ ...ctx, display, signal: () => signal, controls: hub }),
  );
  return Object.freeze(Object.assign(self, { controls }));
}
