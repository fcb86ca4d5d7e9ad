// What the SEED controller says about cells it cannot run. The kernel runs TypeScript only; the controller also
// accepts Python cells (VS Code would otherwise skip them without a word when SEED is the only kernel) and ends each
// with an error that says why. The notice shown when SEED is picked for another kernel's notebook is worded here too.
// No vscode import: unit-tested under plain Node.
import type { ErrorInfo } from "../../kernel/protocol/rpc";
import type { NotebookKind } from "./kernelspec";

/** The one cell language the kernel runs. */
export const RUNNABLE_LANGUAGE = "typescript";

/**
 * NotebookController.supportedLanguages: VS Code hands the controller only cells in these languages and completes
 * the others silently, so Python (the language of most .ipynb files) is listed to be answered with an explanation.
 * TypeScript comes first: VS Code gives new cells the controller's first language.
 */
export const CONTROLLER_LANGUAGES = [RUNNABLE_LANGUAGE, "python"] as const;

/** VS Code language ids -> the names people know them by. */
const LANGUAGE_NAMES: Record<string, string> = {
  python: "Python",
  typescript: "TypeScript",
  javascript: "JavaScript",
  r: "R",
  julia: "Julia",
};

export function languageName(id: string): string {
  return LANGUAGE_NAMES[id.toLowerCase()] ?? id;
}

/** How a notebook's own kernel is named in messages ("the Python kernel "python3""). */
function kernelPhrase(kind: NotebookKind): string | undefined {
  return kind.kind === "other" ? `its kernelspec is "${kind.kernel}" (${languageName(kind.language)})` : undefined;
}

/** The error a cell in another language ends with, or undefined when the kernel can run it. */
export function unsupportedCellError(languageId: string, kind: NotebookKind): ErrorInfo | undefined {
  if (languageId === RUNNABLE_LANGUAGE) return undefined;
  const language = languageName(languageId);
  const owner = kernelPhrase(kind);
  const evalue = [
    `This is a ${language} cell, and the SEED (TypeScript) kernel runs TypeScript only, so it was not run.`,
    owner
      ? `This notebook belongs to another kernel: ${owner}. To run its ${language} cells, pick that kernel in the kernel picker (top right).`
      : `To run it with SEED, change the cell's language to TypeScript (the language name at the bottom right of the cell).`,
  ].join(" ");
  return { ename: "UnsupportedLanguage", evalue, traceback: [] };
}

/**
 * The notice shown when SEED is picked for a notebook it cannot run as it is (another language's kernelspec, or
 * code cells in other languages); undefined when there is nothing to say.
 */
export function foreignNotebookNotice(kind: NotebookKind, cellLanguages: readonly string[]): string | undefined {
  const foreign = cellLanguages.filter((l) => l !== RUNNABLE_LANGUAGE);
  const owner = kernelPhrase(kind);
  if (!owner && foreign.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const l of foreign) counts.set(l, (counts.get(l) ?? 0) + 1);
  const cells = [...counts].map(([l, n]) => `${n} ${languageName(l)} cell${n === 1 ? "" : "s"}`).join(" and ");
  return [
    `SEED (TypeScript) runs TypeScript cells only.`,
    owner ? `This notebook belongs to another kernel (${owner}); SEED leaves its kernelspec as it is.` : "",
    cells ? `Its ${cells} will not run here and will end with an error.` : "",
  ]
    .filter(Boolean)
    .join(" ");
}
