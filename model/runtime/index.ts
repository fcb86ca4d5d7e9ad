// The public API of the SEED model runtime (model/runtime/README.md documents it). The kernel imports only from here.
//   SeedModel.load(dir, options)      in-process (tests, benchmarks, CLI tools)
//   openModelWorker(dir, options)     the same SeedRuntime API with inference on a worker thread (the kernel)
// Lower-level pieces (scheduler, sampler, templates, span extraction, image I/O) are exported for tools and tests.

export type { SeedRuntime } from "./api";
export { buildPromptText } from "./chat-template";
export { type AbortFlag, SeedError, type SeedErrorCode } from "./errors";
export { constrainLogits, ImageSpanGuard, type TokenRule } from "./image-constraint";
export { encodePng, loadImage, tensorToRgb } from "./image-io";
export { extractImageSpans } from "./image-spans";
export { InProcessLanguageModel, type LanguageModelBackend, type LanguageModelRun } from "./lm-backend";
export type { SeedManifest } from "./manifest-types";
export { readManifest } from "./model-loader";
export { parseCompletionChunk } from "./remote-completions";
export { DEFAULT_LM_TIMEOUT_MS, RemoteLanguageModel, type RemoteRunStats } from "./remote-lm";
export { createRng, type Rng } from "./rng";
export { type SamplerOptions, sampleToken, softmax } from "./sampler";
export {
  createScheduler,
  type DiffusionScheduler,
  parseSchedulerConfig,
  type SchedulerConfig,
  type SchedulerStepOutput,
} from "./scheduler";
export { type DdimConfig, DdimScheduler, parseDdimConfig } from "./scheduler-ddim";
export { type PndmConfig, PndmScheduler, parsePndmConfig } from "./scheduler-pndm";
export { SeedModel } from "./seed-model";
export { type SseEvent, SseParser } from "./sse";
export type {
  ChatPart,
  ChatTurn,
  DecodeOptions,
  DecodeResult,
  DecodeStepEvent,
  ExecutionProviderChoice,
  FloatTensor,
  GenerateOptions,
  GenerateResult,
  ImageSpan,
  LanguageModelPlacement,
  LoadedImage,
  LoadOptions,
  ModelInfo,
  ProviderInfo,
  RgbImage,
  TokenCandidate,
  TokenEvent,
  VisualTokens,
} from "./types";
export { openModelWorker, type WorkerOptions } from "./worker-client";
