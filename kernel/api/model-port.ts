// The model type the `seed` API runs on: model/runtime's SeedRuntime interface, which both the in-process SeedModel
// and the off-thread worker proxy implement. The rest of kernel/api names runtime types through this one file.

export type {
  ChatPart,
  ChatTurn,
  DecodeResult,
  DecodeStepEvent,
  GenerateResult,
  ImageSpan,
  LanguageModelPlacement,
  LoadedImage,
  ModelInfo as RuntimeModelInfo,
  ProviderInfo,
  RgbImage,
  SeedRuntime as ModelProxy,
  TokenEvent,
  VisualTokens,
} from "../../model/runtime/index";
