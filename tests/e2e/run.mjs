#!/usr/bin/env node
// Runs the e2e tests in a real VS Code: the VS Code server from code-server (Node 24) driven by Debian's Chromium
// through playwright-core. Each mocha suite (tests/e2e/suite, bundled with esbuild) runs inside the Node extension
// host via the workbench payload (extensionDevelopmentPath = this repo, extensionTestsPath = the bundle); mocha's
// result comes back through window.codeAutomationExit. Then a Playwright UI test runs a notebook and screenshots
// the custom renderer's output. The `jupyterlab` suite runs the tour in JupyterLab in the same Chromium (our kernelspec,
// no VS Code). Prints "N passed, N failed" and exits non-zero on any failure.
// `--suites vsix` (not in the default set; `npm run test:vsix` packages first) installs seed-notebook-<version>.vsix
// into a clean server and runs notebooks/tour.ipynb through the UI.
//   node tests/e2e/run.mjs [--suites controller,ui-controller,ui-restart,kernel,ui,restricted,jupyterlab,vsix] [--keep] [--verbose] [--update-screenshot]
// --grep PATTERN runs only the matching mocha tests. Needs: scripts/install-vscode-server.sh and, for `jupyterlab`,
// scripts/install-jupyterlab.sh (both run automatically when their tools are missing) and `npm run build`.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "node:util";
import { runJupyterLabTest } from "./jupyterlab.mjs";
import { runJupyterLabControlsTest } from "./jupyterlab-controls.mjs";
import { buildBundles, bundlePaths, MOCHA_SUITES, makeWorkspace, suiteEnvironment } from "./suites.mjs";
import { fakeKernelCells, REAL_KERNEL_CELLS, runUiTest } from "./ui.mjs";
import { runControlsUiTest } from "./ui-controls.mjs";
import { runRestartUiTest } from "./ui-restart.mjs";
import { installExtension, missingTools, startServer, toolPaths } from "./vscode-server.mjs";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const here = join(root, "tests", "e2e");
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const ALL = [
  "controller",
  "ui-controller",
  "ui-restart",
  "kernel",
  "ui",
  "ui-controls",
  "restricted",
  "jupyterlab",
  "jupyterlab-controls",
];
const suites = option("--suites", ALL.join(",")).split(",");
const verbose = flag("--verbose");
const RUN_TIMEOUT_MS = 360_000;
const { fakeKernel } = bundlePaths(root);

const results = []; // { name, passed, failed, note }

function log(...args) {
  console.log(format(...args));
}

/** Workbench chatter that says nothing about our tests (offline gallery, auth, socket setup, its own stacks). */
const NOISE = [
  "/static/out/vs/",
  "Resolving connection token",
  "Resolved connection token",
  "Creating a socket",
  "[reconnection-grace-time]",
  "Updating additional builtin",
  "[Service Worker]",
  "[AgentHost",
  "[AccountPolicyGate]",
  "Timed out waiting for authentication",
  "ENOTFOUND",
  "potential listener LEAK",
  "[lifecycle]",
  "NO provider registered for view type",
  "onWillSaveNotebookDocument",
];
function isNoise(line) {
  return line.trim() === "" || NOISE.some((n) => line.includes(n));
}

/** Opens the workbench with the test payload and resolves with mocha's exit code and counts. */
async function runSuite(browser, server, suite, base) {
  const workspace = await makeWorkspace(root, base, `ws-${suite}`, MOCHA_SUITES[suite].settings);
  const page = await (await browser.newContext()).newPage();
  let counts;
  const exited = new Promise((resolve) => {
    page.exposeFunction("codeAutomationExit", (code) => resolve(code));
  });
  await page.exposeFunction("codeAutomationLog", (_type, args) => {
    const line = format(...(Array.isArray(args) ? args : [args]));
    const m = /SEED_E2E_RESULT (\{.*\})/.exec(line);
    if (m) counts = JSON.parse(m[1]);
    for (const l of line.split("\n")) if (verbose || !isNoise(l)) console.log(`  ${l}`);
  });
  const remote = (p) => `vscode-remote://${server.authority}${p}`;
  const payload = [
    ["extensionDevelopmentPath", remote(root)],
    ["extensionTestsPath", remote(join(here, "out", "suite.js"))],
    ["extensionEnvironment", JSON.stringify(suiteEnvironment(root, suite, option("--grep", "")))],
    ["skipWelcome", "true"],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url, { timeout: 120_000 }); // a busy machine can take over 30 s to serve the workbench
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), RUN_TIMEOUT_MS));
  const code = await Promise.race([exited, timeout]);
  await page.context().close();
  if (code === "timeout")
    return {
      passed: counts?.passed ?? 0,
      failed: (counts?.failed ?? 0) + 1,
      note: `no result within ${RUN_TIMEOUT_MS / 1000} s`,
    };
  if (!counts)
    return { passed: 0, failed: 1, note: `exit code ${code} without a mocha summary (suite failed to load?)` };
  if (code !== 0 && counts.failed === 0) return { ...counts, failed: 1, note: `exit code ${code}` };
  return counts;
}

/** Installs the packaged .vsix into a clean server and runs the tour notebook through the UI with it. */
async function runVsixTest(browser, base, serverLog) {
  const { version, name } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const vsix = join(root, `${name}-${version}.vsix`);
  if (!existsSync(vsix)) return { passed: 0, failed: 1, note: `${vsix} is missing: run \`npm run package\` first` };
  const dataDir = join(base, "vsix");
  const t0 = Date.now();
  log(
    `  vsix: ${installExtension(root, dataDir, vsix).split("\n").pop()} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const workspace = join(base, "ws-vsix");
  cpSync(join(root, "notebooks"), workspace, { recursive: true });
  // The committed tour carries outputs: clear them, so that what the test sees is this run's.
  const tour = join(workspace, "tour.ipynb");
  const nb = JSON.parse(readFileSync(tour, "utf8"));
  for (const cell of nb.cells)
    if (cell.cell_type === "code") Object.assign(cell, { outputs: [], execution_count: null });
  writeFileSync(tour, JSON.stringify(nb, null, 1));
  const server = await startServer(root, dataDir, { trusted: true, log: serverLog });
  try {
    return await runUiTest(browser, server, workspace, {
      root,
      here,
      log,
      notebookFile: "tour.ipynb",
      installed: true,
      shotName: "ui-vsix-tour.png",
    });
  } finally {
    await server.stop();
  }
}

async function main() {
  if (missingTools(root).length > 0) {
    log(`e2e: installing the VS Code server tools (missing: ${missingTools(root).join(", ")})`);
    const r = spawnSync("bash", [join(root, "scripts", "install-vscode-server.sh")], { stdio: "inherit" });
    if (r.status !== 0) throw new Error("scripts/install-vscode-server.sh failed");
  }
  await buildBundles(root);
  const { chromium } = createRequire(join(root, ".tools", "package.json"))(toolPaths(root).playwright);
  const base = mkdtempSync(join(tmpdir(), "seed-e2e-"));
  const browser = await chromium.launch({
    executablePath: toolPaths(root).chromium,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
  const serverLog = (line) => verbose && console.log(`  [server] ${line}`);
  try {
    const trustedNeeded = suites.some((s) => !["restricted", "vsix", "jupyterlab", "jupyterlab-controls"].includes(s));
    const server = trustedNeeded
      ? await startServer(root, join(base, "trusted"), { trusted: true, log: serverLog })
      : undefined;
    try {
      for (const suite of suites) {
        const started = Date.now();
        log(`== e2e ${suite}`);
        let result;
        if (suite === "controller") {
          result = await runSuite(browser, server, "controller", base);
        } else if (suite === "kernel") {
          result = existsSync(join(root, "dist", "kernel.js"))
            ? await runSuite(browser, server, "kernel", base)
            : { passed: 0, failed: 1, note: "dist/kernel.js is missing (kernel/main.ts not built)" };
        } else if (suite === "vsix") {
          result = await runVsixTest(browser, base, serverLog);
        } else if (suite === "restricted") {
          const untrusted = await startServer(root, join(base, "untrusted"), { trusted: false, log: serverLog });
          try {
            result = await runSuite(browser, untrusted, "restricted", base);
          } finally {
            await untrusted.stop();
          }
        } else if (suite === "ui-controller") {
          result = await runUiTest(browser, server, await makeWorkspace(root, base, "ws-ui-controller"), {
            root,
            here,
            log,
            cells: fakeKernelCells(),
            env: { SEED_KERNEL_SCRIPT: fakeKernel },
            shotName: "ui-stand-in-kernel.png",
          });
        } else if (suite === "ui-restart") {
          result = await runRestartUiTest(browser, server, await makeWorkspace(root, base, "ws-ui-restart"), {
            root,
            here,
            log,
            env: { SEED_KERNEL_SCRIPT: fakeKernel },
          });
        } else if (suite === "jupyterlab-controls") {
          result = await runJupyterLabControlsTest(browser, { root, here, base, log, verbose });
        } else if (suite === "jupyterlab") {
          result = await runJupyterLabTest(browser, { root, here, base, log, verbose });
        } else if (suite === "ui-controls") {
          result = existsSync(join(root, "dist", "kernel.js"))
            ? await runControlsUiTest(browser, server, await makeWorkspace(root, base, "ws-ui-controls"), {
                root,
                here,
                log,
              })
            : { passed: 0, failed: 1, note: "dist/kernel.js is missing (kernel/main.ts not built)" };
        } else if (suite === "ui") {
          result = existsSync(join(root, "dist", "kernel.js"))
            ? await runUiTest(browser, server, await makeWorkspace(root, base, "ws-ui"), {
                root,
                here,
                log,
                cells: REAL_KERNEL_CELLS,
                shotName: "ui-token-strip.png",
              })
            : { passed: 0, failed: 1, note: "dist/kernel.js is missing (kernel/main.ts not built)" };
        } else {
          result = { passed: 0, failed: 1, note: `unknown suite '${suite}'; expected one of ${ALL.join(", ")}` };
        }
        results.push({ name: suite, ...result });
        log(
          `-- ${suite}: ${result.passed} passed, ${result.failed} failed${result.note ? ` (${result.note})` : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      }
    } finally {
      await server?.stop();
    }
  } finally {
    await browser.close();
    if (!flag("--keep")) rmSync(base, { recursive: true, force: true });
    else log(`kept ${base}`);
  }
}

let crashed = false;
try {
  await main();
} catch (err) {
  crashed = true;
  console.error(`e2e: ${err instanceof Error ? err.stack : err}`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0) + (crashed ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
