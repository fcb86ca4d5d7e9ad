// The Playwright test of the restart confirmation: with seed.confirmRestart at its default (true), the notebook
// toolbar's Restart Kernel button opens a modal "Restart the kernel? All variables will be lost."; Cancel keeps the
// kernel (a counter in the kernel keeps counting), Restart gives a fresh one (the counter starts again). The kernel's
// state is read from the cell's output in the auto-saved notebook on disk. Runs against the stand-in kernel.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const QUESTION = "Restart the kernel? All variables will be lost.";
/** Counts up in the kernel's global state: 1, 2, 3... until the kernel restarts. */
const COUNTER_CELL = "globalThis.n = (globalThis.n ?? 0) + 1; return n";

/** The text/plain result of the first code cell in the saved notebook, with its execution count. */
function savedResult(file) {
  try {
    const nb = JSON.parse(readFileSync(file, "utf8"));
    const cell = nb.cells.find((c) => c.cell_type === "code");
    const out = (cell?.outputs ?? []).find((o) => o.data?.["text/plain"] !== undefined);
    const text = out?.data?.["text/plain"];
    return { count: cell?.execution_count ?? null, value: Array.isArray(text) ? text.join("") : text };
  } catch {
    return { count: null, value: undefined };
  }
}

/**
 * Runs the test; `env` goes to the extension host (SEED_KERNEL_SCRIPT for the stand-in kernel). Resolves with
 * { passed, failed, note }.
 */
export async function runRestartUiTest(browser, server, workspace, { root, here, log, env }) {
  const file = join(workspace, "restart.ipynb");
  writeFileSync(
    file,
    JSON.stringify(
      {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: { name: "seed", display_name: "SEED (TypeScript)", language: "typescript" },
          language_info: { name: "typescript" },
        },
        cells: [{ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: COUNTER_CELL }],
      },
      null,
      1,
    ),
  );
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const artifacts = join(here, "artifacts");
  mkdirSync(artifacts, { recursive: true });
  const t0 = Date.now();
  const step = (what) => log(`  ui-restart: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  /** Clicks Run All and waits for the counter to show `expected` on disk. */
  const runAndExpect = async (expected, why) => {
    const before = savedResult(file).count;
    await page
      .getByRole("button", { name: /Run All/ })
      .first()
      .click();
    const deadline = Date.now() + 60_000;
    let result = savedResult(file);
    while (Date.now() < deadline && !(result.value !== undefined && result.count !== before)) {
      await page.waitForTimeout(250);
      result = savedResult(file);
    }
    step(`counter ${result.value} (${why})`);
    if (result.value !== String(expected))
      throw new Error(`${why}: expected the counter to read ${expected}, got ${result.value ?? "no result"}`);
  };
  /** Clicks the toolbar's Restart Kernel button, checks the modal's question, and answers it. */
  const restartAnswering = async (button) => {
    await page.locator('.notebook-toolbar-container a.action-label[aria-label="Restart Kernel"]').first().click();
    const dialog = page.locator(".monaco-dialog-box");
    await dialog.waitFor({ timeout: 10_000 }).catch(() => {
      throw new Error("Restart Kernel restarted without asking (no dialog appeared)");
    });
    const message = await dialog.textContent();
    if (!message.includes(QUESTION)) throw new Error(`the dialog asks "${message}", expected "${QUESTION}"`);
    await dialog.getByRole("button", { name: button, exact: true }).click();
    await dialog.waitFor({ state: "detached", timeout: 10_000 });
    step(`dialog answered "${button}"`);
  };
  try {
    const payload = [
      ["extensionDevelopmentPath", `vscode-remote://${server.authority}${root}`],
      ["extensionEnvironment", JSON.stringify(env)],
      ["skipWelcome", "true"],
    ];
    await page.goto(
      `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
      { timeout: 120_000 },
    );
    await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await page.keyboard.press("Control+P");
    await page.keyboard.type("restart.ipynb");
    await page
      .locator(".quick-input-list .monaco-list-row", { hasText: "restart.ipynb" })
      .first()
      .click({ timeout: 30_000 });
    await page.getByText("SEED (TypeScript)").first().waitFor({ timeout: 60_000 });
    step("notebook open, SEED controller selected");
    await runAndExpect(1, "first run");
    await runAndExpect(2, "same kernel");
    await restartAnswering("Cancel");
    await runAndExpect(3, "after Cancel: the kernel kept its state");
    await restartAnswering("Restart");
    await runAndExpect(1, "after Restart: a fresh kernel");
    return { passed: 1, failed: 0 };
  } catch (err) {
    await page.screenshot({ path: join(artifacts, "ui-restart-failure.png") }).catch(() => undefined);
    return {
      passed: 0,
      failed: 1,
      note: `restart UI test: ${err instanceof Error ? err.message.split("\n")[0] : err}`,
    };
  } finally {
    await page.close();
  }
}
