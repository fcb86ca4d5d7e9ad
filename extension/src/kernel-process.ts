// One kernel process (dist/kernel.js --rpc) for one notebook, connected through vscode-languageclient: LSP for
// completion and hover on the notebook's TypeScript cells, plus the seed/* requests and notifications of
// kernel/protocol/rpc.ts (seed/kernelStream, what the kernel prints outside any cell, goes to the output channel).
// We spawn the child ourselves so that dispose() can always kill it (no orphans), even when
// the kernel is blocked and does not answer LSP shutdown.
import { type ChildProcess, spawn } from "node:child_process";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  State,
} from "vscode-languageclient/node";
import type { ControlAnswer } from "../../kernel/protocol/controls";
import {
  type ExecuteParams,
  type ExecuteResult,
  type InterruptResult,
  type KernelStatus,
  type KernelStreamParams,
  type OutputParams,
  RPC,
} from "../../kernel/protocol/rpc";
import { logKernelStream } from "./kernel-stream";

export interface KernelProcessOptions {
  /** Absolute path of dist/kernel.js. */
  script: string;
  /** Arguments after the script (settings.ts kernelArgs). */
  args: string[];
  cwd: string;
  notebook: vscode.NotebookDocument;
  output: vscode.LogOutputChannel;
}

export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when we asked for it (dispose/restart), false when the kernel died on its own. */
  expected: boolean;
}

export class KernelProcess implements vscode.Disposable {
  private readonly client: LanguageClient;
  private child: ChildProcess | undefined;
  private disposing = false;
  private readonly onOutputEmitter = new vscode.EventEmitter<OutputParams>();
  private readonly onStatusEmitter = new vscode.EventEmitter<KernelStatus>();
  private readonly onExitEmitter = new vscode.EventEmitter<KernelExit>();
  readonly onOutput = this.onOutputEmitter.event;
  readonly onStatus = this.onStatusEmitter.event;
  readonly onExit = this.onExitEmitter.event;
  private resolveExited: ((exit: KernelExit) => void) | undefined;
  /** Resolves when the process has exited. */
  readonly exited = new Promise<KernelExit>((resolve) => (this.resolveExited = resolve));

  constructor(private readonly options: KernelProcessOptions) {
    const { notebook } = options;
    const clientOptions: LanguageClientOptions = {
      // Only this notebook's TypeScript cells go to this kernel: its live state answers completion and hover.
      documentSelector: [
        {
          notebook: {
            notebookType: notebook.notebookType,
            scheme: notebook.uri.scheme,
            pattern: globEscape(notebook.uri.fsPath),
          },
          language: "typescript",
        },
      ],
      outputChannel: options.output,
      // Restart is ours to decide (a dead kernel ends every pending cell and the next run starts a new one).
      errorHandler: {
        error: () => ({ action: ErrorAction.Shutdown, handled: true }),
        closed: () => ({ action: CloseAction.DoNotRestart, handled: true }),
      },
      connectionOptions: { maxRestartCount: 0 },
    };
    this.client = new LanguageClient("seedKernel", "SEED kernel", () => this.spawnKernel(), clientOptions);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null && !this.disposing
    );
  }

  /** Starts the process and the LSP handshake; rejects with the kernel's own error when it fails to start. */
  async start(): Promise<void> {
    this.client.onNotification(RPC.output, (params: OutputParams) => this.onOutputEmitter.fire(params));
    this.client.onNotification(RPC.statusChanged, (params: KernelStatus) => this.onStatusEmitter.fire(params));
    this.client.onNotification(RPC.kernelStream, (params: KernelStreamParams) =>
      logKernelStream(this.options.output, params),
    );
    await this.client.start();
  }

  execute(params: ExecuteParams): Promise<ExecuteResult> {
    return this.client.sendRequest<ExecuteResult>(RPC.execute, params);
  }

  interrupt(): Promise<InterruptResult> {
    return this.client.sendRequest<InterruptResult>(RPC.interrupt, {});
  }

  /** Sends a signal to the kernel process (SIGINT: the kernel interrupts its running cell). */
  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) this.child?.kill(signal);
  }

  /** seed/controlChange or seed/controlProbe (kernel/protocol/controls.ts). */
  control(method: "change" | "probe", params: object): Promise<ControlAnswer> {
    return this.client.sendRequest<ControlAnswer>(method === "change" ? RPC.controlChange : RPC.controlProbe, params);
  }

  status(): Promise<KernelStatus> {
    return this.client.sendRequest<KernelStatus>(RPC.status, {});
  }

  /** Stops the client (best effort, short timeout) and kills the process if it is still alive. */
  async dispose(): Promise<void> {
    if (this.disposing) return;
    this.disposing = true;
    const child = this.child;
    try {
      if (this.client.state === State.Running) await this.client.stop(800);
    } catch {
      // The kernel may be blocked or already gone; killing it below is what matters.
    }
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    this.onOutputEmitter.dispose();
    this.onStatusEmitter.dispose();
  }

  private async spawnKernel(): Promise<ChildProcess> {
    const { script, args, cwd, output } = this.options;
    // process.execPath is the extension host's runtime: Node in the VS Code server, Electron (as Node) on desktop.
    const child = spawn(process.execPath, [script, ...args], {
      cwd,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    output.info(`kernel starting: pid ${child.pid ?? "?"}: ${script} ${args.join(" ")}`);
    child.on("error", (err) => output.error(`kernel process error: ${err.message}`));
    child.on("exit", (code, signal) => {
      output.info(`kernel pid ${child.pid ?? "?"} exited (code ${code ?? "none"}, signal ${signal ?? "none"})`);
      const exit = { code, signal, expected: this.disposing };
      this.resolveExited?.(exit);
      this.onExitEmitter.fire(exit);
      this.onExitEmitter.dispose();
    });
    this.child = child;
    return child;
  }
}

/** The message shown in a cell when the kernel process died under it. */
export function describeExit(exit: KernelExit): string {
  const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code ?? "?"}`;
  return `The SEED kernel exited unexpectedly (${how}); its state is lost. Run the cell again to start a new kernel; the "SEED Kernel" output has its log.`;
}

/** Escapes glob metacharacters so that a file path can be used as a DocumentFilter pattern. */
function globEscape(path: string): string {
  return path.replace(/[*?[{]/g, "[$&]");
}
