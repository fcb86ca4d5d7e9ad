// Public data types of the SEED runtime: plain objects (typed arrays + dims), so that they cross the worker boundary
// by structured clone unchanged and the kernel can render them without knowing onnxruntime. Shapes are written as
// in the paper/manifest: B batch, N tokens per image, D causal-embedding width, E generation-embedding width,
// C/h/w latent channels and size, H/W pixels.

import type { AbortFlag } from "./errors";
import type { LanguageModelPlacement } from "./lm-backend";

export type { LanguageModelPlacement } from "./lm-backend";

/** A dense float32 tensor, row-major. */
export interface FloatTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** Where inference runs. `auto` tries CUDA, then WebGPU, then falls back to CPU. */
export type ExecutionProviderChoice = "auto" | "cpu" | "cuda" | "webgpu";

/** Which provider actually runs, and why (e.g. "cuda unavailable: Failed to load shared library; using cpu"). */
export interface ProviderInfo {
  readonly name: "cpu" | "cuda" | "webgpu";
  /** The full story for logs: what was requested, what was tried and how each try failed. */
  readonly reason: string;
  /** What was asked for. */
  readonly requested: ExecutionProviderChoice;
  /** GPU providers that "auto" could not use, each with a short why ("binaries not installed"). */
  readonly unavailable: readonly { readonly name: "cuda" | "webgpu"; readonly why: string }[];
}

export interface LoadOptions {
  /** Default "auto". */
  executionProvider?: ExecutionProviderChoice;
  /** ONNX Runtime intra-op threads. Default 2. */
  threads?: number;
  /** Verify sha256 of every file: "cached" (default) checks once per path+size+mtime, "always", or "never". */
  verifyChecksums?: "cached" | "always" | "never";
  /** Folder for the checksum cache. Default: $XDG_CACHE_HOME or ~/.cache, then seed-notebook/. */
  cacheDir?: string;
  /** Largest decoded image accepted by loadImage (width*height). Default 40 megapixels. */
  maxImagePixels?: number;
  /**
   * Memory the model may use, in bytes; loading is refused (SeedError "memory") when the manifest's estimate exceeds it.
   * Default: the memory available now (MemAvailable, capped by a cgroup limit).
   */
  memoryBudgetBytes?: number;
  /** "on" (default) checks the estimate before loading; "off" skips the check. */
  memoryCheck?: "on" | "off";
  /**
   * An OpenAI-compatible server (llama-server, vLLM, SGLang) that serves the package's language model, e.g.
   * "http://127.0.0.1:8080": generation runs there instead of in-process (the package's language_model.onnx, if any,
   * is not loaded). Default: seed.json's language_model.endpoint; none: in-process.
   */
  languageModelEndpoint?: string;
  /** The model name the server serves (`model` in requests). Default: seed.json's served_model, else the server's first. */
  languageModelName?: string;
  /** Milliseconds to wait for the server's answer, then for each piece of its stream. Default 30000. */
  languageModelTimeoutMs?: number;
}

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array; // [H, W, 3]
}

/** An image read from disk or bytes, ready for the encoder. */
export interface LoadedImage {
  /** Normalised pixels, [1, 3, H, W] with the manifest's size, mean and std. */
  readonly pixels: FloatTensor;
  /** What the encoder sees (resized, alpha flattened), for display. */
  readonly preview: RgbImage;
  /** The source image's size after EXIF rotation. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Input format as sharp reports it (png, jpeg, webp, gif, ...). */
  readonly format: string;
}

/** Output of the visual tokenizer for a batch of B images. */
export interface VisualTokens {
  /** B lists of N codes, each in [0, codebook_size). */
  readonly ids: number[][];
  /** [B, N, D] */
  readonly causalEmbeddings: FloatTensor;
  /** [B, N, Gh*Gw]: each query's attention over the patch grid (rows sum to 1). */
  readonly attentionMaps: FloatTensor;
  /** [Gh, Gw] */
  readonly patchGrid: readonly [number, number];
}

export interface DecodeStepEvent {
  /** 0-based step index, counting the steps asked for (PNDM's warm-up model call is part of its first step). */
  readonly step: number;
  /** The steps asked for (not the model calls: PNDM makes one more). */
  readonly totalSteps: number;
  /** The scheduler timestep of this step. */
  readonly timestep: number;
  /** The predicted clean image at this step; present every `previewEvery` steps and on the last step. */
  readonly preview?: RgbImage;
}

export interface DecodeOptions {
  /** Denoising steps. Default: manifest image_decoder.defaults.steps. */
  steps?: number;
  /** Classifier-free guidance scale; <= 1 runs the conditional branch only. Default: manifest. */
  guidanceScale?: number;
  /** DDIM eta (0 = deterministic). Default: manifest. */
  eta?: number;
  /** Seed of the initial latent noise (and of eta noise). Default 0. */
  seed?: number;
  /** Decode from the first k tokens only (needs detokenizer.supports_token_mask). Default: all N. */
  prefix?: number;
  /** Initial latent noise [1, C, h, w] (e.g. the Python fixture's); overrides `seed` for the start latent. */
  noise?: FloatTensor;
  /** Decode a preview of the predicted clean image every n steps (0 = never; the final image is always decoded). Default 0. */
  previewEvery?: number;
  onStep?: (event: DecodeStepEvent) => void;
  signal?: AbortFlag;
}

export interface DecodeResult {
  readonly image: RgbImage;
  /** [1, E] */
  readonly generationEmbedding: FloatTensor;
  /** The final latent, [1, C, h, w] (before scaling). */
  readonly latent: FloatTensor;
  readonly steps: number;
  readonly guidanceScale: number;
  readonly seed: number;
}

/** One part of a chat message: text, an image to tokenize, or an image's 32 codes (e.g. from `tokenize`). */
export type ChatPart = string | LoadedImage | { readonly codes: readonly number[] };

export interface ChatTurn {
  /** "system" only as the first turn (it replaces the chat template's system prompt). */
  readonly role: "system" | "user" | "assistant";
  readonly content: string | readonly ChatPart[];
}

export interface TokenCandidate {
  readonly id: number;
  readonly token: string;
  readonly prob: number;
}

export interface TokenEvent {
  /** 0-based index among the generated tokens. */
  readonly index: number;
  readonly id: number;
  readonly token: string;
  /** The full decoded text of the generated tokens so far (decode the whole prefix; token-by-token decode drops spaces). */
  readonly text: string;
  /** The top-k candidates of the (temperature-scaled) distribution, best first. */
  readonly candidates: readonly TokenCandidate[];
  /** True when the image-span rule chose this token, not the sampler (a closing `</img>`, a required `<img>`). */
  readonly forced: boolean;
}

export interface GenerateOptions {
  /** Default 256 or the generation_config's max_new_tokens. */
  maxNewTokens?: number;
  /** 0 = greedy. Default from generation_config, else 1. */
  temperature?: number;
  /** 0 = off. */
  topK?: number;
  /** 1 = off. */
  topP?: number;
  seed?: number;
  /** Extra stop ids on top of the manifest's stop_tokens. */
  stopIds?: readonly number[];
  /** How many candidates each TokenEvent carries. Default 5. */
  topCandidates?: number;
  /** Append the BOI token to the prompt so the model must draw (SEED's force_boi). */
  forceImage?: boolean;
  /**
   * Keep image spans well-formed while sampling: inside `<img>` only image tokens, `</img>` forced after exactly
   * N, no image token or `</img>` outside a span, no `<img>` when the budget cannot hold a span. Default true.
   */
  constrainImages?: boolean;
  /** The answer must hold an image: where the model would end without one, `<img>` is forced. Default false. */
  requireImage?: boolean;
  onToken?: (event: TokenEvent) => void;
  signal?: AbortFlag;
}

/** One `<img> ... </img>` span in generated ids. */
export interface ImageSpan {
  /**
   * Index of the BOI id and one past the EOI id (or the end) in the scanned ids. In GenerateResult.images the
   * indices refer to GenerateResult.ids, and start is -1 when the BOI was the prompt's last token (forceImage).
   */
  readonly start: number;
  readonly end: number;
  /** The image codes (id - image_token_offset) when valid. */
  readonly codes: number[] | null;
  readonly valid: boolean;
  /** Why the span is invalid (count, non-image id, unclosed). */
  readonly reason?: string;
}

export interface GenerateResult {
  readonly promptIds: number[];
  /** Generated ids, stop id excluded. */
  readonly ids: number[];
  /** Generated text with image tokens kept. */
  readonly text: string;
  readonly stopReason: "stop" | "max_tokens";
  /** How many generated tokens the image-span rule forced (see GenerateOptions.constrainImages / requireImage). */
  readonly forcedTokens: number;
  readonly images: ImageSpan[];
}

/** Static facts about a loaded model, for status lines and displays. */
export interface ModelInfo {
  readonly name: string;
  readonly dir: string;
  readonly provider: ProviderInfo;
  readonly imageSize: readonly [number, number];
  readonly numTokens: number;
  readonly codebookSize: number;
  readonly patchGrid: readonly [number, number];
  readonly supportsTokenMask: boolean;
  readonly hasLanguageModel: boolean;
  /** Where the language model runs (in-process onnxruntime, or a remote server); undefined without one. */
  readonly languageModel?: LanguageModelPlacement;
  /** The manifest's description (e.g. which stages are trained). */
  readonly description: string;
  /** The language model's context (max_position_embeddings); undefined without a language model. */
  readonly contextLength?: number;
  readonly decodeDefaults: { readonly steps: number; readonly guidanceScale: number; readonly eta: number };
}
