// The Playwright UI test: open a SEED notebook in the workbench like a user (Quick Open), let the Preferred
// controller be picked, click "Run All", wait for the custom renderer's token strip in the output webview, and
// save a screenshot to tests/e2e/artifacts/ (gitignored; `--update-screenshot` also refreshes tests/e2e/screenshot.png).
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A notebook with a markdown cell and the given code cells, marked as SEED (so the controller is Preferred). */
export function notebook(cells) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "seed", display_name: "SEED (TypeScript)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# SEED in VS Code\nAn image becomes 32 causal visual tokens." },
      ...cells.map((source) => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source })),
    ],
  };
}

/** Cells for the real kernel: tokenize the test image, show the strip. */
export const REAL_KERNEL_CELLS = [
  'const img = await seed.image("e2e.png");\nconst tok = await seed.tokenize(img);\ntok',
];

/** A cell for the stand-in kernel: a token strip payload next to text/html (VS Code must still pick the renderer). */
export function fakeKernelCells() {
  const chips = Array.from({ length: 32 }, (_, i) => ({
    index: i,
    id: (i * 97) % 1024,
    color: `hsl(${(i * 37) % 360} 70% 45%)`,
    textColor: "#fff",
  }));
  const payload = { version: 1, chips, numTokens: 32, codebookSize: 1024, label: "stand-in" };
  return [
    `display(${JSON.stringify({ "application/vnd.seed.tokens+json": payload, "text/html": "<b>html fallback</b>", "text/plain": "32 tokens" })})`,
  ];
}

/** From the notebook file on disk: code cells that ran (an execution count, no error output), errors, token strips. */
export function savedStatus(file) {
  let nb;
  try {
    nb = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return { ran: 0, errors: [], total: 0, tokens: false };
  }
  const code = nb.cells.filter(
    (c) => c.cell_type === "code" && String(Array.isArray(c.source) ? c.source.join("") : c.source).trim() !== "",
  );
  const errors = code.flatMap((c) =>
    (c.outputs ?? []).filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`),
  );
  const ran = code.filter(
    (c) => c.execution_count != null && !(c.outputs ?? []).some((o) => o.output_type === "error"),
  ).length;
  const tokens = code.some((c) =>
    (c.outputs ?? []).some((o) => o.data && "application/vnd.seed.tokens+json" in o.data),
  );
  return { ran, errors, total: code.length, tokens };
}

/** A chip of the token strip that extension/renderer/tokens-view.ts draws (Playwright's CSS pierces shadow roots). */
const STRIP = "span.chip[data-index]";

/**
 * Runs the UI test. `cells` are the code cells; `env` goes to the extension host (SEED_KERNEL_SCRIPT for the
 * stand-in kernel); `shotName` names the screenshot in tests/e2e/artifacts/.
 */
export async function runUiTest(
  browser,
  server,
  workspace,
  { root, here, log, cells, env = {}, shotName, notebookFile = "ui.ipynb", installed = false },
) {
  if (cells) writeFileSync(join(workspace, notebookFile), JSON.stringify(notebook(cells), null, 1));
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const artifacts = join(here, "artifacts");
  mkdirSync(artifacts, { recursive: true });
  const t0 = Date.now();
  const step = (what) => log(`  ui: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    // The payload loads this repo as the development extension (no extensionTestsPath: nothing runs mocha), unless
    // the extension under test is the installed .vsix.
    const payload = installed
      ? [["skipWelcome", "true"]]
      : [
          ["extensionDevelopmentPath", `vscode-remote://${server.authority}${root}`],
          ["extensionEnvironment", JSON.stringify(env)],
          ["skipWelcome", "true"],
        ];
    await page.goto(
      `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );
    await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    step("workbench loaded");
    await page.keyboard.press("Control+P");
    await page.keyboard.type(notebookFile);
    await page
      .locator(".quick-input-list .monaco-list-row", { hasText: notebookFile })
      .first()
      .click({ timeout: 30_000 });
    await page.locator(".notebook-editor").first().waitFor({ timeout: 60_000 });
    step("notebook open");
    await page.getByText("SEED (TypeScript)").first().waitFor({ timeout: 60_000 });
    step("SEED controller selected");
    await page
      .getByRole("button", { name: /Run All/ })
      .first()
      .click();
    // Wait until every code cell has run, reading the auto-saved notebook back from disk (the editor only renders
    // the cells on screen, so the DOM cannot tell).
    const file = join(workspace, notebookFile);
    const deadline = Date.now() + 300_000;
    let status = { ran: 0, errors: [], total: 0, tokens: false };
    while (Date.now() < deadline) {
      status = savedStatus(file);
      if (status.total > 0 && status.ran + status.errors.length >= status.total) break;
      await page.waitForTimeout(1000);
    }
    step(
      `${status.ran} of ${status.total} code cells ran without error${status.errors.length ? `; errors: ${status.errors.join(" | ")}` : ""}`,
    );
    // Then find the token strip, scrolling the notebook down until its output webview shows a chip.
    let strip;
    const notebookArea = page.locator(".notebook-editor .cell-list-container").first();
    for (let i = 0; i < 60 && !strip; i++) {
      for (const frame of page.frames()) {
        if (
          (await frame
            .locator(STRIP)
            .count()
            .catch(() => 0)) > 0
        )
          strip = frame.locator(STRIP);
      }
      if (!strip) {
        await notebookArea.hover().catch(() => undefined);
        await page.mouse.wheel(0, 300);
        await page.waitForTimeout(500);
      }
    }
    const found = strip !== undefined;
    step(found ? "token strip rendered" : "no token strip");
    // Hover a chip so that the screenshot shows its attention over the image.
    if (strip)
      await strip
        .nth(9)
        .hover({ timeout: 5000 })
        .catch(() => undefined);
    await page.waitForTimeout(1000);
    const shot = join(artifacts, shotName);
    await page.screenshot({ path: shot });
    const size = statSync(shot).size;
    log(`  ui: screenshot ${shot} (${(size / 1024).toFixed(0)} KB)`);
    if (process.argv.includes("--update-screenshot") && !env.SEED_KERNEL_SCRIPT && found && size < 300 * 1024)
      copyFileSync(shot, join(here, "screenshot.png"));
    if (status.total === 0 || status.ran !== status.total)
      return {
        passed: 0,
        failed: 1,
        note: `${status.total - status.ran} of ${status.total} code cells did not run cleanly`,
      };
    if (!status.tokens) return { passed: 0, failed: 1, note: "no cell output has application/vnd.seed.tokens+json" };
    if (!found) return { passed: 0, failed: 1, note: "the renderer's token strip did not appear" };
    return { passed: 1, failed: 0 };
  } catch (err) {
    await page.screenshot({ path: join(artifacts, "ui-failure.png") }).catch(() => undefined);
    return { passed: 0, failed: 1, note: `UI test error: ${err instanceof Error ? err.message.split("\n")[0] : err}` };
  } finally {
    await page.close();
  }
}
