// The extension's commands: Restart Kernel (asks first unless seed.confirmRestart is false), Interrupt Kernel, Open
// Tour Notebook, Select Model Folder and the status bar's quick pick. Commands invoked from a notebook toolbar
// receive the notebook; from the palette they act on the active notebook editor.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { COMMANDS } from "./command-ids";
import type { SeedController } from "./controller";
import { confirmRestart, type RestartPrompt } from "./restart-confirm";

export { COMMANDS };

/** Finds the notebook a command is about: an explicit Uri, a notebook-toolbar context, or the active editor. */
function targetNotebook(arg: unknown): vscode.NotebookDocument | undefined {
  let uri: vscode.Uri | undefined;
  if (arg instanceof vscode.Uri) uri = arg;
  else if (typeof arg === "object" && arg !== null) {
    const ctx = arg as { notebookEditor?: { notebookUri?: unknown }; notebookUri?: unknown; uri?: unknown };
    const candidate = ctx.notebookEditor?.notebookUri ?? ctx.notebookUri ?? ctx.uri;
    if (candidate instanceof vscode.Uri) uri = candidate;
  }
  if (uri) {
    const key = uri.toString();
    return vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === key);
  }
  return vscode.window.activeNotebookEditor?.notebook;
}

/** The questions the commands ask the user, passed in by extension.ts. */
export interface CommandPrompts {
  restart: RestartPrompt;
}

export function registerCommands(
  seed: SeedController,
  extensionUri: vscode.Uri,
  storageUri: vscode.Uri,
  prompts: CommandPrompts,
): vscode.Disposable[] {
  const requireSession = (arg: unknown) => {
    const notebook = targetNotebook(arg);
    if (!notebook) {
      void vscode.window.showWarningMessage("Open a notebook that uses the SEED (TypeScript) kernel first.");
      return undefined;
    }
    return seed.sessionFor(notebook);
  };

  return [
    vscode.commands.registerCommand(COMMANDS.restart, async (arg?: unknown) => {
      const session = requireSession(arg);
      if (!session) return;
      const ask = vscode.workspace.getConfiguration("seed", session.notebook.uri).get<unknown>("confirmRestart");
      if (!(await confirmRestart(ask, prompts.restart))) return;
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "Restarting the SEED kernel" },
        () => session.restart(),
      );
    }),
    vscode.commands.registerCommand(COMMANDS.interrupt, async (arg?: unknown) => {
      await requireSession(arg)?.interrupt();
    }),
    vscode.commands.registerCommand(COMMANDS.openTour, () => openTour(extensionUri, storageUri)),
    vscode.commands.registerCommand(COMMANDS.selectModel, () => selectModelFolder(seed)),
    vscode.commands.registerCommand(COMMANDS.showActions, async () => {
      const picks = [
        { label: "$(debug-restart) Restart Kernel", command: COMMANDS.restart },
        { label: "$(debug-stop) Interrupt Kernel", command: COMMANDS.interrupt },
        { label: "$(folder-opened) Select Model Folder…", command: COMMANDS.selectModel },
        { label: "$(output) Show Kernel Log", command: COMMANDS.showLog },
      ];
      const pick = await vscode.window.showQuickPick(picks, { placeHolder: "SEED kernel" });
      if (pick) await vscode.commands.executeCommand(pick.command);
    }),
  ];
}

/**
 * Copies the bundled notebooks folder (tour.ipynb and its assets) into the extension's global storage, since the
 * installed extension folder may be read-only and the tour writes outputs, then opens the copy.
 */
async function openTour(extensionUri: vscode.Uri, storageUri: vscode.Uri): Promise<void> {
  const source = vscode.Uri.joinPath(extensionUri, "notebooks");
  const target = vscode.Uri.joinPath(storageUri, "tour");
  const tourSource = path.join(source.fsPath, "tour.ipynb");
  if (!fs.existsSync(tourSource)) {
    void vscode.window.showErrorMessage(
      `The tour notebook is missing from the extension (expected ${tourSource}). Reinstall the extension.`,
    );
    return;
  }
  const tour = vscode.Uri.joinPath(target, "tour.ipynb");
  if (!fs.existsSync(tour.fsPath)) {
    await fs.promises.mkdir(path.dirname(target.fsPath), { recursive: true });
    await fs.promises.cp(source.fsPath, target.fsPath, { recursive: true });
  }
  const doc = await vscode.workspace.openNotebookDocument(tour);
  await vscode.window.showNotebookDocument(doc);
}

/** Asks for a folder holding seed.json, checks it, stores it in seed.modelPath and offers to restart kernels. */
async function selectModelFolder(seed: SeedController): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: "Use this SEED model",
    title: "Select a SEED model folder (it holds seed.json)",
  });
  const folder = picked?.[0];
  if (!folder) return;
  const manifest = path.join(folder.fsPath, "seed.json");
  if (!fs.existsSync(manifest)) {
    void vscode.window.showErrorMessage(
      `${folder.fsPath} has no seed.json; a SEED model folder holds seed.json and its ONNX files (model/FORMAT.md).`,
    );
    return;
  }
  const config = vscode.workspace.getConfiguration("seed");
  const scope = vscode.workspace.workspaceFolders
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await config.update("modelPath", folder.fsPath, scope);
  const running = seed.allSessions().filter((s) => s.kernelPid !== undefined);
  if (running.length === 0) return;
  const choice = await vscode.window.showInformationMessage(
    `SEED model set to ${folder.fsPath}. Restart ${running.length} running kernel(s) to use it?`,
    "Restart",
  );
  if (choice === "Restart") await Promise.all(running.map((s) => s.restart()));
}
