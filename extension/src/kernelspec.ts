// The SEED kernelspec as it appears in a .ipynb's metadata, and the two questions the controller asks about a
// notebook: "was this notebook written for SEED?" (-> Preferred affinity) and "what metadata marks it as SEED?"
// (written when the user selects our controller). No vscode import: unit-tested under plain Node.
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
