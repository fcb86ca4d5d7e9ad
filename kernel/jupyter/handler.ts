// The Jupyter protocol 5.3 logic, separate from the ZeroMQ transport (as in tslab's design) so that it is
// unit-tested with a fake session and a fake IO: one method per request type, replies with the right msg_type,
// busy/idle status around each request, execute_input / stream / display_data / update_display_data /
// execute_result / error on iopub, stop_on_error, silent and store_history honoured; complete_reply carries each
// match's type and signature (metadata._jupyter_types_experimental, as ipykernel does), is_complete_reply can be
// "invalid", inspect_reply found:false for a name the kernel does not know.

import type { CompletionItemInfo, CompletionKind } from "../executor/tslab-adapter";
import type { OutputItem } from "../protocol/rpc";
import type { KernelSession, OutputSink } from "../session/kernel-session";
import { KERNEL_VERSION } from "../version";
import type { JupyterMessage } from "./wire";
import { PROTOCOL_VERSION } from "./wire";

export type ReplyChannel = "shell" | "control" | "iopub";

/** Sends messages; `parent` is the request (its header becomes parent_header; its identities route the reply). */
export interface KernelIO {
  send(
    channel: ReplyChannel,
    msgType: string,
    content: Record<string, unknown>,
    parent: JupyterMessage,
    metadata?: Record<string, unknown>,
  ): void;
}

/** What the handler needs of a session (KernelSession implements it; tests pass a fake). */
export type SessionPort = Pick<
  KernelSession,
  "execute" | "interrupt" | "complete" | "inspect" | "isComplete" | "executionCount"
>;

/** Comms of the kernel (Jupyter widgets, kernel/jupyter/widgets.ts); optional for tests. */
export interface CommPort {
  handle(type: "comm_open" | "comm_msg" | "comm_close", msg: JupyterMessage): void;
  info(targetName: string): Record<string, { target_name: string }>;
}

export interface HandlerHost {
  /** Ends the kernel process after the shutdown reply went out (a restart is the client starting a new one). */
  shutdown(restart: boolean): void;
  /** Logs to the kernel's stderr. */
  log(message: string): void;
}

export const KERNEL_INFO = {
  status: "ok",
  protocol_version: PROTOCOL_VERSION,
  implementation: "seed-notebook",
  implementation_version: KERNEL_VERSION,
  language_info: {
    name: "typescript",
    // The language version cells are compiled with: tslab's TypeScript fork.
    version: "5.0",
    mimetype: "text/typescript",
    file_extension: ".ts",
    codemirror_mode: { name: "javascript", typescript: true },
    pygments_lexer: "typescript",
  },
  banner: "SEED Notebook kernel: TypeScript cells with the `seed` API (tslab converter)",
  help_links: [] as unknown[],
};

/** The iopub message for one output of a running cell. */
export function iopubFor(output: OutputItem): { msgType: string; content: Record<string, unknown> } {
  switch (output.kind) {
    case "stream":
      return { msgType: "stream", content: { name: output.name, text: output.text } };
    case "display":
      return {
        msgType: "display_data",
        content: {
          data: output.data,
          metadata: output.metadata ?? {},
          transient: output.displayId ? { display_id: output.displayId } : {},
        },
      };
    case "update":
      return {
        msgType: "update_display_data",
        content: { data: output.data, metadata: output.metadata ?? {}, transient: { display_id: output.displayId } },
      };
    case "result":
      return {
        msgType: "execute_result",
        content: { execution_count: output.executionCount, data: output.data, metadata: output.metadata ?? {} },
      };
    case "error":
      return { msgType: "error", content: { ...output.error } };
    case "clear":
      return { msgType: "clear_output", content: { wait: output.wait } };
  }
}

/** Completion kinds in the type names Jupyter frontends know (ipykernel's, from jedi). */
const JUPYTER_TYPES: Record<CompletionKind, string> = {
  method: "function",
  function: "function",
  constructor: "function",
  property: "property",
  variable: "instance",
  constant: "instance",
  class: "class",
  interface: "class",
  enum: "class",
  enumMember: "property",
  module: "module",
  keyword: "keyword",
  type: "class",
  text: "text",
};

/** ipykernel's `signature`: a function's parameters and return type, e.g. `(n: number): number`; "" for others. */
export function jupyterSignature(item: CompletionItemInfo): string {
  if (!item.detail || !["method", "function", "constructor"].includes(item.kind)) return "";
  const at = item.detail.indexOf(`${item.name}(`);
  return at < 0 ? "" : item.detail.slice(at + item.name.length);
}

function str(content: Record<string, unknown>, key: string, dflt = ""): string {
  const v = content[key];
  return typeof v === "string" ? v : dflt;
}

function bool(content: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = content[key];
  return typeof v === "boolean" ? v : dflt;
}

export class JupyterHandler {
  /** The execute_request running now (its outputs' parent); else the last request handled. */
  private parentNow: JupyterMessage | undefined;
  private running: JupyterMessage | undefined;

  constructor(
    private readonly session: SessionPort,
    private readonly io: KernelIO,
    private readonly host: HandlerHost,
    private readonly comms?: CommPort,
  ) {}

  /** The request that outputs made now belong to (widgets opened by a cell go under its execute_request). */
  currentParent(): JupyterMessage | undefined {
    return this.running ?? this.parentNow;
  }

  /** Handles one verified request from the shell or control channel. Resolves when its reply has been sent. */
  async handle(channel: "shell" | "control", msg: JupyterMessage): Promise<void> {
    const type = msg.header.msg_type;
    if (type === "execute_request") return this.execute(channel, msg);
    this.parentNow = msg;
    this.status("busy", msg);
    try {
      await this.dispatch(channel, type, msg);
    } catch (e) {
      this.host.log(`${type}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      this.reply(
        channel,
        type.replace(/_request$/, "_reply"),
        { status: "error", ename: "KernelError", evalue: String(e), traceback: [] },
        msg,
      );
    } finally {
      this.status("idle", msg);
    }
  }

  private async dispatch(channel: "shell" | "control", type: string, msg: JupyterMessage): Promise<void> {
    const c = msg.content;
    switch (type) {
      case "kernel_info_request":
        return this.reply(channel, "kernel_info_reply", { ...KERNEL_INFO }, msg);
      case "complete_request": {
        const code = str(c, "code");
        const pos = typeof c.cursor_pos === "number" ? c.cursor_pos : code.length;
        const r = await this.session.complete(code, pos);
        const types = r.items.map((item) => ({
          start: r.start,
          end: r.end,
          text: item.name,
          type: JUPYTER_TYPES[item.kind],
          signature: jupyterSignature(item),
        }));
        const metadata = { _jupyter_types_experimental: types };
        return this.reply(
          channel,
          "complete_reply",
          { status: "ok", matches: r.candidates, cursor_start: r.start, cursor_end: r.end, metadata },
          msg,
        );
      }
      case "inspect_request": {
        const code = str(c, "code");
        const pos = typeof c.cursor_pos === "number" ? c.cursor_pos : code.length;
        const info = await this.session.inspect(code, pos);
        const data = info ? { "text/plain": info.text } : {};
        return this.reply(
          channel,
          "inspect_reply",
          { status: "ok", found: info !== undefined, data, metadata: {} },
          msg,
        );
      }
      case "is_complete_request": {
        return this.reply(channel, "is_complete_reply", { ...(await this.session.isComplete(str(c, "code"))) }, msg);
      }
      case "interrupt_request":
        this.session.interrupt();
        return this.reply(channel, "interrupt_reply", { status: "ok" }, msg);
      case "shutdown_request": {
        const restart = bool(c, "restart", false);
        this.session.interrupt();
        this.reply(channel, "shutdown_reply", { status: "ok", restart }, msg);
        this.host.shutdown(restart);
        return;
      }
      case "comm_info_request":
        return this.reply(
          channel,
          "comm_info_reply",
          { status: "ok", comms: this.comms?.info(str(c, "target_name")) ?? {} },
          msg,
        );
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        // No reply: comm messages are one-way. Without comms, a comm the frontend opens is closed at once.
        if (this.comms) this.comms.handle(type, msg);
        else if (type === "comm_open")
          this.io.send("iopub", "comm_close", { comm_id: str(c, "comm_id"), data: {} }, msg);
        return;
      case "history_request":
        return this.reply(channel, "history_reply", { status: "ok", history: [] }, msg);
      default:
        this.host.log(`ignored unsupported message type "${type}" on ${channel}`);
    }
  }

  private async execute(channel: "shell" | "control", msg: JupyterMessage): Promise<void> {
    const c = msg.content;
    const code = str(c, "code");
    const silent = bool(c, "silent", false);
    const sink: OutputSink = {
      emit: (output) => {
        const { msgType, content } = iopubFor(output);
        this.io.send("iopub", msgType, content, msg);
      },
    };
    let started = false;
    this.running = msg;
    const result = await this.session.execute(code, sink, {
      silent,
      storeHistory: bool(c, "store_history", !silent),
      stopOnError: bool(c, "stop_on_error", true),
      onStart: (executionCount) => {
        started = true;
        this.status("busy", msg);
        if (!silent) this.io.send("iopub", "execute_input", { code, execution_count: executionCount }, msg);
      },
    });
    if (this.running === msg) this.running = undefined;
    this.parentNow = msg;
    if (!started) this.status("busy", msg);
    const count = result.executionCount ?? this.session.executionCount;
    if (result.status === "ok") {
      this.reply(
        channel,
        "execute_reply",
        { status: "ok", execution_count: count, user_expressions: {}, payload: [] },
        msg,
      );
    } else if (result.status === "error" && result.error) {
      this.reply(channel, "execute_reply", { status: "error", execution_count: count, ...result.error }, msg);
    } else {
      this.reply(channel, "execute_reply", { status: "aborted", execution_count: count }, msg);
    }
    this.status("idle", msg);
  }

  private reply(
    channel: "shell" | "control",
    msgType: string,
    content: Record<string, unknown>,
    parent: JupyterMessage,
  ): void {
    this.io.send(channel, msgType, content, parent);
  }

  private status(state: "busy" | "idle", parent: JupyterMessage): void {
    this.io.send("iopub", "status", { execution_state: state }, parent);
  }
}
