// Extension entry point: wiring only. Creates the SEED notebook controller, the status bar item and the
// commands, and reads settings on demand. Everything it starts is disposed on deactivate (kernel processes killed).
import * as path from "node:path";
import * as vscode from "vscode";
import { COMMANDS } from "./command-ids";
import { registerCommands } from "./commands";
import { SeedController } from "./controller";
import { readKernelSettings, type KernelSettings } from "./settings";
import { SeedStatusBar } from "./status-bar";

let controller: SeedController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel("SEED Kernel", { log: true });
  const settings = (): KernelSettings =>
    readKernelSettings((key) => vscode.workspace.getConfiguration("seed").get(key));
  controller = new SeedController({ kernelScript: path.join(context.extensionPath, "dist", "kernel.js"), settings, log });
  context.subscriptions.push(
    log,
    new SeedStatusBar(controller),
    ...registerCommands(controller, context.extensionUri, context.globalStorageUri),
    vscode.commands.registerCommand(COMMANDS.showLog, () => log.show()),
  );
}

export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
