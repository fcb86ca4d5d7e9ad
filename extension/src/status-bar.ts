// The status bar item for the active SEED notebook: model name, execution provider and kernel memory, from the
// kernel's seed/status (polled) and seed/statusChanged notifications. Hidden when the active editor is not a
// notebook running on the SEED controller.
import * as vscode from "vscode";
import type { KernelStatus } from "../../kernel/protocol/rpc";
import type { SeedController } from "./controller";

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.round(bytes / 1024 ** 2)} MB`;
}

export function statusText(status: KernelStatus | undefined): string {
  if (!status) return "$(circle-outline) SEED: no kernel";
  const icon = status.state === "busy" ? "$(loading~spin)" : status.state === "dead" ? "$(error)" : "$(circle-filled)";
  const model = status.model
    ? `${status.model.name} · ${status.model.executionProvider.toUpperCase()}`
    : "model not loaded";
  return `${icon} SEED: ${model} · ${formatBytes(status.memory.rssBytes)}`;
}

export class SeedStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("seed.kernelStatus", vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly seed: SeedController) {
    this.item.name = "SEED Kernel";
    this.item.command = "seed.showKernelActions";
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveNotebookEditor(() => this.refresh()),
      seed.onDidChangeSession(() => this.refresh()),
      seed.controller.onDidChangeSelectedNotebooks(() => this.refresh()),
    );
    this.refresh();
  }

  refresh(): void {
    const notebook = vscode.window.activeNotebookEditor?.notebook;
    if (!notebook || !this.seed.isSelectedFor(notebook)) {
      this.item.hide();
      return;
    }
    const status = this.seed.session(notebook)?.kernelStatus;
    this.item.text = statusText(status);
    const tooltip = new vscode.MarkdownString(undefined, true);
    if (status) {
      tooltip.appendMarkdown(`**SEED kernel** (pid ${status.pid}, ${status.state})\n\n`);
      if (status.model) {
        tooltip.appendMarkdown(`Model: ${status.model.name} at \`${status.model.path}\`\n\n`);
        tooltip.appendMarkdown(
          // providerReason is a whole sentence that starts with the provider's name ("cpu: no GPU provider ...")
          `Execution provider: ${status.model.providerReason || status.model.executionProvider}\n\n`,
        );
        if (status.model.languageModel) tooltip.appendMarkdown(`Language model: ${status.model.languageModel}\n\n`);
      }
      tooltip.appendMarkdown(
        `Memory: ${formatBytes(status.memory.rssBytes)} RSS, ${formatBytes(status.memory.heapUsedBytes)} JS heap`,
      );
    } else {
      tooltip.appendMarkdown("The SEED kernel starts when you run a cell.");
    }
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
