// The one interface the kernel programs against. `SeedModel` (in-process) and the worker proxy returned by
// `openModelWorker` both implement it, so code and tests can switch between them. Every method is async because the
// worker proxy answers through messages; callbacks (onStep, onToken) are invoked on the caller's thread.

import type { AbortFlag } from "./errors";
import type {
  ChatTurn,
  DecodeOptions,
  DecodeResult,
  GenerateOptions,
  GenerateResult,
  ImageSpan,
  LoadedImage,
  ModelInfo,
  VisualTokens,
} from "./types";

export interface SeedRuntime {
  readonly info: ModelInfo;

  /** Reads a PNG/JPEG/WebP/GIF (first frame) file path or encoded bytes into encoder-ready pixels. */
  loadImage(input: string | Uint8Array): Promise<LoadedImage>;

  /** Image(s) -> N codes each, the causal embeddings and the Q-Former attention maps. */
  tokenize(images: LoadedImage | readonly LoadedImage[], options?: { signal?: AbortFlag }): Promise<VisualTokens>;

  /** N codes (any edited list) -> an image through the detokenizer and the guided DDIM denoising loop. */
  decode(codes: readonly number[], options?: DecodeOptions): Promise<DecodeResult>;

  /** Text -> language-model ids (image tokens in the text are recognised). BOS is prepended unless bos is false. */
  encodeText(text: string, options?: { bos?: boolean }): Promise<number[]>;

  /** Ids -> text, image tokens kept, no space inserted after added tokens; skipSpecial drops BOS/EOS. */
  decodeText(ids: readonly number[], options?: { skipSpecial?: boolean }): Promise<string>;

  /** Chat turns -> prompt ids in the package's chat template, ending with the assistant prefix. */
  buildPrompt(turns: readonly ChatTurn[], options?: { forceImage?: boolean }): Promise<number[]>;

  /** Runs the language model on chat turns (or ready prompt ids) and returns the generated ids, text and image spans. */
  generate(prompt: readonly ChatTurn[] | readonly number[], options?: GenerateOptions): Promise<GenerateResult>;

  /** Finds every `<img> ... </img>` span in ids, each with its codes or the reason it is invalid. */
  imageSpans(ids: readonly number[]): Promise<ImageSpan[]>;

  /** Releases every session (and the worker). Further calls fail with code "disposed". */
  dispose(): Promise<void>;
}
