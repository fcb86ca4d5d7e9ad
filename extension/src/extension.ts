// Extension entry point: wiring only. Creates the SEED notebook controller, the status bar item and the
// commands, and reads settings on demand. Everything it starts is disposed on deactivate (kernel processes killed).
import * as path from "node:path";
import * as vscode from "vscode";
import { COMMANDS } from "./command-ids";
import { registerCommands } from "./commands";
import { registerControlMessaging } from "./control-messaging";
import { SeedController } from "./controller";
import { type KernelSettings, readKernelSettings } from "./settings";
import { SeedStatusBar } from "./status-bar";

let controller: SeedController | undefined;

/** What activate() returns: a small API for the e2e suite (and other extensions) to observe kernel sessions. */
export interface SeedExtensionApi {
  /** Resolves when the notebook has nothing running or queued. */
  whenIdle(notebook: vscode.Uri): Promise<void>;
  /** The pid of the notebook's kernel process, if one is running. */
  kernelPid(notebook: vscode.Uri): number | undefined;
}

export function activate(context: vscode.ExtensionContext): SeedExtensionApi {
  // package.json declares untrustedWorkspaces.supported = false, so VS Code does not activate us in Restricted Mode;
  // extensions under development are activated anyway, hence this guard: no kernel until the workspace is trusted.
  if (!vscode.workspace.isTrusted) {
    let api: SeedExtensionApi | undefined;
    context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => (api = start(context))));
    return {
      whenIdle: (uri) => api?.whenIdle(uri) ?? Promise.resolve(),
      kernelPid: (uri) => api?.kernelPid(uri),
    };
  }
  return start(context);
}

function start(context: vscode.ExtensionContext): SeedExtensionApi {
  const log = vscode.window.createOutputChannel("SEED Kernel", { log: true });
  const settings = (): KernelSettings =>
    readKernelSettings((key) => vscode.workspace.getConfiguration("seed").get(key));
  // SEED_KERNEL_SCRIPT (tests only): run another kernel bundle that speaks the same protocol (tests/e2e/fixtures).
  const kernelScript = process.env.SEED_KERNEL_SCRIPT || path.join(context.extensionPath, "dist", "kernel.js");
  controller = new SeedController({ kernelScript, settings, log });
  context.subscriptions.push(
    log,
    new SeedStatusBar(controller),
    ...registerCommands(controller, context.extensionUri, context.globalStorageUri, {
      restart: (question, answer) => vscode.window.showWarningMessage(question, { modal: true }, answer),
    }),
    vscode.commands.registerCommand(COMMANDS.showLog, () => log.show()),
    registerControlMessaging(controller, log),
  );
  const seed = controller;
  const find = (uri: vscode.Uri) =>
    vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri.toString());
  return {
    whenIdle: async (uri) => {
      const notebook = find(uri);
      if (notebook) await seed.session(notebook)?.whenIdle();
    },
    kernelPid: (uri) => {
      const notebook = find(uri);
      return notebook ? seed.session(notebook)?.kernelPid : undefined;
    },
  };
}

export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
