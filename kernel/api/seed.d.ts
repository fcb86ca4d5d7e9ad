/// <reference types="node" />
// The public `seed` object that notebook cells see. Self-contained on purpose: tslab's own TypeScript compiler reads
// this file at runtime (kernel prelude: `declare const seed: import("<dist>/seed.d.ts").SeedApi;`), so it imports
// nothing from the project. kernel/api/create-seed-api.ts implements these interfaces and the compiler checks that
// it does. Every object renders richly as the last expression of a cell (it has toMimeBundle()).

/** A Jupyter-style MIME bundle: text types as strings, JSON types as objects, binary types base64. */
export type SeedMimeBundle = Record<string, string | object>;

/** Anything that renders in a notebook output. */
export interface SeedDisplayable {
  /** The output bundle: application/vnd.seed.*+json, text/html, image/png where it is an image, text/plain. */
  toMimeBundle(): SeedMimeBundle;
}

/**
 * Where an image comes from: a path (relative to the notebook folder), a `file:` URL, the bytes of a PNG / JPEG /
 * WebP / GIF file (Buffer, Uint8Array or ArrayBuffer), an image already loaded with `seed.image()`, or a
 * Reconstruction (its decoded image: e.g. tokenize a reconstruction to see which tokens survive a round trip).
 */
export type ImageSource = string | URL | Uint8Array | ArrayBuffer | SeedImage | Reconstruction;

/** An image, immutable. Renders as the image. */
export interface SeedImage extends SeedDisplayable {
  readonly width: number;
  readonly height: number;
  /** The image as PNG bytes. */
  readonly png: Uint8Array;
  /** A short label: the file name, "reconstruction", "generated"... */
  readonly label: string;
  /** The same image with another label. */
  withLabel(label: string): SeedImage;
}

/**
 * The visual tokens of one image, immutable: N ids (32 for SEED) in causal order, each in 0..codebookSize-1.
 * A prefix (see `prefix(k)`) holds the first k of them. Renders as a token strip; hover a chip for its attention map.
 */
export interface Tokens extends SeedDisplayable {
  /** The ids, in causal order. Length N, or k for a prefix. */
  readonly ids: readonly number[];
  /** How many ids this holds (N, or k for a prefix). */
  readonly length: number;
  /** N: tokens per image for this model. */
  readonly numTokens: number;
  /** K: codebook size; ids are 0..K-1. */
  readonly codebookSize: number;
  /** True when this holds fewer than N tokens (decoding it uses prefix decoding). */
  readonly isPrefix: boolean;
  /** The image these tokens were computed from, when known. */
  readonly source: SeedImage | undefined;
  /** Per token, the Q-Former cross-attention over the patch grid ([length][Gh*Gw], rows sum to 1), when known. */
  readonly attention: readonly (readonly number[])[] | undefined;
  /** [Gh, Gw] of the attention maps, when known. */
  readonly patchGrid: readonly [number, number] | undefined;
  /** The id at position i (0-based). Throws outside 0..length-1. */
  at(i: number): number;
  /** A copy with the id at position i replaced. The source and attention are dropped (they no longer match). */
  with(i: number, id: number): Tokens;
  /** The first k tokens (1 <= k <= length). */
  prefix(k: number): Tokens;
  /** True when both hold the same ids. */
  equals(other: Tokens): boolean;
  /** Positions where the ids differ (both must have the same length). */
  diff(other: Tokens): number[];
}

/** Options of `seed.decode`. Omitted values come from the model's defaults (see `seed.info()`). */
export interface DecodeOptions {
  /** Denoising steps, 1 up to the scheduler's num_train_timesteps (the runtime names the limit if a count does not fit). */
  steps?: number;
  /** Classifier-free guidance scale (>= 0; 1 disables guidance). */
  guidance?: number;
  /** Seed of the initial noise; same seed, same image. Default 0. */
  seed?: number;
  /** Decode only the first k tokens (1..N): coarse-to-fine causal order. Same as decoding `tokens.prefix(k)`. */
  prefix?: number;
  /** Show the denoising step by step in one display that updates in place. Default false. */
  live?: boolean;
  /** Keep a predicted image every n steps for `filmstrip()` (default: about 8 frames; live shows every step). */
  frameEvery?: number;
}

/** The result of decoding tokens into an image. Renders as original vs reconstruction when the original is known. */
export interface Reconstruction extends SeedDisplayable {
  readonly image: SeedImage;
  readonly tokens: Tokens;
  /** The image the tokens came from, when known. */
  readonly original: SeedImage | undefined;
  readonly steps: number;
  readonly guidance: number;
  readonly seed: number;
  /** The predicted clean image at some steps of the run (see DecodeOptions.frameEvery). */
  readonly frames: readonly DenoisingFrame[];
  /** The denoising run as a filmstrip. */
  filmstrip(): SeedDisplayable;
}

/** The predicted clean image at one denoising step. */
export interface DenoisingFrame {
  /** 1-based step index. */
  readonly step: number;
  readonly timestep: number;
  readonly image: SeedImage;
}

/** Sampling options for `seed.chat` / `seed.generate`. */
export interface GenerateOptions {
  /**
   * Most new tokens, 1..(context length). Default: the model's generation_config `max_new_tokens`, cut to the room
   * the prompt leaves in the context (a long conversation still gets an answer). An explicit value that does not fit
   * is an error naming the largest one that does.
   */
  maxTokens?: number;
  /** 0 = greedy; default from the model's generation config. */
  temperature?: number;
  /** Keep the k most likely tokens (0 = off). */
  topK?: number;
  /** Nucleus sampling mass in (0, 1] (1 = off). */
  topP?: number;
  /** Seed of the sampler; same seed and prompt, same output. Default 0. */
  seed?: number;
  /** Stream text and image tokens into one live display. Default true. */
  live?: boolean;
  /** Candidates recorded per generated token for the probability chart, 1..20. Default 5. */
  topKReport?: number;
  /**
   * The answer must hold an image: the model writes its reply as it was trained to, and if it would end without
   * drawing, <img> is opened for it. Default: true for `seed.chat` when the message asks for a drawing
   * (it starts with draw, sketch, paint or illustrate, optionally after "please" or "can/could/would/will you"), else
   * false.
   * (Whatever this says, an image span the model opens holds exactly the model's N image tokens and is closed.)
   */
  drawImage?: boolean;
  /** Start the answer with <img> (SEED's force_boi), skipping any reply text. Default false. */
  forceImage?: boolean;
  /** Decode every image span into an image. Default true. */
  decodeImages?: boolean;
  /**
   * Decode image spans that do not hold exactly N codes: extra codes are cut, and a short or unclosed span is decoded
   * as a prefix (SEED's tokens are causal). Each repair is listed in `warnings`. Default true; false skips such spans.
   */
  repairImages?: boolean;
  /** Options for decoding generated images. */
  decode?: Omit<DecodeOptions, "live" | "prefix">;
}

/** A chat message: text and images in order (a single string or image is one part). */
export type ChatInput = string | ImageSource | Tokens | readonly (string | ImageSource | Tokens)[];

/** One generated token with its most likely alternatives. */
export interface GeneratedToken {
  readonly id: number;
  readonly text: string;
  /** Visual-token code when this is an image token. */
  readonly code: number | undefined;
  /** True when the image-span rule chose this token against the model's own pick (a closing </img>, a required <img>). */
  readonly forced: boolean;
  /** Top candidates at this step, most likely first; probabilities after temperature. */
  readonly candidates: readonly { readonly id: number; readonly text: string; readonly prob: number }[];
}

/** What a generation produced. Renders as the interleaved text and images. */
export interface Generation extends SeedDisplayable {
  /** The answer's text, image spans replaced by "<image>". */
  readonly text: string;
  /** Text and images in order. */
  readonly parts: readonly (string | SeedImage)[];
  /** The decoded images, in order. */
  readonly images: readonly SeedImage[];
  /** The image token spans that were decoded, in order (a repaired short span is a prefix). */
  readonly imageTokens: readonly Tokens[];
  /** Every generated token with its top-k candidates. */
  readonly tokens: readonly GeneratedToken[];
  readonly stopReason: "stop-token" | "max-tokens";
  /** Problems met (e.g. an image span without exactly N valid codes), else empty. */
  readonly warnings: readonly string[];
  /** Top-k probability chart; `at` selects the generated token shown first (default 0). */
  probabilities(at?: number): SeedDisplayable;
}

/** A multi-turn chat that remembers its turns. */
export interface Conversation extends SeedDisplayable {
  /** The turns so far: a system message first if the conversation was given one, then user and assistant. */
  readonly turns: readonly {
    readonly role: "system" | "user" | "assistant";
    readonly parts: readonly (string | SeedImage | Tokens)[];
  }[];
  /**
   * How many of the earliest turns the model no longer sees: when the turns outgrow the model's context, the oldest
   * rounds (a user turn and its answer) stop being sent, as SEED's demo keeps only its last rounds. They stay in
   * `turns` and in the transcript. A system message is always sent.
   */
  readonly forgotten: number;
  /** Sends a user message and returns the assistant's answer (which is added to the turns). */
  say(message: ChatInput, options?: GenerateOptions): Promise<Generation>;
  /** Forgets every turn (but the system message). */
  reset(): void;
}

/** What `seed.info()` reports. */
export interface ModelInfo extends SeedDisplayable {
  readonly name: string;
  readonly path: string;
  /** The ONNX Runtime execution provider in use ("cpu", "cuda"...). */
  readonly executionProvider: string;
  readonly imageSize: readonly [number, number];
  readonly numTokens: number;
  readonly codebookSize: number;
  readonly patchGrid: readonly [number, number];
  /** Whether decode supports a prefix of k tokens. */
  readonly supportsPrefix: boolean;
  readonly decodeDefaults: { readonly steps: number; readonly guidance: number };
  /**
   * Which provider runs, in plain words, and, when "auto" found no GPU provider, what to do to use one (e.g. "cpu: no
   * GPU provider is available (cuda: its binaries are not installed). To use an NVIDIA GPU, ...").
   */
  readonly providerReason: string;
  /** Whether the package has a language model (needed by chat, generate and conversation). */
  readonly hasLanguageModel: boolean;
  /**
   * Where the language model runs: "in-process (onnxruntime, cpu)", "remote http://host:8080 (llama.cpp server,
   * model NAME)", or "none". The visual tokenizer and the decoder always run in the kernel (executionProvider).
   */
  readonly languageModel: string;
}

/** One numeric control of a view with controls (a slider). */
export interface ControlSpec {
  /** The option the control sets (`steps`, `guidance`, `temperature`, ...). */
  readonly name: string;
  readonly label: string;
  readonly kind: "int" | "float";
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/**
 * A view with live controls: moving a control (in VS Code, the sliders in the view; in Jupyter, the widgets under it)
 * re-runs its computation in the kernel and updates the same display in place. It shows the values that produced what
 * is on screen and the call that reproduces it (`code`, "copy as code").
 */
export interface ControlledView<T> extends SeedDisplayable {
  /** The display id of the view. */
  readonly id: string;
  readonly controls: readonly ControlSpec[];
  /** The values of the last finished run. */
  readonly values: Readonly<Record<string, number>>;
  /** The result of the last finished run. */
  readonly result: T;
  /** The `seed....(...)` call that gives `result`. */
  readonly code: string;
  /** Changes some values as a control would (the display updates); resolves with the new result. */
  set(values: Readonly<Record<string, number>>): Promise<T>;
}

/** Values of the decode controls; the options name what is fixed (`name`: how the call refers to the tokens). */
export interface DecodeControls {
  steps?: number;
  guidance?: number;
  seed?: number;
  /** Decode the first k tokens (only where the model supports prefixes). */
  prefix?: number;
}

export interface GenerateControls {
  temperature?: number;
  topP?: number;
  /** 0: no top-k cut. */
  topK?: number;
  seed?: number;
}

export interface EditControls {
  /** The token position to replace (0..N-1). */
  position?: number;
  /** The codebook id put there (0..K-1). */
  code?: number;
}

/** A view of your own with controls: `run` gets the values and a `seed` object whose calls the controls can cancel. */
export interface CustomControls<T> {
  title: string;
  controls: readonly ControlSpec[];
  values: Readonly<Record<string, number>>;
  /** The call that reproduces the view for `values` (shown, "copy as code"). */
  code(values: Readonly<Record<string, number>>): string;
  /** Computes the view; its result renders in the view (a live seed call inside streams its frames into it). */
  run(values: Readonly<Record<string, number>>, seed: SeedApi): Promise<T>;
}

/** Views with live controls (see ControlledView). */
export interface ControlsApi {
  /** seed.decode with sliders for steps, guidance, seed and (where supported) the prefix length k. */
  decode(
    tokens: Tokens | readonly number[],
    values?: DecodeControls,
    options?: { name?: string },
  ): Promise<ControlledView<Reconstruction>>;
  /** seed.chat with sliders for temperature, top-p, top-k and seed. */
  chat(
    message: ChatInput,
    values?: GenerateControls,
    options?: Omit<GenerateOptions, keyof GenerateControls | "live"> & { name?: string },
  ): Promise<ControlledView<Generation>>;
  /** Token editing: decode `tokens.with(position, code)`, with sliders for the position and the code. */
  edit(
    tokens: Tokens,
    values?: EditControls,
    options?: { steps?: number; guidance?: number; seed?: number; name?: string },
  ): Promise<ControlledView<Reconstruction>>;
  /** Any view with controls. */
  view<T>(spec: CustomControls<T>): Promise<ControlledView<T>>;
}

/** Options of the `seed.compare.*` comparisons (each names the ones it takes). */
export interface CompareOptions {
  /** Denoising steps, the same for every row. Default: the model's. */
  steps?: number;
  /** Seed of the initial noise, the same for every row (not for compare.seeds). Default 0. */
  seed?: number;
  /** Guidance scale, the same for every row (not for compare.guidance). Default: the model's. */
  guidance?: number;
  /** compare.tokens: decode A, B and every single-position swap. Default true. */
  swaps?: boolean;
  /** compare.prompts: sampling options of the drawings (default greedy-free defaults with seed 0). */
  generate?: Omit<GenerateOptions, "live" | "decodeImages" | "forceImage">;
}

/** Decodes over the same steps, aligned step by step. Renders as one filmstrip per row, a column per step. */
export interface DecodeComparison extends SeedDisplayable {
  /** One decode per row, every step kept in `frames`. */
  readonly rows: readonly Reconstruction[];
  readonly labels: readonly string[];
  /** Per step, the mean absolute pixel difference (0..255) between the first two rows' predicted images. */
  readonly differences: readonly number[];
}

/** Two token sequences aligned. Renders as both strips, the differing positions outlined, and the swaps decoded. */
export interface TokenComparison extends SeedDisplayable {
  readonly a: Tokens;
  readonly b: Tokens;
  /** Positions where the ids differ. */
  readonly differ: readonly number[];
  readonly decodedA: SeedImage | undefined;
  readonly decodedB: SeedImage | undefined;
  /** Per differing position: A with B's code there, decoded; `change` is its mean pixel difference from A's decode. */
  readonly swaps: readonly {
    readonly position: number;
    readonly from: number;
    readonly to: number;
    readonly image: SeedImage;
    readonly change: number;
  }[];
}

/** `seed.compare`: images side by side, and the comparisons below. */
export interface CompareApi {
  /** Images side by side with labels (e.g. several reconstructions). */
  (images: readonly (SeedImage | Reconstruction)[], caption?: string): SeedDisplayable;
  /** The same tokens decoded with 2-4 seeds (initial noises) over the same steps. */
  seeds(
    tokens: Tokens | ImageSource,
    seeds: readonly number[],
    options?: Pick<CompareOptions, "steps" | "guidance">,
  ): Promise<DecodeComparison>;
  /** The same tokens decoded with 2-4 guidance scales, same steps and same initial noise. */
  guidance(
    tokens: Tokens | ImageSource,
    scales: readonly number[],
    options?: Pick<CompareOptions, "steps" | "seed">,
  ): Promise<DecodeComparison>;
  /** 2-4 prompts drawn by the language model, then decoded over the same steps from the same initial noise. */
  prompts(
    prompts: readonly string[],
    options?: Pick<CompareOptions, "steps" | "seed" | "guidance" | "generate">,
  ): Promise<DecodeComparison>;
  /** Two images' tokens aligned, differing positions highlighted, and each differing position swapped and decoded. */
  tokens(
    a: Tokens | ImageSource,
    b: Tokens | ImageSource,
    options?: Pick<CompareOptions, "steps" | "seed" | "guidance" | "swaps">,
  ): Promise<TokenComparison>;
}

/** Options of `seed.atlas`. */
export interface AtlasOptions {
  /** Reference images to count codes over. Default: the package's own set (reference_images.png beside seed.json). */
  references?: readonly ImageSource[];
  /** Denoising steps of each code's one-token decode. Default 4 (one token draws little more than a background). */
  steps?: number;
  /** Build again even when the cache holds this atlas. Default false. */
  rebuild?: boolean;
}

/** One code of the codebook atlas. Renders as its decode, its usage and the reference images that hold it most. */
export interface AtlasEntry extends SeedDisplayable {
  readonly code: number;
  /** Occurrences over every position of every reference image. */
  readonly count: number;
  /** Reference images that hold it at least once. */
  readonly imageCount: number;
  /** Where it sits, most frequent position first. */
  readonly positions: readonly { readonly position: number; readonly count: number }[];
  /** The reference images that hold it most, with the positions it sits at in each. */
  readonly topImages: readonly {
    readonly index: number;
    readonly image: SeedImage;
    readonly caption: string | undefined;
    readonly positions: readonly number[];
  }[];
  /** The code decoded alone, as a one-token prefix (a thumbnail); undefined when the model cannot decode prefixes. */
  readonly decoded: SeedImage | undefined;
}

/**
 * The codebook atlas: for every code, how often and where the reference images use it, which images hold it most,
 * and what it decodes to alone. Built once per model package and reference set, then read from a disk cache.
 * Renders as a searchable view (VS Code: a search box; Jupyter: the page's find, e.g. "code 417" or "#5").
 */
export interface CodebookAtlas extends SeedDisplayable {
  readonly model: string;
  readonly codebookSize: number;
  readonly numTokens: number;
  readonly referenceCount: number;
  /** Where the reference images come from. */
  readonly referenceSource: string;
  /** Per code (index = code), its occurrences over the reference set; they sum to numTokens x referenceCount. */
  readonly counts: readonly number[];
  /** Per reference image, its token ids. */
  readonly referenceIds: readonly (readonly number[])[];
  /** Steps of the one-token decodes; undefined when the model cannot decode prefixes. */
  readonly decodeSteps: number | undefined;
  /** How long the build took (ms), and whether this atlas was read from the cache. */
  readonly buildMs: number;
  readonly fromCache: boolean;
  /** Codes in use, most used first. */
  byUsage(): number[];
  /** Codes used at `position` (0-based), most used there first. */
  atPosition(position: number): { code: number; count: number }[];
  /** One code's entry. */
  entry(code: number): Promise<AtlasEntry>;
}

/** The `seed` object. Every call validates its input and honours interrupt. */
export interface SeedApi {
  /** Version of this API. */
  readonly version: string;
  /** Loads an image (path relative to the notebook folder, file: URL, or bytes). */
  image(source: ImageSource, label?: string): Promise<SeedImage>;
  /** Image -> N visual tokens with their attention maps. */
  tokenize(image: ImageSource): Promise<Tokens>;
  /** Tokens from ids you choose (N ids, or fewer for a prefix), each in 0..K-1. */
  tokens(ids: readonly number[]): Promise<Tokens>;
  /** Tokens -> image with the diffusion decoder. */
  decode(tokens: Tokens | readonly number[], options?: DecodeOptions): Promise<Reconstruction>;
  /** tokenize + decode: shows the original next to its reconstruction. */
  reconstruct(image: ImageSource, options?: DecodeOptions): Promise<Reconstruction>;
  /** The first `at` tokens of `a` followed by the rest of `b` (0 <= at <= N; both complete). */
  splice(a: Tokens, b: Tokens, at: number): Tokens;
  /** Position-wise mix: the id of `b` where `pick(i)` (or `pick[i]`) is true, else the id of `a`. */
  mix(a: Tokens, b: Tokens, pick: readonly boolean[] | ((position: number) => boolean)): Tokens;
  /** One chat turn (the model's chat template), text and images in; text and images out, streamed live. */
  chat(message: ChatInput, options?: GenerateOptions): Promise<Generation>;
  /** Raw continuation: the prompt as written, no chat template. */
  generate(prompt: ChatInput, options?: GenerateOptions): Promise<Generation>;
  /** A multi-turn conversation. */
  conversation(system?: string): Conversation;
  /** Shows any value now (seed objects richly; PNG bytes as an image; a string as its text; anything else inspected). */
  display(value: unknown): void;
  /**
   * Images side by side: `seed.compare([img, rec])`. Comparisons over the same steps: `seed.compare.seeds(tok, [0, 1])`,
   * `.guidance(tok, [1, 5])`, `.prompts(["Draw ...", "Draw ..."])`, and `seed.compare.tokens(a, b)`.
   */
  readonly compare: CompareApi;
  /** The loaded model: name, execution provider, sizes. */
  info(): Promise<ModelInfo>;
  /** Views with live controls: decode, chat, token editing, or your own. */
  readonly controls: ControlsApi;
  /** The codebook atlas of every code (built once per package, then cached on disk). */
  atlas(options?: AtlasOptions): Promise<CodebookAtlas>;
  /** One code's atlas entry: its usage, positions, top reference images and its one-token decode. */
  atlas(code: number, options?: AtlasOptions): Promise<AtlasEntry>;
}
