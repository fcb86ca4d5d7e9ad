// The "SEED (TypeScript)" NotebookController for .ipynb (jupyter-notebook) notebooks: Preferred affinity for SEED
// and TypeScript notebooks, Default for the others. VS Code also selects it without asking when it is the only
// kernel, so selection never rewrites another kernel's notebook: the SEED kernelspec is written only into a notebook
// that names no kernel yet, and a notebook of another language gets a notice instead (its cells end with an error
// that says why, cell-language.ts). Keeps one NotebookSession (one kernel process) per open notebook, disposed when
// the notebook closes.
import * as vscode from "vscode";
import { CONTROLLER_LANGUAGES, foreignNotebookNotice, RUNNABLE_LANGUAGE } from "./cell-language";
import { notebookKind, prefersSeed, withSeedKernelspec } from "./kernelspec";
import { NotebookSession } from "./notebook-session";
import type { KernelSettings } from "./settings";

export const CONTROLLER_ID = "seed-typescript";
export const NOTEBOOK_TYPE = "jupyter-notebook";

export interface ControllerDeps {
  kernelScript: string;
  settings(): KernelSettings;
  log: vscode.LogOutputChannel;
}

export class SeedController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<vscode.NotebookDocument, NotebookSession>();
  private readonly selected = new Set<vscode.NotebookDocument>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly sessionsEmitter = new vscode.EventEmitter<NotebookSession>();
  /** Fires when a session is created or its kernel status changes. */
  readonly onDidChangeSession = this.sessionsEmitter.event;

  constructor(private readonly deps: ControllerDeps) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, "SEED (TypeScript)");
    this.controller.supportedLanguages = [...CONTROLLER_LANGUAGES];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = "SEED multimodal model kernel";
    this.controller.detail =
      "Runs TypeScript cells with the `seed` API (image tokens, decoding, chat) in a local kernel process";
    this.controller.executeHandler = (cells, notebook) => this.execute(cells, notebook);

    this.disposables.push(
      this.controller,
      this.sessionsEmitter,
      this.controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => this.onSelected(notebook, selected)),
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.updateAffinity(nb)),
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        if (e.metadata) this.updateAffinity(e.notebook);
      }),
      vscode.workspace.onDidCloseNotebookDocument((nb) => void this.closeSession(nb)),
    );
    for (const nb of vscode.workspace.notebookDocuments) this.updateAffinity(nb);
  }

  session(notebook: vscode.NotebookDocument): NotebookSession | undefined {
    return this.sessions.get(notebook);
  }

  /** The session of a notebook, created (without starting its kernel) when missing. */
  sessionFor(notebook: vscode.NotebookDocument): NotebookSession {
    let session = this.sessions.get(notebook);
    if (!session) {
      session = new NotebookSession(notebook, { controller: this.controller, ...this.deps });
      const created = session;
      session.onDidChangeStatus(() => this.sessionsEmitter.fire(created));
      this.sessions.set(notebook, session);
      this.sessionsEmitter.fire(session);
    }
    return session;
  }

  allSessions(): NotebookSession[] {
    return [...this.sessions.values()];
  }

  isSelectedFor(notebook: vscode.NotebookDocument): boolean {
    return this.selected.has(notebook);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((nb) => this.closeSession(nb)));
    for (const d of this.disposables) d.dispose();
  }

  private execute(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): void {
    this.sessionFor(notebook).queueCells(cells);
  }

  private updateAffinity(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType !== NOTEBOOK_TYPE) return;
    const affinity = prefersSeed(notebook.metadata)
      ? vscode.NotebookControllerAffinity.Preferred
      : vscode.NotebookControllerAffinity.Default;
    this.controller.updateNotebookAffinity(notebook, affinity);
  }

  private async onSelected(notebook: vscode.NotebookDocument, selected: boolean): Promise<void> {
    if (!selected) {
      this.selected.delete(notebook);
      await this.closeSession(notebook);
      return;
    }
    this.selected.add(notebook);
    const kind = notebookKind(notebook.metadata);
    const codeCells = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
    const written = codeCells.filter((c) => c.document.getText().trim() !== "");
    const notice = foreignNotebookNotice(
      kind,
      written.map((c) => c.document.languageId),
    );
    if (notice) {
      this.deps.log.info(`selected for ${notebook.uri.toString()}: ${notice}`);
      void vscode.window.showWarningMessage(notice, "Select Another Kernel").then((choice) => {
        if (choice) void vscode.commands.executeCommand("notebook.selectKernel");
      });
      return;
    }
    if (kind.kind !== "none") return;
    // A notebook that names no kernel yet becomes a SEED notebook: kernelspec, and empty cells become TypeScript.
    const metadata = withSeedKernelspec(notebook.metadata);
    if (!metadata) return;
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata(metadata)]);
    const applied = await vscode.workspace.applyEdit(edit);
    if (!applied) this.deps.log.warn(`could not write the SEED kernelspec into ${notebook.uri.toString()}`);
    for (const cell of codeCells) {
      if (cell.document.languageId !== RUNNABLE_LANGUAGE)
        await vscode.languages.setTextDocumentLanguage(cell.document, RUNNABLE_LANGUAGE);
    }
  }

  private async closeSession(notebook: vscode.NotebookDocument): Promise<void> {
    const session = this.sessions.get(notebook);
    if (!session) return;
    this.sessions.delete(notebook);
    await session.dispose();
  }
}
