// The SEED kernelspec as it appears in a .ipynb's metadata, and the questions the controller asks about a notebook:
// "whose notebook is this?" (SEED's or TypeScript's -> Preferred affinity; another kernel's -> left alone) and "what
// metadata marks it as SEED?" (written only into a notebook that names no kernel yet, or when the user asks).
// No vscode import: unit-tested under plain Node.
//
// VS Code's built-in ipynb serializer exposes the whole .ipynb JSON minus its cells as NotebookDocument.metadata,
// so the Jupyter notebook metadata (kernelspec, language_info) lives one level down, under `metadata.metadata`.

/** The kernelspec the Jupyter side installs (`seed-notebook kernel install`) and the extension writes. */
export const SEED_KERNELSPEC = {
  name: "seed",
  display_name: "SEED (TypeScript)",
  language: "typescript",
} as const;

export const SEED_LANGUAGE_INFO = {
  name: "typescript",
  file_extension: ".ts",
  mimetype: "text/typescript",
} as const;

type JsonObject = Record<string, unknown>;

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** The Jupyter metadata object of an ipynb NotebookDocument.metadata (tolerates the older flat shape too). */
export function jupyterMetadata(notebookMetadata: unknown): JsonObject {
  const top = asObject(notebookMetadata) ?? {};
  return asObject(top.metadata) ?? top;
}

/** True when the notebook's kernelspec names the SEED kernel ("seed", or any "seed*" spec for TypeScript). */
export function isSeedNotebook(notebookMetadata: unknown): boolean {
  const spec = asObject(jupyterMetadata(notebookMetadata).kernelspec);
  if (!spec || typeof spec.name !== "string") return false;
  if (spec.name === SEED_KERNELSPEC.name) return true;
  return spec.name.startsWith("seed") && spec.language === SEED_KERNELSPEC.language;
}

/**
 * Whose notebook this is. The kernelspec names its kernel: "seed" (ours), "typescript" (another TypeScript
 * kernel's, e.g. tslab: SEED runs it as it is), "other" (another language's kernel, e.g. python3; `kernel` names it
 * for messages). Without a kernelspec it is "none" (nobody's yet), unless its language_info says TypeScript: VS Code's
 * ipynb support fills in `language_info: { name: "python" }` for a new notebook, so language_info alone names no
 * kernel.
 */
export type NotebookKind =
  | { kind: "seed" }
  | { kind: "typescript" }
  | { kind: "other"; kernel: string; language: string }
  | { kind: "none" };

export function notebookKind(notebookMetadata: unknown): NotebookKind {
  if (isSeedNotebook(notebookMetadata)) return { kind: "seed" };
  const inner = jupyterMetadata(notebookMetadata);
  const spec = asObject(inner.kernelspec);
  const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
  const language = text(spec?.language) ?? text(asObject(inner.language_info)?.name);
  const kernel = text(spec?.name) ?? text(spec?.display_name);
  if (language?.toLowerCase() === SEED_KERNELSPEC.language) return { kind: "typescript" };
  if (!kernel) return { kind: "none" };
  return { kind: "other", kernel, language: language ?? "unknown" };
}

/** True for notebooks the SEED controller should be Preferred for: SEED's own and other TypeScript kernels'. */
export function prefersSeed(notebookMetadata: unknown): boolean {
  const { kind } = notebookKind(notebookMetadata);
  return kind === "seed" || kind === "typescript";
}

/**
 * Returns new NotebookDocument.metadata with the SEED kernelspec and language_info written into the Jupyter
 * metadata, keeping every other key. Returns undefined when the metadata already says SEED (no edit needed).
 */
export function withSeedKernelspec(notebookMetadata: unknown): JsonObject | undefined {
  const top = asObject(notebookMetadata) ?? {};
  const inner = jupyterMetadata(notebookMetadata);
  const spec = asObject(inner.kernelspec);
  if (spec && spec.name === SEED_KERNELSPEC.name && spec.language === SEED_KERNELSPEC.language) return undefined;
  const updated = { ...inner, kernelspec: { ...SEED_KERNELSPEC }, language_info: { ...SEED_LANGUAGE_INFO } };
  return { ...top, metadata: updated };
}
