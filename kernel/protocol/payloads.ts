// JSON payloads of the application/vnd.seed.*+json outputs (kernel/protocol/mime.ts names the types). The kernel
// builds them (kernel/display/), the VS Code renderer draws them (extension/renderer/). Kept small: images are
// base64 PNG, attention maps are rounded floats, colours are precomputed so every view agrees on a token's colour.
// Types only: no Node, DOM or vscode imports.

/** Bump when a payload changes shape incompatibly; the renderer shows a clear message for versions it lacks. */
export const PAYLOAD_VERSION = 1;

/** An image as the renderer receives it. */
export interface ImagePayload {
  /** PNG bytes, base64 (no data: prefix). */
  png: string;
  width: number;
  height: number;
  /** Short caption, e.g. "original" or the file name. */
  label?: string;
}

/** What the codebook atlas (seed.atlas) knows about a chip's code, once an atlas was built in the session. */
export interface ChipAtlas {
  /** Occurrences over the atlas's reference images. */
  count: number;
  /** Reference images holding it. */
  imageCount: number;
  /** Its most frequent positions (up to 3). */
  at: number[];
  /** The reference images holding it most (indices, up to 3). */
  top: number[];
}

/** One token chip: a visual-token id and its colour (stable per id). */
export interface TokenChip {
  /** Position in the sequence, 0-based. */
  index: number;
  /** Codebook id, 0..codebookSize-1. */
  id: number;
  /** CSS colour of the chip background ("hsl(...)"). */
  color: string;
  /** CSS colour of the text on the chip, chosen for contrast. */
  textColor: string;
  /** The code's atlas entry in short, when the session has built an atlas (hover text links to seed.atlas(id)). */
  atlas?: ChipAtlas;
}

/** The Q-Former cross-attention of every token over the image patches. */
export interface AttentionPayload {
  /** [Gh, Gw] patch grid; row 0 is the top of the image. */
  grid: [number, number];
  /** [N][Gh*Gw] row-major, each row stretched to 0..1 (least..most attended patch; uniform = all 1), 3 decimals. */
  maps: number[][];
}

/** application/vnd.seed.tokens+json: a token strip. */
export interface TokensPayload {
  version: number;
  /** The given tokens, in causal order (a prefix holds fewer than numTokens). */
  chips: TokenChip[];
  /** N: tokens per image in this model. Chips beyond chips.length are drawn as empty slots. */
  numTokens: number;
  /** K: codebook size (ids are 0..K-1). */
  codebookSize: number;
  /** The image the tokens came from, when known. */
  source?: ImagePayload;
  attention?: AttentionPayload;
  label?: string;
  /** How many reference images the chips' `atlas` entries count over. */
  atlasReferences?: number;
}

/** application/vnd.seed.image+json: one image. */
export interface ImageViewPayload {
  version: number;
  image: ImagePayload;
}

/** application/vnd.seed.comparison+json: images side by side (original vs reconstruction, or several variants). */
export interface ComparisonPayload {
  version: number;
  images: ImagePayload[];
  /** The tokens the reconstruction was decoded from, when there is one. */
  tokens?: TokensPayload;
  /** e.g. "25 steps · guidance 3 · seed 0". */
  caption?: string;
}

/** One frame of a denoising run: the predicted clean image at a step. */
export interface FilmstripFrame {
  /** 1-based step index. */
  step: number;
  /** The scheduler timestep of this step. */
  timestep: number;
  image: ImagePayload;
}

/** application/vnd.seed.filmstrip+json: denoising step by step. */
export interface FilmstripPayload {
  version: number;
  frames: FilmstripFrame[];
  /** Steps planned in total (frames may hold a subset). */
  totalSteps: number;
  /** False while the run is still going (a live view). */
  done: boolean;
  /** Set when the run did not reach its last step (done is then true: the view is final). */
  stopped?: "interrupted" | "error";
  caption?: string;
}

/** One candidate of the next-token distribution. */
export interface Candidate {
  id: number;
  /** Decoded text of the token (image tokens read "<img_00042>"). */
  text: string;
  /** Probability after temperature (0..1), rounded to 4 decimals. */
  prob: number;
}

/** One generated token with its top-k candidates. */
export interface GenerationStep {
  id: number;
  text: string;
  /** Visual-token code when this is an image token, else absent. */
  code?: number;
  candidates: Candidate[];
}

/** application/vnd.seed.probabilities+json: top-k chart per generated token. */
export interface ProbabilitiesPayload {
  version: number;
  steps: GenerationStep[];
  /** Which step is selected first (the renderer lets the user move). */
  selected: number;
  caption?: string;
}

/** A piece of a generation, in order. */
export type GenerationPart =
  | { kind: "text"; text: string }
  /** Image tokens between <img> and </img>; `complete` once </img> arrived. */
  | { kind: "tokens"; tokens: TokensPayload; complete: boolean }
  /** A decoded image (follows its tokens). */
  | { kind: "image"; image: ImagePayload };

/** application/vnd.seed.generation+json: live token-by-token generation. */
export interface GenerationPayload {
  version: number;
  /** The prompt, as text with images shown as "<image>". */
  prompt?: string;
  parts: GenerationPart[];
  /** Tokens generated so far. */
  tokenCount: number;
  /** "running" while live; otherwise why it stopped. */
  status: "running" | "stop-token" | "max-tokens" | "interrupted" | "error";
  /** Top-k per generated token (sent once the generation has finished). */
  steps?: GenerationStep[];
  /** Problems met, e.g. an image span repaired or skipped. */
  warnings?: string[];
}

/** One code of the codebook atlas. */
export interface AtlasEntryPayload {
  code: number;
  /** Chip colours (the same as in every token strip). */
  color: string;
  textColor: string;
  /** Occurrences in the reference set (all positions of all images). */
  count: number;
  /** How many reference images hold it at least once. */
  imageCount: number;
  /** [position, occurrences] for every position it was seen at, most frequent first. */
  positions: [number, number][];
  /** The reference images that hold it most (index into the reference set), with the positions it sits at. */
  top: { image: number; positions: number[] }[];
}

/**
 * A sprite sheet: equal square tiles, row-major, `columns` a row (tile i is at column i % columns, row i / columns).
 * Tile i shows item i (a code, a reference image), or item `indices[i]` in a sheet that holds only some items.
 */
export interface SpriteSheetPayload {
  /** PNG bytes, base64. */
  png: string;
  /** Tile edge in pixels. */
  tile: number;
  columns: number;
  count: number;
  /** Which item each tile shows, when the sheet holds only some items. */
  indices?: number[];
}

/** application/vnd.seed.atlas+json: the codebook atlas (every code), or one entry of it (`selected`). */
export interface AtlasPayload {
  version: number;
  model: string;
  codebookSize: number;
  numTokens: number;
  /** How many reference images were tokenized. */
  referenceCount: number;
  /** Where the reference images come from (one line). */
  referenceSource: string;
  /** Every code (the overview), or only the selected one. */
  entries: AtlasEntryPayload[];
  /** The reference images as tiles (index = reference image index); absent when too large to embed. */
  references?: SpriteSheetPayload;
  /** Per reference image a caption, when the set has them (index = reference image index). */
  captions?: string[];
  /** Each code decoded alone as a one-token prefix, tile index = code; absent when the model cannot decode prefixes. */
  decodes?: SpriteSheetPayload;
  /** Denoising steps of those one-token decodes. */
  decodeSteps?: number;
  /** The code shown by seed.atlas(code). */
  selected?: number;
  caption?: string;
}

/** One row of a decode comparison: one side's denoising frames over the shared steps. */
export interface DecodeComparisonRow {
  /** e.g. "seed 0", "guidance 3", a prompt. */
  label: string;
  /** Predicted clean image per step, in step order; frames[i].step equals the other rows' frames[i].step. */
  frames: FilmstripFrame[];
}

/** application/vnd.seed.decode-comparison+json: two decodes over the same steps, aligned frame by frame. */
export interface DecodeComparisonPayload {
  version: number;
  rows: DecodeComparisonRow[];
  totalSteps: number;
  /** What the rows share and what differs, e.g. "25 steps · same initial noise (seed 0)". */
  caption?: string;
  /** Per shown step, the mean absolute pixel difference between the rows (0..255). */
  differences?: number[];
}

/** One swap of a token comparison: A's tokens with B's code at `position`, decoded. */
export interface TokenSwapPayload {
  position: number;
  /** A's code there and the B code put in its place. */
  from: number;
  to: number;
  image: ImagePayload;
  /** Mean absolute pixel difference from A's own decode (0..255): how much this position matters. */
  change: number;
}

/** application/vnd.seed.token-comparison+json: two token sequences aligned, differing positions highlighted. */
export interface TokenComparisonPayload {
  version: number;
  a: TokensPayload;
  b: TokensPayload;
  /** Positions where the ids differ. */
  differ: number[];
  /** Decodes of A and B (same steps and noise as the swaps), when swaps were decoded. */
  decodedA?: ImagePayload;
  decodedB?: ImagePayload;
  swaps: TokenSwapPayload[];
  caption?: string;
}
