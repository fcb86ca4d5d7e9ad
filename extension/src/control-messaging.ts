// The extension's half of live controls: renderer messaging for the SEED renderer. A probe from a view with controls
// is answered with whether this notebook's SEED kernel holds that view (no kernel, a restarted one, or another
// controller's: disabled, with the reason); a control change goes to the kernel as seed/controlChange, whose re-run
// comes back as ordinary display updates. When a notebook's kernel stops, its views' controls are disabled.

import * as vscode from "vscode";
import type {
  ControlAnswer,
  ControlChangeMessage,
  ControlProbeMessage,
  ControlStateMessage,
} from "../../kernel/protocol/controls";
import { NO_KERNEL_REASON } from "../../kernel/protocol/controls";
import type { SeedController } from "./controller";

export const RENDERER_ID = "seed-notebook-renderer";

export function registerControlMessaging(controller: SeedController, log: vscode.LogOutputChannel): vscode.Disposable {
  const messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
  const answer = (editor: vscode.NotebookEditor, viewId: string, a: ControlAnswer): void => {
    const msg: ControlStateMessage = {
      type: "seed.controls.state",
      viewId,
      live: a.live,
      ...(a.reason ? { reason: a.reason } : {}),
    };
    void messaging.postMessage(msg, editor);
  };
  const received = messaging.onDidReceiveMessage(({ editor, message }) => {
    const msg = message as Partial<ControlChangeMessage> | Partial<ControlProbeMessage>;
    if (typeof msg?.viewId !== "string" || (msg.type !== "seed.controls.probe" && msg.type !== "seed.controls.change"))
      return;
    const viewId = msg.viewId;
    const session = controller.session(editor.notebook);
    const pending =
      msg.type === "seed.controls.probe"
        ? session?.control("probe", { viewId })
        : session?.control("change", {
            viewId,
            values: "values" in msg ? (msg.values ?? {}) : {},
            preview: "preview" in msg && msg.preview === true,
          });
    if (!pending) {
      answer(editor, viewId, {
        live: false,
        reason: session ? NO_KERNEL_REASON : "controls need a running kernel: pick the SEED kernel and run the cell",
      });
      return;
    }
    pending.then(
      (a) => {
        // A change that was accepted needs no answer (the view updates); a refused one says why.
        if (msg.type === "seed.controls.probe" || !a.live || a.reason) answer(editor, viewId, a);
      },
      (err: unknown) => {
        log.warn(`control ${msg.type}: ${err instanceof Error ? err.message : String(err)}`);
        answer(editor, viewId, { live: false, reason: NO_KERNEL_REASON });
      },
    );
  });
  // A kernel that stopped (restart, crash, shutdown) takes its views with it.
  const status = controller.onDidChangeSession((session) => {
    if (session.kernelStatus !== undefined) return;
    for (const editor of vscode.window.visibleNotebookEditors)
      if (editor.notebook === session.notebook) answer(editor, "*", { live: false, reason: NO_KERNEL_REASON });
  });
  return vscode.Disposable.from(received, status);
}
