// The JSON-RPC server for the VS Code extension (kernel/protocol/rpc.ts), on vscode-languageserver over stdio:
// seed/execute, seed/interrupt, seed/status, seed/output notifications keyed by executionId (through an
// OutputCoalescer per execution), seed/statusChanged, and LSP completion (kind, signature as detail, JSDoc as
// documentation) + hover on cell documents, answered by the live session (tslab's converter with every declaration
// executed so far). Errors that escape cells go to their execution's seed/output, else to a seed/kernelStream
// notification (and the kernel's stderr).
//
// WARNING: stdout carries the protocol. The LSP writer keeps the original stdout write function; process.stdout.write
// itself is pointed at stderr, so stray output (a timer in a finished cell) can never corrupt the stream. While a
// cell runs, the cell engine captures stdout into the cell's outputs.

import { writeSync } from "node:fs";
import { Writable } from "node:stream";
import { getHeapStatistics } from "node:v8";
import type { CompletionItem, Connection, Hover } from "vscode-languageserver/node";
import {
  CompletionItemKind,
  createConnection,
  MarkupKind,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import type { CompletionItemInfo, CompletionKind } from "../executor/tslab-adapter";
import type { ControlAnswer, ControlChangeParams } from "../protocol/controls";
import { NO_KERNEL_REASON } from "../protocol/controls";
import type {
  ExecuteParams,
  ExecuteResult,
  InterruptResult,
  KernelStatus,
  KernelStreamParams,
  OutputParams,
} from "../protocol/rpc";
import { RPC } from "../protocol/rpc";
import type { KernelSession } from "../session/kernel-session";
import { KERNEL_VERSION } from "../version";
import { CellDocuments } from "./cell-documents";
import { OutputCoalescer } from "./output-coalescer";

/** LSP's icon for each completion kind. */
const LSP_KINDS: Record<CompletionKind, CompletionItemKind> = {
  method: CompletionItemKind.Method,
  function: CompletionItemKind.Function,
  constructor: CompletionItemKind.Constructor,
  property: CompletionItemKind.Property,
  variable: CompletionItemKind.Variable,
  constant: CompletionItemKind.Constant,
  class: CompletionItemKind.Class,
  interface: CompletionItemKind.Interface,
  enum: CompletionItemKind.Enum,
  enumMember: CompletionItemKind.EnumMember,
  module: CompletionItemKind.Module,
  keyword: CompletionItemKind.Keyword,
  type: CompletionItemKind.TypeParameter,
  text: CompletionItemKind.Text,
};

/** completionItem/resolve's data: the cell and the span the completion replaces. */
interface ResolveData {
  code: string;
  start: number;
  end: number;
}

/** An item's detail (signature) and documentation (JSDoc, markdown) as LSP fields. */
function describedItem(
  item: Pick<CompletionItemInfo, "detail" | "documentation">,
): Pick<CompletionItem, "detail" | "documentation"> {
  return {
    ...(item.detail ? { detail: item.detail } : {}),
    ...(item.documentation ? { documentation: { kind: MarkupKind.Markdown, value: item.documentation } } : {}),
  };
}

function log(text: string): void {
  writeSync(2, `[seed-kernel rpc] ${text}\n`);
}

/** A Writable over the real stdout, captured before process.stdout.write is redirected. */
function protocolStdout(): Writable {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      write(chunk, (err?: Error | null) => cb(err ?? null));
    },
  });
}

function kernelStatus(session: KernelSession): KernelStatus {
  // process.memoryUsage() walks every heap space and showed up in profiles of empty cells (bench/analysis.md);
  // rss() and V8's heap statistics are the cheap paths to the same two numbers.
  const model = session.modelStatus();
  const memory = { rssBytes: process.memoryUsage.rss(), heapUsedBytes: getHeapStatistics().used_heap_size };
  return { state: session.busy ? "busy" : "idle", ...(model ? { model } : {}), memory, pid: process.pid };
}

/**
 * seed/controlChange: starts the view's re-run (not awaited: its frames and finished view arrive as display updates)
 * and answers at once; a value the view refuses, or a view this kernel does not hold, is answered with the reason.
 */
function controlChange(session: KernelSession, p: ControlChangeParams): ControlAnswer {
  if (typeof p?.viewId !== "string" || !session.controls.get(p.viewId))
    return { live: false, reason: NO_KERNEL_REASON };
  try {
    // A failed run says so in the view itself; nothing else waits for it.
    session.controls
      .change(p.viewId, p.values, p.preview === true ? "preview" : "final", "frontend")
      .catch(() => undefined);
    return { live: true };
  } catch (e) {
    return { live: true, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Wires the seed/* methods and LSP features of `connection` to `session`. Exported for tests (any transport). */
export function attachRpc(connection: Connection, session: KernelSession): { statusChanged(): void } {
  const docs = new CellDocuments();
  const statusChanged = (): void => void connection.sendNotification(RPC.statusChanged, kernelStatus(session));

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Full,
      completionProvider: { triggerCharacters: ["."], resolveProvider: true },
      hoverProvider: true,
    },
    serverInfo: { name: "seed-kernel", version: KERNEL_VERSION },
  }));
  connection.onDidOpenTextDocument((p) => docs.set(p.textDocument.uri, p.textDocument.text));
  connection.onDidChangeTextDocument((p) => {
    const last = p.contentChanges[p.contentChanges.length - 1];
    if (last && !("range" in last)) docs.set(p.textDocument.uri, last.text);
  });
  connection.onDidCloseTextDocument((p) => docs.delete(p.textDocument.uri));

  connection.onCompletion(async (p): Promise<CompletionItem[]> => {
    const at = docs.offsetOf(p.textDocument.uri, p.position);
    if (!at) return [];
    const r = await session.complete(at.text, at.offset);
    const range = { start: docs.positionOf(at.text, r.start), end: docs.positionOf(at.text, r.end) };
    return r.items.map((item, i) => ({
      label: item.name,
      kind: LSP_KINDS[item.kind],
      ...describedItem(item),
      sortText: String(i).padStart(5, "0"),
      textEdit: { range, newText: item.name },
      // What completionItem/resolve needs for the items the kernel had no time to describe.
      ...(item.detail ? {} : { data: { code: at.text, start: r.start, end: r.end } satisfies ResolveData }),
    }));
  });
  connection.onCompletionResolve(async (item): Promise<CompletionItem> => {
    const data = item.data as Partial<ResolveData> | undefined;
    if (typeof data?.code !== "string" || typeof data.start !== "number" || typeof data.end !== "number") return item;
    return { ...item, ...describedItem(await session.describeCompletion(data.code, data.start, data.end, item.label)) };
  });
  connection.onHover(async (p): Promise<Hover | null> => {
    const at = docs.offsetOf(p.textDocument.uri, p.position);
    if (!at) return null;
    const info = await session.inspect(at.text, at.offset);
    if (!info) return null;
    return {
      contents: { kind: "markdown", value: `\`\`\`typescript\n${info.text}\n\`\`\`` },
      range: { start: docs.positionOf(at.text, info.start), end: docs.positionOf(at.text, info.end) },
    };
  });

  connection.onRequest(RPC.execute, async (params: ExecuteParams): Promise<ExecuteResult> => {
    if (typeof params?.executionId !== "string" || typeof params.code !== "string") {
      throw new Error(`${RPC.execute}: expected { executionId: string, code: string }, got ${JSON.stringify(params)}`);
    }
    const coalescer = new OutputCoalescer((output) => {
      const note: OutputParams = { executionId: params.executionId, output };
      void connection.sendNotification(RPC.output, note);
    });
    const result = await session.execute(params.code, { emit: (o) => coalescer.push(o) }, { onStart: statusChanged });
    coalescer.flush();
    statusChanged();
    return result;
  });
  connection.onRequest(RPC.interrupt, (): InterruptResult => session.interrupt());
  connection.onRequest(RPC.controlChange, (p: ControlChangeParams): ControlAnswer => controlChange(session, p));
  connection.onRequest(
    RPC.controlProbe,
    (p: { viewId?: unknown }): ControlAnswer =>
      typeof p?.viewId === "string" && session.controls.get(p.viewId)
        ? { live: true }
        : { live: false, reason: NO_KERNEL_REASON },
  );
  connection.onRequest(RPC.status, (): KernelStatus => kernelStatus(session));
  connection.onShutdown(async () => {
    await session.close();
  });
  connection.onExit(() => process.exit(0));
  return { statusChanged };
}

/** Serves over stdio until the client disconnects. SIGINT interrupts (needed for synchronous loops, see README). */
export async function serveRpc(session: KernelSession): Promise<{ statusChanged(): void }> {
  const out = protocolStdout();
  const connection = createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(out));
  const rpc = attachRpc(connection, session);
  session.guardProcess({
    kernelLevel: (text) => {
      log(text.trimEnd());
      const note: KernelStreamParams = { name: "stderr", text };
      void connection.sendNotification(RPC.kernelStream, note);
    },
  });
  process.on("SIGINT", () => {
    const r = session.interrupt();
    log(`SIGINT: running cell ${r.interrupted ? "stopped" : "none"}, ${r.droppedQueued} queued dropped`);
  });
  // The extension died: stdin closes; do not linger as an orphan.
  process.stdin.on("close", () => void session.close().finally(() => process.exit(0)));
  connection.listen();
  setImmediate(() => void session.start().catch((e: unknown) => log(`session start failed: ${String(e)}`)));
  return rpc;
}
