// The extension with the real kernel (dist/kernel.js --rpc, tslab + the bundled SEED model) in a real VS Code:
// run SEED cells and check output MIME types (stream, the seed token bundle, a PNG that decodes), live views that end
// in their final state (not "running"), an error cell,
// interrupting a long generation, restart with fresh state, and hover/completion answered by the kernel.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TokensPayload } from "../../../kernel/protocol/payloads";
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

const TOKENS_MIME = "application/vnd.seed.tokens+json";
const FILMSTRIP_MIME = "application/vnd.seed.filmstrip+json";
const GENERATION_MIME = "application/vnd.seed.generation+json";

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.subarray(0, 8)], signature, "PNG signature");
  assert.equal(new TextDecoder().decode(bytes.subarray(12, 16)), "IHDR");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export function defineKernelTests(): void {
  suite("SEED kernel in VS Code", () => {
    test("runs SEED cells: stdout, an image as PNG, a token strip bundle", async () => {
      const doc = await createNotebook([
        'console.log("hello from SEED")',
        'const img = await seed.image("e2e.png");\nimg',
        "const tok = await seed.tokenize(img);\ntok",
      ]);
      await selectSeedKernel(doc);
      await runCells(doc);
      const [hello, image, tokens] = doc.getCells();
      for (const cell of doc.getCells()) {
        assert.equal(cell.executionSummary?.success, true, `cell ${cell.index} failed: ${text(cell, ERROR)}`);
      }
      assert.equal(text(hello, STDOUT), "hello from SEED\n");
      const [png] = items(image, "image/png");
      assert.ok(png, `cell 2 has no image/png, only ${mimes(image).join(", ")}`);
      assert.deepEqual(pngSize(png.data), { width: 64, height: 64 });
      const bundle = JSON.parse(text(tokens, TOKENS_MIME)) as Partial<TokensPayload>;
      assert.equal(bundle.numTokens, 32, `a token strip payload, got ${JSON.stringify(bundle).slice(0, 200)}`);
      assert.equal(bundle.chips?.length, 32);
      for (const chip of bundle.chips ?? [])
        assert.ok(chip.id >= 0 && chip.id < (bundle.codebookSize ?? 0), `token id ${chip.id} outside the codebook`);
    });

    test("live views end in their final state: a decode filmstrip and a streaming drawing, after the model loaded elsewhere", async () => {
      const doc = await createNotebook([
        'const img = await seed.image("e2e.png");\nconst tok = await seed.tokenize(img);\ntok.length',
        "for (let i = 0; i < 3; i++) await seed.decode(tok, { steps: 20, seed: i, live: true });",
        'const g = await seed.chat("Draw a large penguin in the center, on a sky blue background.", { seed: 0 });',
      ]);
      await selectSeedKernel(doc);
      await runCells(doc);
      for (const cell of doc.getCells())
        assert.equal(cell.executionSummary?.success, true, `cell ${cell.index} failed: ${text(cell, ERROR)}`);
      const [, decodes, drawing] = doc.getCells();
      const films = items(decodes, FILMSTRIP_MIME).map(
        (i) => JSON.parse(new TextDecoder().decode(i.data)) as { done: boolean; frames: unknown[]; totalSteps: number },
      );
      assert.equal(films.length, 3, `three filmstrips, got ${mimes(decodes).join(", ")}`);
      for (const f of films)
        assert.ok(f.done && f.frames.length > 0, `a filmstrip left at ${f.frames.length} frames, done=${f.done}`);
      assert.doesNotMatch(text(decodes, "text/plain"), /running/);
      const [gen] = items(drawing, GENERATION_MIME).map(
        (i) =>
          JSON.parse(new TextDecoder().decode(i.data)) as {
            status: string;
            parts: { kind: string; complete?: boolean }[];
          },
      );
      assert.ok(gen, `no generation view, got ${mimes(drawing).join(", ")}`);
      assert.notEqual(gen.status, "running", "the drawing's view was left generating");
      assert.ok(
        gen.parts.some((p) => p.kind === "tokens" && p.complete) && gen.parts.some((p) => p.kind === "image"),
        JSON.stringify(gen.parts.map((p) => p.kind)),
      );
    });

    test("an error cell ends with success=false and stops the queue", async () => {
      const doc = await createNotebook(['throw new Error("boom from a cell")', 'console.log("not reached")']);
      await selectSeedKernel(doc);
      await runCells(doc, 0, 2, 1);
      const [failed, skipped] = doc.getCells();
      assert.equal(failed.executionSummary?.success, false);
      assert.match(text(failed, ERROR), /boom from a cell/);
      assert.equal(text(skipped, STDOUT), "");
    });

    test("interrupt ends a long generation, through the kernel", async () => {
      const doc = await createNotebook([
        // Image generation by diffusion, live (a display updated every step), far longer than the test waits.
        'const img = await seed.image("e2e.png");\nconst tok = await seed.tokenize(img);\nfor (let i = 0; i < 1e6; i++) await seed.decode(tok, { steps: 25, live: true });',
        'console.log("not reached")',
      ]);
      await selectSeedKernel(doc);
      const seed = await api();
      await queueCells(doc);
      await waitFor("the kernel to start", () => seed.kernelPid(doc.uri) !== undefined, 60_000);
      let idle = false;
      void seed.whenIdle(doc.uri).then(() => (idle = true));
      await new Promise((r) => setTimeout(r, 8000)); // let generation get going (model loaded, steps flowing)
      assert.equal(
        idle,
        false,
        `the generation should still be running when interrupted; cell 1 says: ${text(doc.cellAt(0), ERROR)}`,
      );
      const t0 = Date.now();
      await vscode.commands.executeCommand("seed.interruptKernel", doc.uri);
      await seed.whenIdle(doc.uri);
      console.log(`interrupt ended the generation after ${Date.now() - t0} ms`);
      const [running, queued] = doc.getCells();
      await waitFor(
        "the interrupted cell to end",
        () => running.executionSummary !== undefined && running.executionSummary.success !== true,
      );
      assert.doesNotMatch(
        text(running, ERROR),
        /did not stop this cell/,
        "the kernel stopped it, not the extension's timeout",
      );
      assert.equal(text(queued, STDOUT), "");
    });

    test("restart gives fresh state and kills the old process", async () => {
      const doc = await createNotebook(["const before = 41;\nbefore + 1", "typeof before"]);
      await selectSeedKernel(doc);
      const seed = await api();
      await runCells(doc, 0, 1);
      assert.equal(text(doc.cellAt(0), "text/plain"), "42");
      const oldPid = seed.kernelPid(doc.uri);
      assert.ok(oldPid);
      await vscode.commands.executeCommand("seed.restartKernel", doc.uri);
      await waitFor("the old kernel to exit", () => !processAlive(oldPid), 5000);
      await runCells(doc, 1, 2);
      const second = doc.cellAt(1);
      // A fresh kernel has no `before`: tslab reports it as a compile error, plain JS would say "undefined".
      const result = text(second, "text/plain") + text(second, ERROR);
      assert.match(result, /undefined|Cannot find name 'before'/);
      assert.equal(second.executionSummary?.executionOrder ?? 1, 1);
    });

    test("hover and completion are answered by the kernel from its live state", async () => {
      const doc = await createNotebook(["const answer = 42;\nseed.tokenize", "seed.", "ans"]);
      await selectSeedKernel(doc);
      await runCells(doc, 0, 1); // starts the kernel; `answer` now exists in its state
      const uri = doc.cellAt(0).document.uri;
      let hover = "";
      for (let i = 0; i < 50 && !/tokenize|Tokens/.test(hover); i++) {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          "vscode.executeHoverProvider",
          uri,
          new vscode.Position(1, 8),
        );
        hover = hovers.flatMap((h) => h.contents.map((c) => (typeof c === "string" ? c : c.value))).join("\n");
        if (!/tokenize|Tokens/.test(hover)) await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(hover, /tokenize|Tokens/, `hover was: ${hover}`);
      const labelsAt = async (cell: number, character: number) => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>(
          "vscode.executeCompletionItemProvider",
          doc.cellAt(cell).document.uri,
          new vscode.Position(0, character),
        );
        return list.items.map((i) => (typeof i.label === "string" ? i.label : i.label.label));
      };
      const members = await labelsAt(1, 5);
      for (const member of ["tokenize", "decode", "chat"])
        assert.ok(
          members.includes(member),
          `completion after "seed." lacks ${member}: ${members.slice(0, 30).join(", ")}`,
        );
      const variables = await labelsAt(2, 3);
      assert.ok(
        variables.includes("answer"),
        `completion lacks \`answer\` from an earlier cell: ${variables.slice(0, 30).join(", ")}`,
      );
    });
  });
}
