// Live controls in JupyterLab in a real browser: a cell shows seed.controls.decode on SEED-mini; JupyterLab's own
// widget manager (jupyterlab_widgets, installed by scripts/install-jupyterlab.sh) draws the kernel's sliders under the
// view; pressing ArrowRight on the seed slider's handle (a real key press) sends the widget update over the comm, and
// the view above re-renders in place with "seed 1", the matching call and a different image.
// Screenshot: artifacts/jupyterlab-controls.png.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jupyterLabVenv, startJupyterLab } from "./jupyterlab.mjs";

const CELL =
  'const tok = await seed.tokenize(await seed.image("assets/fox.png"));\n' +
  'await seed.controls.decode(tok, { steps: 6, seed: 0 }, { name: "tok" })';

/** The view's state while a run is going ("· running…", "· preview (4 of 6 steps), ..."). */
const BUSY = /· running…|· preview/;

export async function runJupyterLabControlsTest(browser, { root, here, base, log, verbose }) {
  const t0 = Date.now();
  const step = (what) => log(`  jupyterlab-controls: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const fail = (note) => ({ passed: 0, failed: 1, note: `JupyterLab controls: ${note}` });
  const venv = jupyterLabVenv(root);
  const prefix = join(base, "jupyter-controls-prefix");
  const install = spawnSync(
    process.execPath,
    [join(root, "dist", "cli.js"), "kernel", "install", "--prefix", prefix, "--execution-provider", "cpu"],
    { encoding: "utf8" },
  );
  if (install.status !== 0) return fail(`kernel install failed: ${install.stderr}`);
  const dir = join(base, "jupyterlab-controls");
  cpSync(join(root, "notebooks", "assets"), join(dir, "assets"), { recursive: true });
  writeFileSync(
    join(dir, "controls.ipynb"),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: "seed", display_name: "SEED (TypeScript)", language: "typescript" },
        language_info: { name: "typescript" },
      },
      cells: [{ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: CELL }],
    }),
  );
  const home = join(base, "jupyter-controls-home");
  const env = {
    ...process.env,
    JUPYTER_PATH: join(prefix, "share", "jupyter"),
    JUPYTER_CONFIG_DIR: join(home, "config"),
    JUPYTER_DATA_DIR: join(home, "data"),
    JUPYTER_RUNTIME_DIR: join(home, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: join(home, "lab-settings"),
    JUPYTERLAB_WORKSPACES_DIR: join(home, "lab-workspaces"),
    PYTHONWARNINGS: "ignore",
  };
  const notificationSettings = join(env.JUPYTERLAB_SETTINGS_DIR, "@jupyterlab", "apputils-extension");
  mkdirSync(notificationSettings, { recursive: true });
  writeFileSync(join(notificationSettings, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false" }));
  const artifacts = join(here, "artifacts");
  mkdirSync(artifacts, { recursive: true });
  let server;
  let page;
  let failContext = async () => "";
  try {
    // A loaded machine can take minutes to start the server (the tour test allows 90 s).
    server = await startJupyterLab(venv, dir, env, (line) => verbose && log(line), 300);
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const consoleLines = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") consoleLines.push(`${m.type()}: ${m.text()}`.slice(0, 400));
    });
    failContext = async () =>
      `; outputs: ${(
        (await page
          .locator(".jp-OutputArea")
          .first()
          .textContent()
          .catch(() => "")) ?? ""
      ).slice(0, 300)}` + `; browser console: ${consoleLines.slice(-6).join(" | ")}`;
    await page.goto(`${server.url}/lab/tree/controls.ipynb?token=${server.token}`, { timeout: 120_000 });
    const notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first();
    await notebook.waitFor({ timeout: 90_000 });
    await page
      .locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName", { hasText: "SEED (TypeScript)" })
      .first()
      .waitFor({ timeout: 60_000 });
    // Run only once the kernel is connected and idle (a Shift+Enter before that is not sent to it).
    await page
      .locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']")
      .first()
      .waitFor({ timeout: 120_000 });
    step("notebook open on SEED (TypeScript), kernel idle");
    const cell = notebook.locator(".jp-Cell").first();
    await cell.locator(".jp-InputPrompt").click();
    await page.keyboard.press("Shift+Enter");
    await cell
      .locator(".jp-InputPrompt")
      .filter({ hasText: /\[\d+\]/ })
      .waitFor({ timeout: 240_000 });
    const view = cell.locator(".jp-OutputArea-output .seed-output").first();
    await view.waitFor({ timeout: 30_000 });
    const slider = cell.locator(".seed-control-seed").first();
    await slider.waitFor({ timeout: 60_000 });
    step("view and widget sliders rendered");
    const read = async () => ({
      text: (await view.textContent()) ?? "",
      src: await view.locator("img").last().getAttribute("src"),
    });
    const before = await read();
    if (!/seed 0/.test(before.text)) return fail(`the view does not show its values: ${before.text}`);
    await slider.locator(".noUi-handle").first().focus();
    await page.keyboard.press("ArrowRight");
    step("seed slider moved one step (ArrowRight)");
    let after = before;
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      after = await read();
      if (/seed 1\b/.test(after.text) && !BUSY.test(after.text) && after.src !== before.src) break;
      await page.waitForTimeout(250);
    }
    await cell.evaluate((el) => el.scrollIntoView({ block: "start" }));
    await page.screenshot({ path: join(artifacts, "jupyterlab-controls.png") });
    step(`after: ${after.text.slice(0, 200)}`);
    if (!/seed 1\b/.test(after.text) || BUSY.test(after.text))
      return fail(`the view did not re-render with seed 1: ${after.text}`);
    if (!/await seed\.decode\(tok, \{ steps: 6, guidance: [\d.]+, seed: 1 \}\)/.test(after.text))
      return fail(`the view's call does not match its values: ${after.text}`);
    if (after.src === before.src) return fail("the decoded image did not change with the seed");
    return { passed: 1, failed: 0 };
  } catch (err) {
    await page?.screenshot({ path: join(artifacts, "jupyterlab-controls-failure.png") }).catch(() => undefined);
    return fail((err instanceof Error ? err.message.split("\n")[0] : String(err)) + (await failContext()));
  } finally {
    await page?.close();
    await server?.stop();
  }
}
