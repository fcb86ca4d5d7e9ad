// The SEED controller in a real VS Code against the stand-in kernel (fixtures/fake-kernel.ts): output mapping,
// display updates across cells, errors and the queue, interrupt, restart, kernel death and LSP hover/completion
// (selection and kernelspecs: foreign-notebook.test.ts). Deterministic: no model involved.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import {
  api,
  createNotebook,
  ERROR,
  items,
  mimes,
  processAlive,
  queueCells,
  runCells,
  STDOUT,
  selectSeedKernel,
  text,
  waitFor,
} from "./helpers";

export function defineControllerTests(): void {
  suite("SEED controller (stand-in kernel)", () => {
    test("runs cells in order: merged stdout, result, execution order", async () => {
      const doc = await createNotebook(['console.log("a"); console.log("b");\nreturn 6 * 7', "return 'second'"]);
      await selectSeedKernel(doc);
      await runCells(doc);
      const [first, second] = doc.getCells();
      assert.equal(first.executionSummary?.success, true);
      assert.equal(first.executionSummary?.executionOrder, 1);
      assert.equal(second.executionSummary?.executionOrder, 2);
      assert.equal(
        first.outputs.filter((o) => o.items.some((i) => i.mime === STDOUT)).length,
        1,
        "stdout chunks share one output",
      );
      assert.equal(text(first, STDOUT), "a\nb\n");
      assert.equal(text(first, "text/plain"), "42");
      assert.equal(text(second, "text/plain"), "'second'");
    });

    test("a display update replaces the output in place, even from another cell", async () => {
      const doc = await createNotebook([
        'display({ "text/plain": "v1", "application/vnd.seed.tokens+json": { ids: [1] } }, "d1")',
        'update("d1", { "text/plain": "v2", "application/vnd.seed.tokens+json": { ids: [2] } })',
      ]);
      await selectSeedKernel(doc);
      await runCells(doc);
      const [first, second] = doc.getCells();
      await waitFor("the update to reach cell 1", () => text(first, "text/plain") === "v2");
      assert.equal(first.outputs.length, 1);
      assert.deepEqual(JSON.parse(text(first, "application/vnd.seed.tokens+json")), { ids: [2] });
      assert.equal(second.outputs.length, 0);
      assert.equal(first.executionSummary?.executionOrder, 1, "the borrowed execution keeps cell 1's summary");
    });

    test("display updates sent right after the cell's reply all land on its display; the last one stays", async () => {
      // The kernel's live views finish just before the reply; these updates arrive while (and after) the cell's
      // execution ends. None may be lost to a "duplicate execution" or an ended run.
      const doc = await createNotebook([
        'const d = display({ "text/plain": "0" });\nsetTimeout(() => { for (let i = 1; i <= 30; i++) update(d, { "text/plain": String(i) }); }, 0);\nreturn "ran"',
        'await sleep(300);\nreturn "second"',
      ]);
      await selectSeedKernel(doc);
      await runCells(doc);
      const [first] = doc.getCells();
      await waitFor(
        `the last update to reach cell 1 (it shows ${text(first, "text/plain")})`,
        () => text(first, "text/plain").startsWith("30"),
        10_000,
      );
      assert.equal(first.executionSummary?.success, true);
      assert.equal(first.outputs.length, 2, "the display and the result");
    });

    test("an error ends the cell with success=false and cancels the queued cells", async () => {
      const doc = await createNotebook(['throw new TypeError("boom")', "return 1"]);
      await selectSeedKernel(doc);
      await runCells(doc, 0, 2, 1);
      const [failed, skipped] = doc.getCells();
      assert.equal(failed.executionSummary?.success, false);
      const [error] = items(failed, ERROR);
      assert.ok(error, `expected an error output, got ${mimes(failed).join(", ")}`);
      const parsed = JSON.parse(new TextDecoder().decode(error.data)) as { name: string; message: string };
      assert.equal(parsed.name, "TypeError");
      assert.equal(parsed.message, "boom");
      assert.equal(skipped.outputs.length, 0);
      assert.notEqual(skipped.executionSummary?.success, true, "the queued cell did not run");
    });

    test("interrupt stops a long cell through the kernel and drops the queue", async () => {
      const doc = await createNotebook(["await sleep(60000)", "return 'should not run'"]);
      await selectSeedKernel(doc);
      const seed = await api();
      await queueCells(doc);
      await waitFor("the kernel to start", () => seed.kernelPid(doc.uri) !== undefined);
      let idle = false;
      void seed.whenIdle(doc.uri).then(() => (idle = true));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(idle, false, "the cell should still be running when interrupted");
      const t0 = Date.now();
      await vscode.commands.executeCommand("seed.interruptKernel", doc.uri);
      await seed.whenIdle(doc.uri);
      const elapsed = Date.now() - t0;
      console.log(`interrupt ended the running cell after ${elapsed} ms`);
      const [running, queued] = doc.getCells();
      await waitFor("cell 1 to end", () => running.executionSummary?.success === false);
      // The kernel's own "Interrupted" error, not the extension's timeout message: the kernel stopped it.
      assert.match(text(running, ERROR), /Interrupted/);
      assert.doesNotMatch(text(running, ERROR), /did not stop/);
      assert.equal(queued.outputs.length, 0);
      assert.notEqual(queued.executionSummary?.success, true);
    });

    test("VS Code's own stop button (cell cancellation tokens) interrupts through the kernel", async () => {
      const doc = await createNotebook(["await sleep(60000)", "return 'should not run'"]);
      await selectSeedKernel(doc);
      const seed = await api();
      await queueCells(doc);
      await waitFor("the kernel to start", () => seed.kernelPid(doc.uri) !== undefined);
      await new Promise((r) => setTimeout(r, 300));
      await vscode.commands.executeCommand("notebook.cancelExecution");
      await seed.whenIdle(doc.uri);
      const [running, queued] = doc.getCells();
      await waitFor("cell 1 to end", () => running.executionSummary?.success === false);
      assert.match(text(running, ERROR), /Interrupted/);
      assert.equal(queued.outputs.length, 0);
    });

    test("a kernel that cannot stop is ended after the interrupt timeout and can be restarted", async () => {
      const doc = await createNotebook(["block(30000)", "return 'after restart'"]);
      await selectSeedKernel(doc);
      const seed = await api();
      await queueCells(doc, 0, 1);
      await waitFor("the kernel to start", () => seed.kernelPid(doc.uri) !== undefined);
      await new Promise((r) => setTimeout(r, 500));
      const blockedPid = seed.kernelPid(doc.uri);
      assert.ok(blockedPid);
      await vscode.commands.executeCommand("seed.interruptKernel", doc.uri);
      await seed.whenIdle(doc.uri);
      const blocked = doc.cellAt(0);
      await waitFor("the blocked cell to end", () => blocked.executionSummary?.success === false);
      assert.match(text(blocked, ERROR), /did not stop this cell within [\d.]+ s/);
      await vscode.commands.executeCommand("seed.restartKernel", doc.uri);
      await waitFor("the blocked kernel process to be killed", () => !processAlive(blockedPid), 5000);
      await runCells(doc, 1, 2);
      assert.equal(text(doc.cellAt(1), "text/plain"), "'after restart'");
    });

    test("restart kills the kernel process and gives fresh state", async () => {
      const doc = await createNotebook(["globalThis.x = 1; return typeof x", "return typeof x"]);
      await selectSeedKernel(doc);
      const seed = await api();
      await runCells(doc, 0, 1);
      assert.equal(text(doc.cellAt(0), "text/plain"), "'number'");
      const oldPid = seed.kernelPid(doc.uri);
      assert.ok(oldPid);
      await vscode.commands.executeCommand("seed.restartKernel", doc.uri);
      const newPid = seed.kernelPid(doc.uri);
      assert.ok(newPid && newPid !== oldPid, "a new kernel process");
      await waitFor("the old kernel process to be gone", () => !processAlive(oldPid), 5000);
      await runCells(doc, 1, 2);
      assert.equal(text(doc.cellAt(1), "text/plain"), "'undefined'");
      assert.equal(doc.cellAt(1).executionSummary?.executionOrder, 1, "execution count restarts at 1");
    });

    test("a kernel that dies ends the running cell with an explanation; the next run starts a new one", async () => {
      const doc = await createNotebook(["crash(3)", "return 1", "return 'alive'"]);
      await selectSeedKernel(doc);
      await runCells(doc, 0, 2, 1);
      const [crashed, queued, after] = doc.getCells();
      assert.equal(crashed.executionSummary?.success, false);
      assert.match(text(crashed, ERROR), /exited unexpectedly \(code 3\)/);
      assert.equal(queued.outputs.length, 0);
      await runCells(doc, 2, 3);
      assert.equal(text(after, "text/plain"), "'alive'");
    });

    test("hover and completion in a cell are answered by the kernel over LSP", async () => {
      const doc = await createNotebook(["sleep"]);
      await selectSeedKernel(doc);
      await runCells(doc); // starts the kernel, whose language client serves this notebook's cells
      const cell = doc.cellAt(0).document;
      let hoverText = "";
      // The language client attaches to the cell documents asynchronously: ask a few times.
      for (let i = 0; i < 50 && !hoverText.includes("fake-kernel hover"); i++) {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          "vscode.executeHoverProvider",
          cell.uri,
          new vscode.Position(0, 2),
        );
        hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === "string" ? c : c.value))).join("\n");
        if (!hoverText.includes("fake-kernel hover")) await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(hoverText, /fake-kernel hover/);
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        "vscode.executeCompletionItemProvider",
        cell.uri,
        new vscode.Position(0, 5),
      );
      const labels = list.items.map((i) => (typeof i.label === "string" ? i.label : i.label.label));
      assert.ok(
        labels.includes("display") && labels.includes("update"),
        `kernel completions missing from ${labels.slice(0, 20).join(", ")}`,
      );
    });
  });
}
