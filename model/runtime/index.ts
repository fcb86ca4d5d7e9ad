// The public API of the SEED model runtime (model/runtime/README.md documents it). The kernel imports only from here.
//   SeedModel.load(dir, options)      in-process (tests, benchmarks, CLI tools)
//   openModelWorker(dir, options)     the same SeedRuntime API with inference on a worker thread (the kernel)
// Lower-level pieces (scheduler, sampler, templates, span extraction, image I/O) are exported for tools and tests.

export type { SeedRuntime } from "./api";
export { SeedModel } from "./seed-model";
export { openModelWorker, type WorkerOptions } from "./worker-client";
export { SeedError, type SeedErrorCode, type AbortFlag } from "./errors";
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
  LoadOptions,
  LoadedImage,
  ModelInfo,
  ProviderInfo,
  RgbImage,
  TokenCandidate,
  TokenEvent,
  VisualTokens,
} from "./types";
export type { SeedManifest } from "./manifest-types";
export { readManifest } from "./model-loader";
export { encodePng, tensorToRgb, loadImage } from "./image-io";
export { DdimScheduler, parseDdimConfig, type DdimConfig } from "./scheduler-ddim";
export { PndmScheduler, parsePndmConfig, type PndmConfig } from "./scheduler-pndm";
export { createScheduler, parseSchedulerConfig, type DiffusionScheduler, type SchedulerConfig, type SchedulerStepOutput } from "./scheduler";
export { sampleToken, softmax, type SamplerOptions } from "./sampler";
export { createRng, type Rng } from "./rng";
export { extractImageSpans } from "./image-spans";
export { constrainLogits, ImageSpanGuard, type TokenRule } from "./image-constraint";
export { buildPromptText } from "./chat-template";
