// MIME types and payload shapes shared by the kernel (which builds outputs), the VS Code renderer (which draws
// them) and the extension (which routes them). Defined once here; package.json's notebookRenderer contribution
// must list exactly SEED_RENDERER_MIME_TYPES (a unit test checks it). No Node, DOM or vscode imports: this file
// is compiled into the kernel, the extension host and the browser renderer alike.

export const MIME = {
  tokens: "application/vnd.seed.tokens+json",
  image: "application/vnd.seed.image+json",
  comparison: "application/vnd.seed.comparison+json",
  filmstrip: "application/vnd.seed.filmstrip+json",
  generation: "application/vnd.seed.generation+json",
  probabilities: "application/vnd.seed.probabilities+json",
  controls: "application/vnd.seed.controls+json",
  atlas: "application/vnd.seed.atlas+json",
  decodeComparison: "application/vnd.seed.decode-comparison+json",
  tokenComparison: "application/vnd.seed.token-comparison+json",
  html: "text/html",
  png: "image/png",
  plain: "text/plain",
} as const;

/** The custom types the SEED notebook renderer draws. */
export const SEED_RENDERER_MIME_TYPES: readonly string[] = [
  MIME.tokens,
  MIME.image,
  MIME.comparison,
  MIME.filmstrip,
  MIME.generation,
  MIME.probabilities,
  MIME.controls,
  MIME.atlas,
  MIME.decodeComparison,
  MIME.tokenComparison,
];

/** A Jupyter-style MIME bundle: text types as strings, JSON types as objects, binary types base64-encoded. */
export type MimeBundle = Record<string, string | object>;
