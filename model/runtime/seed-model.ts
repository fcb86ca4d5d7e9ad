// SeedModel: a loaded SEED package, in-process. Wires the components into the public SeedRuntime API (api.ts):
// images -> codes (visual tokenizer), codes -> image (pipeline-decode), text and chat -> ids -> generated text and
// image spans (pipeline-generate). Calls run one at a time through a TaskQueue; a second call waits its turn (in the
// model worker the queue is worker-client's, so that each call is queued once).
// WARNING: ONNX Runtime calls block the event loop of the thread they run on; the kernel uses openModelWorker
// (worker-client.ts), which hosts this class on a worker thread.

import type { SeedRuntime } from "./api";
import { buildPromptText, type ResolvedPart } from "./chat-template";
import { Denoiser } from "./denoiser";
import { Detokenizer } from "./detokenizer";
import { Encoder } from "./encoder";
import { type AbortFlag, SeedError, throwIfAborted } from "./errors";
import { DEFAULT_MAX_IMAGE_PIXELS, loadImage } from "./image-io";
import { extractImageSpans } from "./image-spans";
import { LanguageModel } from "./language-model";
import { LatentDecoder } from "./latent-decoder";
import { LatentEncoder } from "./latent-encoder";
import { InProcessLanguageModel, type LanguageModelBackend } from "./lm-backend";
import type { ComponentName, SeedManifest } from "./manifest-types";
import { type LoadedPackage, loadPackage } from "./model-loader";
import { type DecodeParts, decodeImage } from "./pipeline-decode";
import { generateTokens } from "./pipeline-generate";
import { Quantizer } from "./quantizer";
import { RemoteLanguageModel } from "./remote-lm";
import { createScheduler } from "./scheduler";
import { type ComponentSession, releaseSessions } from "./sessions";
import { TaskQueue } from "./task-queue";
import type { TextTokenizer } from "./text-tokenizer";
import type {
  ChatTurn,
  DecodeOptions,
  DecodeResult,
  GenerateOptions,
  GenerateResult,
  ImageSpan,
  LoadedImage,
  LoadOptions,
  ModelInfo,
  VisualTokens,
} from "./types";

export class SeedModel implements SeedRuntime {
  readonly #info: Omit<ModelInfo, "languageModel">;
  readonly manifest: SeedManifest;
  readonly encoder: Encoder;
  readonly quantizer: Quantizer;
  readonly detokenizer: Detokenizer;
  readonly denoiser: Denoiser;
  readonly latentDecoder: LatentDecoder;
  readonly latentEncoder?: LatentEncoder;
  readonly languageModel?: LanguageModel;
  readonly textTokenizer?: TextTokenizer;
  /** What generate runs on: the graph above in-process, or a remote server (lm-backend.ts). */
  readonly lmBackend?: LanguageModelBackend;
  private disposed = false;

  private constructor(
    private readonly pkg: LoadedPackage,
    private readonly maxImagePixels: number,
    options: LoadOptions,
    /** Runs the calls one at a time; undefined where the caller already sends one call at a time (the worker). */
    private readonly queue: TaskQueue | undefined,
  ) {
    const m = pkg.manifest;
    const s = (name: ComponentName): ComponentSession => {
      const c = pkg.sessions[name];
      if (!c) throw new SeedError("manifest", `seed.json: component "${name}" is required`);
      return c;
    };
    this.manifest = m;
    this.encoder = new Encoder(s("encoder"));
    this.quantizer = new Quantizer(s("quantizer"), m.visual_tokenizer.codebook_size);
    this.detokenizer = new Detokenizer(
      s("detokenizer"),
      m.visual_tokenizer.num_tokens,
      m.visual_tokenizer.codebook_size,
      m.detokenizer.supports_token_mask,
    );
    this.denoiser = new Denoiser(s("denoiser"));
    this.latentDecoder = new LatentDecoder(s("latent_decoder"));
    if (pkg.sessions.latent_encoder) this.latentEncoder = new LatentEncoder(pkg.sessions.latent_encoder);
    if (pkg.sessions.language_model && m.language_model)
      this.languageModel = new LanguageModel(pkg.sessions.language_model, m.language_model);
    this.textTokenizer = pkg.textTokenizer;
    const tok = pkg.textTokenizer;
    if (pkg.remoteLanguageModel && tok && m.language_model) {
      const spec = m.language_model;
      this.lmBackend = new RemoteLanguageModel(
        { ...pkg.remoteLanguageModel, timeoutMs: options.languageModelTimeoutMs },
        {
          vocabSize: spec.vocab_size,
          special: tok.special,
          idOfPiece: (p) => tok.idOfPiece(p),
          tokenOf: (id) => tok.tokenOf(id),
        },
        {
          boi: tok.special.boi,
          eoi: tok.special.eoi,
          imageTokenOffset: tok.imageTokenOffset,
          codebookSize: tok.codebookSize,
          numTokens: m.visual_tokenizer.num_tokens,
        },
        spec.max_position_embeddings,
      );
    } else if (this.languageModel) this.lmBackend = new InProcessLanguageModel(this.languageModel, pkg.provider.name);
    const d = m.image_decoder.defaults;
    this.#info = {
      name: m.name,
      dir: pkg.dir,
      provider: pkg.provider,
      imageSize: m.image.size,
      numTokens: m.visual_tokenizer.num_tokens,
      codebookSize: m.visual_tokenizer.codebook_size,
      patchGrid: m.visual_tokenizer.patch_grid,
      supportsTokenMask: this.detokenizer.hasTokenMask,
      hasLanguageModel: this.lmBackend !== undefined,
      description: m.description,
      contextLength: this.lmBackend?.contextLength,
      decodeDefaults: { steps: d.steps, guidanceScale: d.guidance_scale, eta: d.eta },
    };
  }

  get info(): ModelInfo {
    return { ...this.#info, languageModel: this.lmBackend?.placement };
  }

  /**
   * Loads and validates a package folder (see model-loader.ts). With a remote language model, the server is asked
   * what it serves: another vocabulary fails the load; a server that is down does not (generate asks again).
   * `callsQueuedByCaller`: the model worker passes true, because worker-client.ts already queues every call (one in
   * flight at a time); a second queue here would only wrap each call again.
   */
  static async load(dir: string, options: LoadOptions = {}, callsQueuedByCaller = false): Promise<SeedModel> {
    const pkg = await loadPackage(dir, options);
    try {
      const queue = callsQueuedByCaller ? undefined : new TaskQueue();
      const model = new SeedModel(pkg, options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS, options, queue);
      if (model.lmBackend instanceof RemoteLanguageModel) await model.lmBackend.connect({ atLoad: true });
      return model;
    } catch (e) {
      // WARNING: the wrappers check the graphs against the manifest; on failure release what loadPackage created.
      await releaseSessions(Object.values(pkg.sessions).filter((s): s is ComponentSession => s !== undefined)).catch(
        () => undefined,
      );
      throw e;
    }
  }

  loadImage(input: string | Uint8Array): Promise<LoadedImage> {
    this.checkLive();
    return loadImage(input, this.manifest.image, this.maxImagePixels);
  }

  tokenize(images: LoadedImage | readonly LoadedImage[], options: { signal?: AbortFlag } = {}): Promise<VisualTokens> {
    return this.enqueue(
      "tokenize",
      () => this.tokenizeNow(Array.isArray(images) ? images : [images as LoadedImage], options.signal),
      options.signal,
    );
  }

  decode(codes: readonly number[], options: DecodeOptions = {}): Promise<DecodeResult> {
    return this.enqueue("decode", () => decodeImage(this.decodeParts(), codes, options), options.signal);
  }

  async encodeText(text: string, options: { bos?: boolean } = {}): Promise<number[]> {
    return this.requireText().encode(text, options);
  }

  async decodeText(ids: readonly number[], options: { skipSpecial?: boolean } = {}): Promise<string> {
    return this.requireText().decode(ids, options);
  }

  buildPrompt(turns: readonly ChatTurn[], options: { forceImage?: boolean } = {}): Promise<number[]> {
    return this.enqueue("buildPrompt", () => this.buildPromptNow(turns, options.forceImage ?? false));
  }

  generate(prompt: readonly ChatTurn[] | readonly number[], options: GenerateOptions = {}): Promise<GenerateResult> {
    return this.enqueue(
      "generate",
      async () => {
        const lm = this.lmBackend;
        const tok = this.requireText();
        if (!lm)
          throw new SeedError(
            "input",
            `${this.info.name} has no language model; generate needs a package with components.language_model or a language model endpoint`,
          );
        const ids = isIdList(prompt)
          ? [...prompt]
          : await this.buildPromptNow(prompt, options.forceImage ?? false, options.signal);
        if (isIdList(prompt) && options.forceImage && ids[ids.length - 1] !== tok.special.boi)
          ids.push(tok.special.boi);
        return generateTokens(lm, tok, ids, this.info.numTokens, options, this.pkg.generateDefaults);
      },
      options.signal,
    );
  }

  async imageSpans(ids: readonly number[]): Promise<ImageSpan[]> {
    const tok = this.requireText();
    return extractImageSpans(ids, {
      ...tok.special,
      imageTokenOffset: tok.imageTokenOffset,
      codebookSize: tok.codebookSize,
      numTokens: this.info.numTokens,
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // Wait for the running and queued calls to finish before releasing the sessions they use (without a queue of
    // its own the caller does this: worker-client queues its dispose behind its calls).
    await this.queue?.run("dispose", async () => undefined).catch(() => undefined);
    await this.lmBackend?.dispose();
    await releaseSessions(Object.values(this.pkg.sessions).filter((s): s is ComponentSession => s !== undefined));
  }

  /** The decode pipeline's parts, with a fresh scheduler per call (schedulers hold their timesteps). */
  decodeParts(): DecodeParts {
    return {
      detokenizer: this.detokenizer,
      denoiser: this.denoiser,
      latentDecoder: this.latentDecoder,
      scheduler: createScheduler(this.pkg.schedulerConfig),
      spec: this.manifest.image_decoder,
    };
  }

  private async tokenizeNow(images: readonly LoadedImage[], signal?: AbortFlag): Promise<VisualTokens> {
    if (images.length === 0) throw new SeedError("input", "tokenize needs at least one image");
    const [H, W] = this.manifest.image.size;
    const per = 3 * H * W;
    const pixels = new Float32Array(images.length * per); // [B, 3, H, W]
    images.forEach((img, b) => {
      const d = img?.pixels?.dims ?? [];
      if (d.length !== 4 || d[0] !== 1 || d[1] !== 3 || d[2] !== H || d[3] !== W || img.pixels.data.length !== per) {
        throw new SeedError(
          "input",
          `image ${b}: pixels are [${d.join(", ")}], expected [1, 3, ${H}, ${W}]; load images with loadImage()`,
        );
      }
      pixels.set(img.pixels.data, b * per);
    });
    throwIfAborted(signal, "tokenize");
    const enc = await this.encoder.encode({ dims: [images.length, 3, H, W], data: pixels });
    throwIfAborted(signal, "tokenize");
    const ids = await this.quantizer.quantize(enc.causalEmbeddings);
    return {
      ids,
      causalEmbeddings: enc.causalEmbeddings,
      attentionMaps: enc.attentionMaps,
      patchGrid: this.manifest.visual_tokenizer.patch_grid,
    };
  }

  private async buildPromptNow(turns: readonly ChatTurn[], forceImage: boolean, signal?: AbortFlag): Promise<number[]> {
    const tok = this.requireText();
    const lm = this.manifest.language_model;
    if (!lm) throw new SeedError("input", `${this.info.name} has no language model`);
    // Tokenize every image part in one batch, then substitute the codes.
    const images: LoadedImage[] = [];
    for (const t of turns) for (const p of asParts(t.content)) if (isLoadedImage(p)) images.push(p);
    const codes = images.length > 0 ? (await this.tokenizeNow(images, signal)).ids : [];
    let k = 0;
    const resolved = turns.map((t) => ({
      role: t.role,
      content: asParts(t.content).map((p): ResolvedPart => (isLoadedImage(p) ? { codes: codes[k++] ?? [] } : p)),
    }));
    const text = buildPromptText(
      resolved,
      lm.chat_template,
      {
        imageTokenFormat: lm.image_token_format,
        boiToken: lm.boi_token,
        eoiToken: lm.eoi_token,
        numTokens: this.info.numTokens,
        codebookSize: this.info.codebookSize,
      },
      { forceImage },
    );
    return tok.encode(text, { bos: true });
  }

  private requireText(): TextTokenizer {
    this.checkLive();
    if (!this.textTokenizer)
      throw new SeedError(
        "input",
        `${this.info.name} has no language model or text tokenizer (seed.json has no "language_model" block)`,
      );
    return this.textTokenizer;
  }

  private checkLive(): void {
    if (this.disposed) throw new SeedError("disposed", `${this.info.name} was disposed; load the model again`);
  }

  private enqueue<T>(what: string, task: () => Promise<T>, signal?: AbortFlag): Promise<T> {
    try {
      this.checkLive();
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.queue) return this.queue.run(what, task, signal);
    if (signal?.aborted) return Promise.reject(new SeedError("aborted", `${what} was aborted before it started`));
    return task();
  }
}

function isIdList(p: readonly ChatTurn[] | readonly number[]): p is readonly number[] {
  return p.length > 0 && typeof p[0] === "number";
}

function asParts(
  content: ChatTurn["content"],
): readonly (string | LoadedImage | { readonly codes: readonly number[] })[] {
  return typeof content === "string" ? [content] : content;
}

function isLoadedImage(p: unknown): p is LoadedImage {
  return typeof p === "object" && p !== null && "pixels" in p && "preview" in p;
}
