// JupyterLab in a real browser: installs our kernelspec (`seed-notebook kernel install --prefix`) into a temporary
// prefix, starts `jupyter lab` (the pinned JupyterLab that scripts/install-jupyterlab.sh puts in a venv) headless on
// 127.0.0.1 with a token, opens a fresh copy of notebooks/tour.ipynb (committed outputs cleared) in Chromium through
// playwright-core, checks that the SEED kernel is the notebook's kernel, runs the first cells (model info, image +
// tokenize, decode) and checks what JupyterLab rendered from our outputs: the HTML views (model table, token strip
// with the image) and decoded images that the browser actually decoded. Screenshot: artifacts/jupyterlab-tour.png.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** Code cells of tour.ipynb this test runs, by index, with what their rendered output must show. */
const TOUR_CELLS = [
  { index: 1, what: "model info", text: /SEED-mini/, images: 0 },
  { index: 3, what: "image + tokenize (token strip)", text: /32 visual tokens/, images: 1 },
  { index: 5, what: "decode (filmstrip, comparison)", text: /25 steps/, images: 2 },
];
const LAST_CELL = Math.max(...TOUR_CELLS.map((c) => c.index));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The venv with JupyterLab (installed when missing); returns its path. */
export function jupyterLabVenv(root) {
  const r = spawnSync("bash", [join(root, "scripts", "install-jupyterlab.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) throw new Error("scripts/install-jupyterlab.sh failed");
  return r.stdout.trim().split("\n").pop();
}

/** Starts `jupyter lab` in its own process group; resolves with { url, token, stop() } once it answers. */
export async function startJupyterLab(venv, dir, env, log, startS = 90) {
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const child = spawn(
    join(venv, "bin", "jupyter-lab"),
    [
      "--no-browser",
      "--ServerApp.ip=127.0.0.1",
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${dir}`,
      "--LabApp.news_url=None",
      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      // CI runs as root, which jupyter refuses without this.
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const onData = (chunk) => {
    output += chunk;
    for (const line of String(chunk).split("\n")) if (line.trim()) log(`  [jupyter] ${line}`);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startS * 1000;
  for (;;) {
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("running"), 500))]);
    if (code !== "running")
      throw new Error(`jupyter lab exited (code ${code}) before serving:\n${output.slice(-3000)}`);
    const ok = await fetch(`${url}/api/status?token=${token}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(`jupyter lab did not answer within ${startS} s:\n${output.slice(-3000)}`);
  }
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    if (!gone) process.kill(-child.pid, "SIGKILL");
  };
  return { url, token, stop };
}

/**
 * Runs the test. `base` is a temporary folder for the kernelspec prefix, Jupyter's config/data/runtime dirs and
 * the notebooks; `verbose` echoes the server's log. Resolves with { passed, failed, note }.
 */
export async function runJupyterLabTest(browser, { root, here, base, log, verbose }) {
  const t0 = Date.now();
  const step = (what) => log(`  jupyterlab: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const venv = jupyterLabVenv(root);
  step(`JupyterLab venv ${venv}`);
  const prefix = join(base, "jupyter-prefix");
  const install = spawnSync(
    process.execPath,
    [join(root, "dist", "cli.js"), "kernel", "install", "--prefix", prefix, "--execution-provider", "cpu"],
    { encoding: "utf8" },
  );
  if (install.status !== 0) return { passed: 0, failed: 1, note: `kernel install failed: ${install.stderr}` };
  const notebooks = join(base, "jupyterlab-notebooks");
  cpSync(join(root, "notebooks"), notebooks, { recursive: true });
  const tour = join(notebooks, "tour.ipynb");
  const nb = JSON.parse(readFileSync(tour, "utf8"));
  for (const cell of nb.cells)
    if (cell.cell_type === "code") Object.assign(cell, { outputs: [], execution_count: null });
  writeFileSync(tour, JSON.stringify(nb, null, 1));
  const jupyterDirs = join(base, "jupyter-home");
  const env = {
    ...process.env,
    JUPYTER_PATH: join(prefix, "share", "jupyter"),
    JUPYTER_CONFIG_DIR: join(jupyterDirs, "config"),
    JUPYTER_DATA_DIR: join(jupyterDirs, "data"),
    JUPYTER_RUNTIME_DIR: join(jupyterDirs, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: join(jupyterDirs, "lab-settings"),
    JUPYTERLAB_WORKSPACES_DIR: join(jupyterDirs, "lab-workspaces"),
    PYTHONWARNINGS: "ignore",
  };
  // No "Would you like to get notified about official Jupyter news?" toast over the outputs (and no request out).
  const notificationSettings = join(env.JUPYTERLAB_SETTINGS_DIR, "@jupyterlab", "apputils-extension");
  mkdirSync(notificationSettings, { recursive: true });
  writeFileSync(join(notificationSettings, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false" }));
  const artifacts = join(here, "artifacts");
  mkdirSync(artifacts, { recursive: true });
  const shot = join(artifacts, "jupyterlab-tour.png");
  let server;
  let page;
  try {
    server = await startJupyterLab(venv, notebooks, env, (line) => verbose && log(line));
    step(`jupyter lab serving ${server.url}`);
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    await page.goto(`${server.url}/lab/tree/tour.ipynb?token=${server.token}`, { timeout: 120_000 });
    const notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first();
    await notebook.waitFor({ timeout: 90_000 });
    step("notebook open");
    // The kernel is the one the notebook's kernelspec names: the toolbar shows its display name.
    const kernelName = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName").first();
    await kernelName.filter({ hasText: "SEED (TypeScript)" }).waitFor({ timeout: 60_000 });
    step("kernel from the notebook's kernelspec: SEED (TypeScript)");
    // Pick it again by hand, as a user would in a notebook that names another kernel: the toolbar's kernel name
    // opens "Select Kernel", whose list must offer our kernelspec.
    await kernelName.click();
    const dialog = page.locator(".jp-Dialog");
    await dialog.waitFor({ timeout: 10_000 });
    const options = await dialog.locator("select option").allInnerTexts();
    if (!options.some((o) => o.trim() === "SEED (TypeScript)"))
      throw new Error(`"Select Kernel" does not offer SEED (TypeScript): ${options.join(", ")}`);
    await dialog.locator("select").selectOption({ label: "SEED (TypeScript)" });
    await dialog.locator("button.jp-mod-accept").click();
    await dialog.waitFor({ state: "detached", timeout: 10_000 });
    await page
      .locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']")
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(() => undefined);
    step("SEED (TypeScript) picked in Select Kernel");
    // Select the first cell (command mode) and run cells one by one with Shift+Enter up to the last one wanted.
    const cells = notebook.locator(".jp-Cell");
    await cells.nth(0).locator(".jp-InputPrompt").click();
    for (let i = 0; i <= LAST_CELL; i++) {
      await page.keyboard.press("Shift+Enter");
      await page.waitForTimeout(150);
    }
    for (const want of TOUR_CELLS) {
      const cell = cells.nth(want.index);
      const prompt = cell.locator(".jp-InputPrompt");
      // "[n]:" once the kernel answered; "[*]:" while queued or running.
      await prompt.filter({ hasText: /\[\d+\]/ }).waitFor({ timeout: 180_000 });
      const outputs = cell.locator(".jp-OutputArea-output");
      const html = outputs.locator(".seed-output");
      await html
        .first()
        .waitFor({ timeout: 10_000 })
        .catch(() => undefined);
      const text = (await outputs.allInnerTexts()).join("\n");
      if ((await html.count()) === 0)
        throw new Error(
          `cell ${want.index} (${want.what}): no SEED HTML output rendered; output text: ${text.slice(0, 400)}`,
        );
      if (!want.text.test(text))
        throw new Error(
          `cell ${want.index} (${want.what}): output does not show ${want.text}; it shows: ${text.slice(0, 400)}`,
        );
      // Images the browser decoded (a broken data: URI has naturalWidth 0).
      const decoded = await html
        .locator("img")
        .evaluateAll((imgs) => imgs.filter((i) => i.complete && i.naturalWidth > 0).length);
      if (decoded < want.images)
        throw new Error(
          `cell ${want.index} (${want.what}): ${decoded} decoded image(s), expected at least ${want.images}`,
        );
      step(`cell ${want.index} ${want.what}: rendered, ${decoded} image(s)`);
    }
    // Frame the token strip and the decoded images for the screenshot.
    await cells.nth(3).evaluate((el) => el.scrollIntoView({ block: "start" }));
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot });
    step(`screenshot ${shot}`);
    return { passed: 1, failed: 0 };
  } catch (err) {
    await page?.screenshot({ path: join(artifacts, "jupyterlab-failure.png") }).catch(() => undefined);
    return {
      passed: 0,
      failed: 1,
      note: `JupyterLab test: ${err instanceof Error ? err.message.split("\n")[0] : err}`,
    };
  } finally {
    await page?.close();
    await server?.stop();
  }
}
