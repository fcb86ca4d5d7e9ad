// Restricted Mode (the runner starts this server without --disable-workspace-trust): the extension declares
// capabilities.untrustedWorkspaces.supported = false, so VS Code keeps it inactive and no SEED kernel is offered.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { createNotebook, EXTENSION_ID } from "./helpers";

export function defineRestrictedTests(): void {
  suite("Restricted Mode", () => {
    test("an untrusted workspace gets no SEED kernel", async () => {
      assert.equal(vscode.workspace.isTrusted, false, "the runner should have opened this window in Restricted Mode");
      await createNotebook(["return 1"]); // a SEED notebook: would activate the extension (onNotebook) if trusted
      await new Promise((r) => setTimeout(r, 1500));
      // An installed SEED extension is not even activated (untrustedWorkspaces.supported = false, checked by a unit
      // test); the development copy used here is, so its own guard must keep the controller and commands away.
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, "the development extension is loaded");
      const commands = await vscode.commands.getCommands(true);
      assert.ok(!commands.includes("seed.restartKernel"), "SEED commands are not registered in Restricted Mode");
      assert.ok(!commands.includes("seed.interruptKernel"), "SEED commands are not registered in Restricted Mode");
    });
  });
}
