// seed.compare.seeds / .guidance / .prompts / .tokens: side-by-side comparisons. The decode comparisons run every row
// over the same scheduler steps (and the same initial noise where the seeds are equal), keep every step's predicted
// image and align the rows step by step. The token comparison aligns two sequences position by position and decodes,
// for each position that differs, A's tokens with B's code there: which positions matter for the picture.

import sharp from "sharp";
import { decodeComparisonBundle, tokenComparisonBundle } from "../display/compare-view";
import type { FrameInput } from "../display/filmstrip";
import type { MimeBundle } from "../protocol/mime";
import type { SeedApiContext } from "./context";
import { resolveDecodeOptions, runDecode } from "./decode";
import type { ModelProxy } from "./model-port";
import type { ReconstructionImpl } from "./reconstruction";
import type {
  CompareApi,
  CompareOptions,
  DecodeComparison,
  GenerateOptions,
  Generation,
  ImageSource,
  SeedImage,
  TokenComparison,
  Tokens,
} from "./seed";
import { TokensImpl } from "./tokens";
import { checkBool, checkInt, checkNumber, checkOptions, checkSignal, describe, SeedApiError } from "./validate";

export const COMPARE_OPTION_KEYS = ["steps", "seed", "guidance", "swaps", "generate"] as const;

/** Mean absolute difference of two same-sized PNGs' RGB values (0..255). */
export async function meanAbsDiff(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((png) => sharp(png).removeAlpha().raw().toBuffer()));
  if (x!.length !== y!.length)
    throw new RangeError(`meanAbsDiff: images differ in size (${x!.length} vs ${y!.length} bytes)`);
  let sum = 0;
  for (let i = 0; i < x!.length; i++) sum += Math.abs(x![i]! - y![i]!);
  return sum / x!.length;
}

/** Positions where two equally long id lists differ. */
export function differingPositions(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length)
    throw new RangeError(`differingPositions: ${a.length} ids vs ${b.length}; expected the same length`);
  return a.flatMap((id, i) => (id === b[i] ? [] : [i]));
}

class DecodeComparisonImpl implements DecodeComparison {
  readonly rows: readonly ReconstructionImpl[];
  readonly labels: readonly string[];
  readonly differences: readonly number[];
  constructor(
    rows: ReconstructionImpl[],
    labels: string[],
    differences: number[],
    readonly caption: string,
  ) {
    this.rows = Object.freeze(rows);
    this.labels = Object.freeze(labels);
    this.differences = Object.freeze(differences);
    Object.freeze(this);
  }
  toMimeBundle(): MimeBundle {
    const frames = (r: ReconstructionImpl): FrameInput[] =>
      r.frames.map((f) => ({ step: f.step, timestep: f.timestep, image: { png: f.image.png } }));
    return decodeComparisonBundle({
      rows: this.rows.map((r, i) => ({ label: this.labels[i]!, frames: frames(r) })),
      totalSteps: this.rows[0]!.steps,
      caption: this.caption,
      differences: this.differences,
    });
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `DecodeComparison { ${this.labels.join(" vs ")}, ${this.rows[0]?.steps} steps }`;
  }
}

class TokenComparisonImpl implements TokenComparison {
  readonly differ: readonly number[];
  readonly swaps: readonly { position: number; from: number; to: number; image: SeedImage; change: number }[];
  constructor(
    readonly a: TokensImpl,
    readonly b: TokensImpl,
    readonly decodedA: SeedImage | undefined,
    readonly decodedB: SeedImage | undefined,
    swaps: { position: number; from: number; to: number; image: SeedImage; change: number }[],
    readonly caption: string,
  ) {
    this.differ = Object.freeze(differingPositions(a.ids, b.ids));
    this.swaps = Object.freeze(swaps.map((s) => Object.freeze(s)));
    Object.freeze(this);
  }
  toMimeBundle(): MimeBundle {
    return tokenComparisonBundle({
      a: { ...this.a.stripInput(), label: this.a.label ?? "A" },
      b: { ...this.b.stripInput(), label: this.b.label ?? "B" },
      ...(this.decodedA ? { decodedA: { png: this.decodedA.png } } : {}),
      ...(this.decodedB ? { decodedB: { png: this.decodedB.png } } : {}),
      swaps: this.swaps.map((s) => ({ ...s, image: { png: s.image.png } })),
      caption: this.caption,
    });
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `TokenComparison { ${this.differ.length} of ${this.a.length} positions differ }`;
  }
}

/** What compare needs from the rest of the API. */
export interface CompareDeps {
  ctx: SeedApiContext;
  modelOf: () => Promise<ModelProxy>;
  /** Tokens, or an image source tokenized. */
  tokensOf: (call: string, model: ModelProxy, value: unknown, signal: AbortSignal) => Promise<TokensImpl>;
  chat: (prompt: string, options: GenerateOptions) => Promise<Generation>;
}

interface Row {
  tokens: TokensImpl;
  seed: number;
  guidance: number;
  label: string;
}

export function createCompareMethods(deps: CompareDeps): Pick<CompareApi, "seeds" | "guidance" | "prompts" | "tokens"> {
  const { ctx, modelOf } = deps;

  const options = (call: string, value: unknown, allowed: readonly (typeof COMPARE_OPTION_KEYS)[number][]) =>
    checkOptions<CompareOptions>(call, value, allowed);

  const list = <T>(call: string, name: string, value: unknown, check: (v: unknown, i: number) => T): T[] => {
    if (!Array.isArray(value) || value.length < 2 || value.length > 4)
      throw new SeedApiError(`${call}: ${name} must be an array of 2 to 4 values to compare, got ${describe(value)}`);
    return value.map(check);
  };

  /** Decodes every row over the same steps (every step kept) and measures rows 0 and 1 apart per step. */
  const decodeRows = async (
    call: string,
    model: ModelProxy,
    rows: Row[],
    steps: number | undefined,
    caption: string,
  ) => {
    const signal = ctx.signal();
    const recs: ReconstructionImpl[] = [];
    for (const row of rows) {
      const r = resolveDecodeOptions(call, model, row.tokens, {
        ...(steps === undefined ? {} : { steps }),
        seed: row.seed,
        guidance: row.guidance,
        frameEvery: 1,
      });
      recs.push(await runDecode(call, model, r, ctx.display, signal));
      checkSignal(call, signal);
    }
    const [first, second] = recs;
    const differences: number[] = [];
    for (let i = 0; i < first!.frames.length; i++)
      differences.push(await meanAbsDiff(first!.frames[i]!.image.png, second!.frames[i]!.image.png));
    return new DecodeComparisonImpl(
      recs,
      rows.map((r) => r.label),
      differences,
      caption,
    );
  };

  const common = (call: string, model: ModelProxy, o: Partial<CompareOptions>) => ({
    steps: o.steps === undefined ? undefined : checkInt(call, "steps", o.steps, 1, 1000),
    seed: o.seed === undefined ? 0 : checkInt(call, "seed", o.seed, 0, 2 ** 32 - 1),
    guidance:
      o.guidance === undefined
        ? model.info.decodeDefaults.guidanceScale
        : checkNumber(call, "guidance", o.guidance, 0, 100),
  });

  return {
    async seeds(tokens: Tokens | ImageSource, seeds: readonly number[], opts?: CompareOptions) {
      const call = "seed.compare.seeds";
      const o = options(call, opts, ["steps", "guidance"]);
      const model = await modelOf();
      const s = list(call, "seeds", seeds, (v, i) => checkInt(call, `seeds[${i}]`, v, 0, 2 ** 32 - 1));
      const c = common(call, model, o);
      const t = await deps.tokensOf(call, model, tokens, ctx.signal());
      return decodeRows(
        call,
        model,
        s.map((seed) => ({ tokens: t, seed, guidance: c.guidance, label: `seed ${seed}` })),
        c.steps,
        `same tokens and steps, guidance ${c.guidance}; each seed draws its own initial noise`,
      );
    },

    async guidance(tokens: Tokens | ImageSource, scales: readonly number[], opts?: CompareOptions) {
      const call = "seed.compare.guidance";
      const o = options(call, opts, ["steps", "seed"]);
      const model = await modelOf();
      const g = list(call, "scales", scales, (v, i) => checkNumber(call, `scales[${i}]`, v, 0, 100));
      const c = common(call, model, o);
      const t = await deps.tokensOf(call, model, tokens, ctx.signal());
      return decodeRows(
        call,
        model,
        g.map((guidance) => ({ tokens: t, seed: c.seed, guidance, label: `guidance ${guidance}` })),
        c.steps,
        `same tokens, steps and initial noise (seed ${c.seed})`,
      );
    },

    async prompts(prompts: readonly string[], opts?: CompareOptions) {
      const call = "seed.compare.prompts";
      const o = options(call, opts, ["steps", "seed", "guidance", "generate"]);
      const model = await modelOf();
      const p = list(call, "prompts", prompts, (v, i) => {
        if (typeof v !== "string" || v.trim() === "")
          throw new SeedApiError(`${call}: prompts[${i}] must be a non-empty string, got ${describe(v)}`);
        return v;
      });
      const c = common(call, model, o);
      const gen = o.generate === undefined ? {} : (o.generate as GenerateOptions);
      if (typeof gen !== "object" || gen === null)
        throw new SeedApiError(`${call}: generate must be chat options like { seed: 0 }, got ${describe(gen)}`);
      const rows: Row[] = [];
      for (const [i, prompt] of p.entries()) {
        const answer = await deps.chat(prompt, { seed: 0, ...gen, live: false, decodeImages: false, forceImage: true });
        const drawn = answer.imageTokens[0];
        if (!(drawn instanceof TokensImpl) || drawn.isPrefix)
          throw new SeedApiError(
            `${call}: the model drew no complete image for prompts[${i}] ("${prompt}")${answer.warnings.length ? `: ${answer.warnings.join("; ")}` : ""}`,
          );
        rows.push({ tokens: drawn, seed: c.seed, guidance: c.guidance, label: prompt });
      }
      return decodeRows(
        call,
        model,
        rows,
        c.steps,
        `same steps and initial noise (seed ${c.seed}), guidance ${c.guidance}`,
      );
    },

    async tokens(a: Tokens | ImageSource, b: Tokens | ImageSource, opts?: CompareOptions) {
      const call = "seed.compare.tokens";
      const o = options(call, opts, ["steps", "seed", "guidance", "swaps"]);
      const model = await modelOf();
      const signal = ctx.signal();
      const c = common(call, model, o);
      const swaps = o.swaps === undefined ? true : checkBool(call, "swaps", o.swaps);
      const ta = await deps.tokensOf(call, model, a, signal);
      const tb = await deps.tokensOf(call, model, b, signal);
      if (ta.isPrefix || tb.isPrefix || ta.length !== tb.length)
        throw new SeedApiError(
          `${call}: both must be complete token lists of ${ta.numTokens} ids; got ${ta.length} and ${tb.length}`,
        );
      const differ = differingPositions(ta.ids, tb.ids);
      const decode = async (t: TokensImpl) => {
        const r = resolveDecodeOptions(call, model, t, {
          ...(c.steps === undefined ? {} : { steps: c.steps }),
          seed: c.seed,
          guidance: c.guidance,
        });
        return (await runDecode(call, model, r, ctx.display, signal)).image;
      };
      let decodedA: SeedImage | undefined;
      let decodedB: SeedImage | undefined;
      const swapped: { position: number; from: number; to: number; image: SeedImage; change: number }[] = [];
      if (swaps) {
        decodedA = await decode(ta);
        decodedB = await decode(tb);
        for (const i of differ) {
          const image = await decode(ta.with(i, tb.ids[i]!) as TokensImpl);
          swapped.push({
            position: i,
            from: ta.ids[i]!,
            to: tb.ids[i]!,
            image,
            change: await meanAbsDiff(decodedA.png, image.png),
          });
        }
      }
      const caption = swaps ? `decoded with seed ${c.seed}, guidance ${c.guidance}` : "";
      return new TokenComparisonImpl(ta, tb, decodedA, decodedB, swapped, caption);
    },
  };
}
