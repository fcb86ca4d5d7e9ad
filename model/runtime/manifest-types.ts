// The parsed form of seed.json (model/FORMAT.md, format version 1). Field names follow the JSON (snake_case) so
// that a reader can match them with the file and with the Python exporter line by line.

export const MANIFEST_FORMAT = "seed-model";
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1];

export type TensorDtype = "float32" | "int64" | "int32" | "float16" | "bool";
/** A dimension is fixed (a number) or symbolic (a name such as "batch"). */
export type Dim = number | string;

export interface IoSpec {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly Dim[];
}

export interface ComponentSpec {
  readonly file: string;
  /** ONNX external-data files the graph references (weights of graphs over 2 GB), beside `file`. */
  readonly external_data: readonly string[];
  readonly inputs: readonly IoSpec[];
  readonly outputs: readonly IoSpec[];
}

export type ComponentName =
  | "encoder"
  | "quantizer"
  | "detokenizer"
  | "denoiser"
  | "latent_decoder"
  | "latent_encoder"
  | "language_model";

export const REQUIRED_COMPONENTS: readonly ComponentName[] = [
  "encoder",
  "quantizer",
  "detokenizer",
  "denoiser",
  "latent_decoder",
];
export const OPTIONAL_COMPONENTS: readonly ComponentName[] = ["latent_encoder", "language_model"];

export interface ImageSpec {
  readonly size: readonly [number, number]; // [H, W]
  readonly resample: "bilinear" | "bicubic" | "nearest";
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly background: readonly [number, number, number];
  /** What happens to an alpha channel: flattened onto `background` (SEED-mini), or dropped as PIL's convert("RGB") does (SEED). */
  readonly alpha: "flatten" | "drop";
}

export interface VisualTokenizerSpec {
  readonly num_tokens: number;
  readonly codebook_size: number;
  readonly code_dim: number;
  readonly embed_dim: number;
  readonly patch_grid: readonly [number, number];
}

export interface ImageDecoderSpec {
  readonly latent_shape: readonly [number, number, number]; // [C, h, w]
  readonly latent_scaling_factor: number;
  readonly output_size: readonly [number, number];
  readonly scheduler_config: string;
  readonly unconditional_embedding: "zeros";
  readonly defaults: { readonly steps: number; readonly guidance_scale: number; readonly eta: number };
}

export interface ChatTemplateSpec {
  readonly system: string;
  readonly user_prefix: string;
  readonly assistant_prefix: string;
  readonly turn_separator: string;
}

export interface LanguageModelSpec {
  /** The ONNX graph's KV layout: required with components.language_model, absent for a remote-only LM. */
  readonly num_layers?: number;
  readonly num_kv_heads?: number;
  readonly head_dim?: number;
  /** An OpenAI-compatible server that serves this LM (e.g. "http://127.0.0.1:8080"); used instead of the graph. */
  readonly endpoint?: string;
  /** The model name that server serves (sent as `model`); default: the first it lists. */
  readonly served_model?: string;
  readonly vocab_size: number;
  readonly max_position_embeddings: number;
  readonly tokenizer: string;
  readonly tokenizer_config: string;
  readonly generation_config?: string;
  readonly image_token_offset: number;
  readonly image_token_format: string;
  readonly boi_token: string;
  readonly eoi_token: string;
  readonly bos_token: string;
  readonly eos_token: string;
  readonly stop_tokens: readonly string[];
  readonly chat_template: ChatTemplateSpec;
}

/** Export-time estimate of one component's host memory (manifest `memory.components.<name>`). */
export interface ComponentMemory {
  readonly weights_bytes: number;
  /** Largest intermediate tensors of one call (a lower bound on ONNX Runtime's working memory). */
  readonly activation_bytes: number;
  /** Language model: keys + values of every layer for one position. */
  readonly kv_bytes_per_position?: number;
}

export interface FileEntry {
  readonly bytes: number;
  readonly sha256: string;
}

export interface SeedManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly format_version: number;
  readonly name: string;
  readonly description: string;
  readonly image: ImageSpec;
  readonly visual_tokenizer: VisualTokenizerSpec;
  readonly detokenizer: { readonly embedding_dim: number; readonly supports_token_mask: boolean };
  readonly image_decoder: ImageDecoderSpec;
  readonly language_model?: LanguageModelSpec;
  readonly components: Readonly<Partial<Record<ComponentName, ComponentSpec>>>;
  /** Optional: per-component memory estimates; without it the runtime estimates from file sizes. */
  readonly memory?: { readonly components: Readonly<Partial<Record<ComponentName, ComponentMemory>>> };
  readonly files: Readonly<Record<string, FileEntry>>;
}
