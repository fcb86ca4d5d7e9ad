// The Playwright test of live controls in VS Code: a cell shows seed.controls.decode with the real kernel; the
// renderer's sliders become enabled once the extension confirms the kernel holds the view; pressing ArrowRight on the
// seed slider (a real input + change in the output webview) goes renderer -> extension -> kernel, and the same output
// re-renders in place with "seed 1" in its values, the matching call, and a different decoded image.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { notebook, savedStatus } from "./ui.mjs";

export const CONTROL_CELLS = [
  'const tok = await seed.tokenize(await seed.image("e2e.png"));\nawait seed.controls.decode(tok, { steps: 6, seed: 0 }, { name: "tok" })',
];

/** The first frame (output webview) where `selector` matches, scrolling the notebook until one does. */
async function findInFrames(page, selector, tries = 60) {
  const area = page.locator(".notebook-editor .cell-list-container").first();
  for (let i = 0; i < tries; i++) {
    for (const frame of page.frames()) {
      if (
        (await frame
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    await area.hover().catch(() => undefined);
    await page.mouse.wheel(0, 200);
    await page.waitForTimeout(500);
  }
  return undefined;
}

export async function runControlsUiTest(browser, server, workspace, { root, here, log }) {
  const file = "controls.ipynb";
  writeFileSync(join(workspace, file), JSON.stringify(notebook(CONTROL_CELLS), null, 1));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const artifacts = join(here, "artifacts");
  mkdirSync(artifacts, { recursive: true });
  const t0 = Date.now();
  const step = (what) => log(`  ui-controls: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const fail = (note) => ({ passed: 0, failed: 1, note });
  try {
    const payload = [
      ["extensionDevelopmentPath", `vscode-remote://${server.authority}${root}`],
      ["extensionEnvironment", "{}"],
      ["skipWelcome", "true"],
    ];
    await page.goto(
      `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );
    await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    // Quick Open, as ui.mjs does; its file search can take more than a minute on a loaded machine.
    await page.keyboard.press("Control+P");
    await page.keyboard.type(file);
    await page.locator(".quick-input-list .monaco-list-row", { hasText: file }).first().click({ timeout: 150_000 });
    await page.locator(".notebook-editor").first().waitFor({ timeout: 60_000 });
    await page.getByText("SEED (TypeScript)").first().waitFor({ timeout: 60_000 });
    await page
      .getByRole("button", { name: /Run All/ })
      .first()
      .click();
    const deadline = Date.now() + 300_000;
    let status = savedStatus(join(workspace, file));
    while (Date.now() < deadline && !(status.total > 0 && status.ran + status.errors.length >= status.total)) {
      await page.waitForTimeout(1000);
      status = savedStatus(join(workspace, file));
    }
    step(
      `${status.ran} of ${status.total} cells ran${status.errors.length ? `; errors: ${status.errors.join(" | ")}` : ""}`,
    );
    if (status.ran !== status.total || status.total === 0) return fail("the controls cell did not run cleanly");
    const frame = await findInFrames(page, 'input[data-control="seed"]');
    if (!frame) return fail("the renderer drew no seed slider");
    const slider = frame.locator('input[data-control="seed"]').first();
    const values = frame.locator(".seed-controls-values").first();
    const picture = frame.locator(".seed-controls-inner img.pic").first();
    await frame.waitForSelector('input[data-control="seed"]:not([disabled])', { timeout: 30_000 });
    step("controls enabled (the kernel holds the view)");
    const before = { text: await values.textContent(), src: await picture.getAttribute("src") };
    if (!before.text?.includes("seed 0")) return fail(`the view does not show its values: "${before.text}"`);
    await slider.focus();
    await slider.press("ArrowRight");
    step("seed slider moved to 1");
    // The same output re-renders: values, state and image change once the kernel's finished view arrives.
    let after = before;
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      // One read of text and state together (the output may re-render between two reads).
      const read = await values.evaluate((el) => ({ text: el.textContent, state: el.getAttribute("data-state") }));
      after = { ...read, src: await picture.getAttribute("src") };
      if (after.text?.includes("seed 1") && after.state === "done" && after.src !== before.src) break;
      await page.waitForTimeout(200);
    }
    const code = await frame.locator(".seed-controls-code").first().textContent();
    await page.screenshot({ path: join(artifacts, "ui-controls.png") });
    step(`after the change: "${after.text}", code "${code}"`);
    if (!after.text?.includes("seed 1") || after.state !== "done")
      return fail(`the view did not re-render with seed 1 (shows "${after.text}", state ${after.state})`);
    if (
      !/^await seed\.decode\(tok, \{ steps: 6, guidance: [\d.]+, seed: 1, prefix: \d+ \}\)$|^await seed\.decode\(tok, \{ steps: 6, guidance: [\d.]+, seed: 1 \}\)$/.test(
        code ?? "",
      )
    )
      return fail(`copy-as-code shows "${code}"`);
    if (!after.src || after.src === before.src) return fail("the decoded image did not change with the seed");
    return { passed: 1, failed: 0 };
  } catch (err) {
    await page.screenshot({ path: join(artifacts, "ui-controls-failure.png") }).catch(() => undefined);
    return fail(`UI test error: ${err instanceof Error ? err.message.split("\n")[0] : err}`);
  } finally {
    await page.close();
  }
}
