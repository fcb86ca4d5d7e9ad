// Helpers for the e2e suite (runs inside VS Code's extension host): write and open .ipynb files in the test
// workspace, select the SEED controller, run cells and wait for the kernel session to be idle, read outputs.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

export const EXTENSION_ID = "seed-notebook.seed-notebook";
export const CONTROLLER_ID = "seed-typescript";
export const STDOUT = "application/vnd.code.notebook.stdout";
export const STDERR = "application/vnd.code.notebook.stderr";
export const ERROR = "application/vnd.code.notebook.error";

/** The API extension.ts activate() returns (kept structurally in sync; the suite must not import extension code). */
export interface SeedExtensionApi {
  whenIdle(notebook: vscode.Uri): Promise<void>;
  kernelPid(notebook: vscode.Uri): number | undefined;
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error("the e2e suite needs a workspace folder (the runner opens ?folder=<temp dir>)");
  return folder.uri.fsPath;
}

let counter = 0;

/** Writes a fresh .ipynb with the given TypeScript cells and opens it in an editor. */
export async function createNotebook(
  cells: string[],
  kernelspec: { name: string; language: string } = { name: "seed", language: "typescript" },
): Promise<vscode.NotebookDocument> {
  const file = path.join(workspaceDir(), `e2e-${process.pid}-${++counter}.ipynb`);
  const ipynb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { ...kernelspec, display_name: kernelspec.name },
      language_info: { name: kernelspec.language },
    },
    cells: cells.map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
  };
  fs.writeFileSync(file, JSON.stringify(ipynb, null, 1));
  return openNotebook(file);
}

export async function openNotebook(file: string): Promise<vscode.NotebookDocument> {
  const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
  await vscode.window.showNotebookDocument(doc);
  return doc;
}

export async function api(): Promise<SeedExtensionApi> {
  const ext = vscode.extensions.getExtension<SeedExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded (extensionDevelopmentPath wrong?)`);
  return ext.activate();
}

export async function selectSeedKernel(doc: vscode.NotebookDocument): Promise<void> {
  await vscode.window.showNotebookDocument(doc);
  await vscode.commands.executeCommand("notebook.selectKernel", { id: CONTROLLER_ID, extension: EXTENSION_ID });
}

/** Queues the cells [start, end) (default: all), without waiting for them. */
export async function queueCells(doc: vscode.NotebookDocument, start = 0, end = doc.cellCount): Promise<void> {
  await vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start, end }], document: doc.uri });
}

/**
 * Runs the cells [start, end) and waits until the kernel session is idle and the first `ran` of them (default: all)
 * show this run's summary. Pass a smaller `ran` when later cells are expected to be cancelled.
 */
export async function runCells(
  doc: vscode.NotebookDocument,
  start = 0,
  end = doc.cellCount,
  ran = end - start,
): Promise<void> {
  const t0 = Date.now();
  await queueCells(doc, start, end);
  const idle = (await api()).whenIdle(doc.uri);
  const limit = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 100_000));
  if ((await Promise.race([idle, limit])) === "timeout")
    throw new Error(`cells still running after 100 s:\n${describeCells(doc)}`);
  // Summaries travel to the workbench and back to this extension host after execution.end().
  const ranNow = (c: vscode.NotebookCell) =>
    c.executionSummary?.success !== undefined && (c.executionSummary.timing?.endTime ?? 0) >= t0;
  await waitFor(
    `summaries of cells ${start}..${start + ran - 1}:\n${describeCells(doc)}`,
    () =>
      doc
        .getCells()
        .slice(start, start + ran)
        .every(ranNow),
    10_000,
  );
}

/** One line per cell: index, summary and output MIME types (for failure messages). */
export function describeCells(doc: vscode.NotebookDocument): string {
  return doc
    .getCells()
    .map(
      (c) =>
        `#${c.index} ${JSON.stringify(c.executionSummary ?? null)} [${mimes(c).join(", ")}] ${text(c, ERROR).slice(0, 300)}`,
    )
    .join("\n");
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function items(cell: vscode.NotebookCell, mime: string): vscode.NotebookCellOutputItem[] {
  return cell.outputs.flatMap((o) => o.items.filter((i) => i.mime === mime));
}

export function text(cell: vscode.NotebookCell, mime: string): string {
  return items(cell, mime)
    .map((i) => new TextDecoder().decode(i.data))
    .join("");
}

export function mimes(cell: vscode.NotebookCell): string[] {
  return cell.outputs.flatMap((o) => o.items.map((i) => i.mime));
}

/** True when a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
