// seed.controls: views with live controls (decode, chat, token editing, or a view of your own). Each builds a
// ControlledViewSpec for the kernel's ControlHub (control-hub.ts); a run calls the ordinary `seed` API through a
// child object whose displays become the view's frames and whose calls the run's AbortSignal cancels, so a controlled
// decode streams exactly the frames `seed.decode(..., { live: true })` would.

import { toMimeBundle } from "../display/to-mime-bundle";
import type { ControlSpec, ControlValues } from "../protocol/controls";
import type { MimeBundle } from "../protocol/mime";
import type { DisplaySink, SeedApiContext } from "./context";
import type { ControlHub, ControlledView, ControlledViewSpec } from "./control-hub";
import type {
  ChatInput,
  ControlsApi,
  CustomControls,
  DecodeControls,
  EditControls,
  GenerateControls,
  Generation,
  ControlledView as PublicControlledView,
  Reconstruction,
  SeedApi,
  Tokens,
} from "./seed";
import { TokensImpl } from "./tokens";
import { checkInt, checkNumber, checkOptions, checkSignal, describe, interrupted, SeedApiError } from "./validate";

/** Denoising steps of a preview run while a slider moves. */
export const PREVIEW_STEPS = 4;

/** A `seed` object for one run: displays go to `display`, calls are cancelled by `signal`. */
export type ChildApi = (display: DisplaySink, signal: AbortSignal) => SeedApi;

/** A display sink whose every display and update is a frame of the running view. */
function frameSink(frame: (inner: MimeBundle) => void): DisplaySink {
  return {
    display: (bundle) => {
      frame(bundle);
      return { displayId: "frame", update: frame };
    },
    update: (_id, bundle) => frame(bundle),
  };
}

const num = (v: Readonly<ControlValues>, name: string): number => v[name] ?? 0;

class ControlledViewHandle<T> implements PublicControlledView<T> {
  readonly #view: ControlledView;
  readonly #hub: ControlHub;
  constructor(view: ControlledView, hub: ControlHub) {
    this.#view = view;
    this.#hub = hub;
  }
  get id(): string {
    return this.#view.id;
  }
  get controls(): readonly ControlSpec[] {
    return this.#view.controls;
  }
  get values(): Readonly<ControlValues> {
    return { ...this.#view.values };
  }
  get result(): T {
    return this.#view.latest as T;
  }
  get code(): string {
    return this.#view.spec.code(this.#view.values);
  }
  async set(values: Readonly<ControlValues>): Promise<T> {
    await this.#hub.change(this.#view.id, values, "final", "api");
    return this.#view.latest as T;
  }
  toMimeBundle(): MimeBundle {
    return this.#view.bundle;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `ControlledView(${this.#view.spec.title}: ${this.code})`;
  }
}

function checkName(call: string, name: unknown, dflt: string): string {
  if (name === undefined) return dflt;
  if (typeof name !== "string" || name.trim() === "")
    throw new SeedApiError(
      `${call}: name must be a non-empty string (how the code refers to the input), got ${describe(name)}`,
    );
  return name;
}

function checkControl(call: string, c: unknown, i: number): ControlSpec {
  const o = c as Partial<ControlSpec> | null;
  const ok =
    typeof o === "object" &&
    o !== null &&
    typeof o.name === "string" &&
    (o.kind === "int" || o.kind === "float") &&
    typeof o.min === "number" &&
    typeof o.max === "number" &&
    typeof o.step === "number" &&
    o.min <= o.max &&
    o.step > 0;
  if (!ok)
    throw new SeedApiError(
      `${call}: controls[${i}] is ${describe(c)}; expected { name, label, kind: "int" | "float", min, max, step } with min <= max and step > 0`,
    );
  return {
    name: o.name,
    label: typeof o.label === "string" ? o.label : o.name,
    kind: o.kind,
    min: o.min,
    max: o.max,
    step: o.step,
  } as ControlSpec;
}

export function createControlsApi(ctx: SeedApiContext, hub: ControlHub, parent: SeedApi, child: ChildApi): ControlsApi {
  /** Opens the view (display + first run, cancelled with the cell) and returns its handle. */
  const open = async <T>(call: string, spec: ControlledViewSpec): Promise<PublicControlledView<T>> => {
    const signal = ctx.signal();
    checkSignal(call, signal);
    // Values checked up front, so a wrong one fails the cell before anything is shown.
    for (const c of spec.controls) {
      const v = spec.values[c.name];
      if (c.kind === "int") checkInt(call, c.name, v, c.min, c.max);
      else checkNumber(call, c.name, v, c.min, c.max);
    }
    let view: ControlledView;
    try {
      view = await hub.open(spec, signal);
    } catch (e) {
      if (signal.aborted) throw interrupted(call);
      throw e;
    }
    const handle = new ControlledViewHandle<T>(view, hub);
    ctx.display.shownAs?.(handle, view.id);
    return handle;
  };

  const toTokens = async (call: string, tokens: unknown): Promise<TokensImpl> => {
    if (tokens instanceof TokensImpl) return tokens;
    if (Array.isArray(tokens)) return (await parent.tokens(tokens)) as TokensImpl;
    throw new SeedApiError(
      `${call}: expected Tokens (from seed.tokenize) or an array of token ids, got ${describe(tokens)}`,
    );
  };

  /** The steps / guidance / seed controls and their start values (model defaults unless given). */
  const decodeBasics = async (call: string, v: { steps?: unknown; guidance?: unknown; seed?: unknown }) => {
    const info = (await ctx.model()).info;
    const steps = v.steps === undefined ? info.decodeDefaults.steps : checkInt(call, "steps", v.steps, 1, 100);
    const guidance =
      v.guidance === undefined ? info.decodeDefaults.guidanceScale : checkNumber(call, "guidance", v.guidance, 0, 20);
    const seed = v.seed === undefined ? 0 : checkInt(call, "seed", v.seed, 0, 9999);
    const controls: ControlSpec[] = [
      { name: "steps", label: "steps", kind: "int", min: 1, max: Math.max(50, steps), step: 1 },
      { name: "guidance", label: "guidance", kind: "float", min: 0, max: Math.max(10, guidance), step: 0.5 },
      { name: "seed", label: "seed", kind: "int", min: 0, max: 9999, step: 1 },
    ];
    return { info, controls, values: { steps, guidance, seed } as ControlValues };
  };

  /** A run that decodes `tokensFor(values)`; `settings` gives steps, guidance and seed (controls or fixed). */
  const decodeRun =
    (
      tokensFor: (v: Readonly<ControlValues>) => Tokens,
      prefixOf: (v: Readonly<ControlValues>) => number | undefined,
      settings: (v: Readonly<ControlValues>) => Readonly<ControlValues> = (v) => v,
    ) =>
    async (r: {
      values: Readonly<ControlValues>;
      preview: boolean;
      signal: AbortSignal;
      frame(b: MimeBundle): void;
    }) => {
      const api = child(frameSink(r.frame), r.signal);
      const d = settings(r.values);
      const steps = num(d, "steps");
      const prefix = prefixOf(r.values);
      const rec = await api.decode(tokensFor(r.values), {
        steps: r.preview ? Math.min(PREVIEW_STEPS, steps) : steps,
        guidance: num(d, "guidance"),
        seed: num(d, "seed"),
        ...(prefix === undefined ? {} : { prefix }),
        live: true,
      });
      return { inner: rec.filmstrip().toMimeBundle(), value: rec };
    };
  const stepsPreview = (v: Readonly<ControlValues>): string | undefined =>
    num(v, "steps") > PREVIEW_STEPS ? `${PREVIEW_STEPS} of ${num(v, "steps")} steps` : undefined;

  return Object.freeze({
    async decode(tokens: Tokens | readonly number[], values?: DecodeControls, options?: { name?: string }) {
      const call = "seed.controls.decode";
      const v = checkOptions<DecodeControls>(call, values, ["steps", "guidance", "seed", "prefix"]);
      const o = checkOptions<{ name?: string }>(call, options, ["name"]);
      const name = checkName(call, o.name, "tokens");
      const toks = await toTokens(call, tokens);
      const { info, controls, values: start } = await decodeBasics(call, v);
      const full = toks.isPrefix ? toks.numTokens : toks.length;
      const prefixed = info.supportsTokenMask && !toks.isPrefix;
      if (v.prefix !== undefined && !prefixed)
        throw new SeedApiError(
          `${call}: prefix needs complete tokens and a model that decodes prefixes (${info.name}: ${info.supportsTokenMask ? "yes" : "no"}); leave it out`,
        );
      if (prefixed) {
        controls.push({ name: "prefix", label: "prefix k", kind: "int", min: 1, max: full, step: 1 });
        start.prefix = v.prefix === undefined ? full : checkInt(call, "prefix", v.prefix, 1, full);
      }
      const prefixOf = (x: Readonly<ControlValues>) =>
        prefixed && num(x, "prefix") < full ? num(x, "prefix") : undefined;
      return open<Reconstruction>(call, {
        title: "decode",
        controls,
        values: start,
        code: (x) => {
          const k = prefixOf(x);
          return `await seed.decode(${name}, { steps: ${x.steps}, guidance: ${x.guidance}, seed: ${x.seed}${k === undefined ? "" : `, prefix: ${k}`} })`;
        },
        previewNote: stepsPreview,
        run: decodeRun(() => toks, prefixOf),
      });
    },

    async chat(message: ChatInput, values?: GenerateControls, options?: Record<string, unknown>) {
      const call = "seed.controls.chat";
      const v = checkOptions<GenerateControls>(call, values, ["temperature", "topP", "topK", "seed"]);
      const { name: rawName, ...rest } = (options ?? {}) as { name?: unknown } & Record<string, unknown>;
      if (options !== undefined && (typeof options !== "object" || options === null))
        throw new SeedApiError(`${call}: options must be an object, got ${describe(options)}`);
      for (const k of ["temperature", "topP", "topK", "seed", "live"])
        if (k in rest) throw new SeedApiError(`${call}: "${k}" is a control; pass it in the values (second argument)`);
      const name = checkName(call, rawName, typeof message === "string" ? JSON.stringify(message) : "message");
      const start: ControlValues = {
        temperature: v.temperature === undefined ? 0.7 : checkNumber(call, "temperature", v.temperature, 0, 2),
        topP: v.topP === undefined ? 0.9 : checkNumber(call, "topP", v.topP, 0.05, 1),
        topK: v.topK === undefined ? 0 : checkInt(call, "topK", v.topK, 0, 100),
        seed: v.seed === undefined ? 0 : checkInt(call, "seed", v.seed, 0, 9999),
      };
      const extra = Object.keys(rest).length
        ? `, ${JSON.stringify(rest)
            .slice(1, -1)
            .replace(/"(\w+)":/g, "$1: ")}`
        : "";
      return open<Generation>(call, {
        title: "chat",
        controls: [
          { name: "temperature", label: "temperature", kind: "float", min: 0, max: 2, step: 0.05 },
          { name: "topP", label: "top-p", kind: "float", min: 0.05, max: 1, step: 0.05 },
          { name: "topK", label: "top-k (0: off)", kind: "int", min: 0, max: 100, step: 1 },
          { name: "seed", label: "seed", kind: "int", min: 0, max: 9999, step: 1 },
        ],
        values: start,
        code: (x) =>
          `await seed.chat(${name}, { temperature: ${x.temperature}, topP: ${x.topP}, topK: ${x.topK}, seed: ${x.seed}${extra} })`,
        run: async (r) => {
          const api = child(frameSink(r.frame), r.signal);
          const gen = await api.chat(message, {
            ...rest,
            temperature: num(r.values, "temperature"),
            topP: num(r.values, "topP"),
            topK: num(r.values, "topK"),
            seed: num(r.values, "seed"),
            live: true,
          });
          return { inner: gen.toMimeBundle(), value: gen };
        },
      });
    },

    async edit(
      tokens: Tokens,
      values?: EditControls,
      options?: { steps?: number; guidance?: number; seed?: number; name?: string },
    ) {
      const call = "seed.controls.edit";
      const v = checkOptions<EditControls>(call, values, ["position", "code"]);
      const o = checkOptions<{ steps?: number; guidance?: number; seed?: number; name?: string }>(call, options, [
        "steps",
        "guidance",
        "seed",
        "name",
      ]);
      const name = checkName(call, o.name, "tokens");
      const toks = await toTokens(call, tokens);
      if (toks.isPrefix)
        throw new SeedApiError(
          `${call}: tokens must be complete (${toks.numTokens} ids), got a prefix of ${toks.length}`,
        );
      const { values: fixed } = await decodeBasics(call, o);
      const position = v.position === undefined ? 0 : checkInt(call, "position", v.position, 0, toks.length - 1);
      const code =
        v.code === undefined ? (toks.ids[position] ?? 0) : checkInt(call, "code", v.code, 0, toks.codebookSize - 1);
      const edited = (x: Readonly<ControlValues>) => toks.with(num(x, "position"), num(x, "code"));
      return open<Reconstruction>(call, {
        title: "token edit",
        controls: [
          { name: "position", label: "position", kind: "int", min: 0, max: toks.length - 1, step: 1 },
          { name: "code", label: "code", kind: "int", min: 0, max: toks.codebookSize - 1, step: 1 },
        ],
        values: { position, code },
        code: (x) =>
          `await seed.decode(${name}.with(${x.position}, ${x.code}), { steps: ${fixed.steps}, guidance: ${fixed.guidance}, seed: ${fixed.seed} })`,
        previewNote: () => stepsPreview(fixed),
        run: decodeRun(
          edited,
          () => undefined,
          () => fixed,
        ),
      });
    },

    async view<T>(spec: CustomControls<T>) {
      const call = "seed.controls.view";
      if (typeof spec !== "object" || spec === null)
        throw new SeedApiError(`${call}: expected { title, controls, values, code, run }, got ${describe(spec)}`);
      if (typeof spec.run !== "function" || typeof spec.code !== "function")
        throw new SeedApiError(
          `${call}: run and code must be functions (values => ...), got ${describe(spec.run)} and ${describe(spec.code)}`,
        );
      if (!Array.isArray(spec.controls) || spec.controls.length === 0)
        throw new SeedApiError(`${call}: controls must be a non-empty array of { name, label, kind, min, max, step }`);
      const controls = spec.controls.map((c, i) => checkControl(call, c, i));
      const values: ControlValues = {};
      for (const c of controls) {
        const x = (spec.values as Record<string, unknown> | undefined)?.[c.name];
        if (typeof x !== "number")
          throw new SeedApiError(`${call}: values.${c.name} must be a number, got ${describe(x)}`);
        values[c.name] = x;
      }
      return open<T>(call, {
        title: typeof spec.title === "string" ? spec.title : "view",
        controls,
        values,
        code: (x) => String(spec.code(x)),
        run: async (r) => {
          const value = await spec.run(r.values, child(frameSink(r.frame), r.signal));
          return { inner: toMimeBundle(value), value };
        },
      });
    },
  } satisfies ControlsApi);
}
