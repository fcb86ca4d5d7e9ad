#!/usr/bin/env node
// `npm run test:desktop`: the extension-host mocha suites (tests/e2e/suite) in desktop VS Code through
// @vscode/test-electron (runTests with extensionDevelopmentPath = this repo, extensionTestsPath = the suite bundle),
// with the same bundle, workspace settings and extension-host environment as the VS Code server runner (suites.mjs).
// test-electron downloads desktop VS Code into .vscode-test/ on first use (network access to
// update.code.visualstudio.com), or runs the one named by SEED_VSCODE_EXECUTABLE. On Linux without a display, run it
// under xvfb-run. `restricted` stays with run.mjs: test-electron always starts VS Code with --disable-workspace-trust.
//   node tests/e2e/desktop.mjs [--suites controller,kernel] [--grep PATTERN] [--vscode-version stable|1.91.0|...]
// Prints "N passed, N failed" (one suite per VS Code run) and exits non-zero on any failure.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildBundles, bundlePaths, MOCHA_SUITES, makeWorkspace, suiteEnvironment } from "./suites.mjs";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const DESKTOP_SUITES = Object.keys(MOCHA_SUITES).filter((s) => MOCHA_SUITES[s].trusted);

/** runTests' options for one suite: the same bundle and environment as run.mjs gives the server's extension host. */
export function desktopRun(suite, { workspace, grep = "", version = "stable", executable } = {}) {
  if (!DESKTOP_SUITES.includes(suite))
    throw new Error(`test:desktop runs the suites ${DESKTOP_SUITES.join(", ")}; got '${suite}'`);
  return {
    extensionDevelopmentPath: root,
    extensionTestsPath: bundlePaths(root).suite,
    extensionTestsEnv: suiteEnvironment(root, suite, grep),
    launchArgs: [workspace, "--disable-extensions"],
    ...(executable ? { vscodeExecutablePath: executable } : { version }),
  };
}

/** Why the download failed, in words that say what to do. */
export function downloadFailure(error) {
  const reason = error instanceof Error ? error.message : String(error);
  return (
    `test:desktop: could not download desktop VS Code (${reason}).\n` +
    "It needs network access to update.code.visualstudio.com, or SEED_VSCODE_EXECUTABLE=/path/to/code naming an " +
    "installed VS Code. Without either, run the same suites in the VS Code server: npm run test:e2e."
  );
}

async function loadTestElectron() {
  try {
    return createRequire(join(root, "package.json"))("@vscode/test-electron");
  } catch (e) {
    throw new Error(`@vscode/test-electron is not installed (${e.message.split("\n")[0]}); run npm install`);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      suites: { type: "string", default: DESKTOP_SUITES.join(",") },
      grep: { type: "string", default: "" },
      "vscode-version": { type: "string", default: "stable" },
    },
    strict: true,
  });
  const { runTests, downloadAndUnzipVSCode } = await loadTestElectron();
  let executable = process.env.SEED_VSCODE_EXECUTABLE;
  if (!executable) {
    console.log(`test:desktop: desktop VS Code ${values["vscode-version"]} (downloaded into .vscode-test/ once)`);
    try {
      executable = await downloadAndUnzipVSCode({
        version: values["vscode-version"],
        cachePath: join(root, ".vscode-test"),
      });
    } catch (e) {
      console.error(downloadFailure(e));
      return { passed: 0, failed: 1 };
    }
  }
  await buildBundles(root);
  const base = mkdtempSync(join(tmpdir(), "seed-desktop-"));
  let passed = 0;
  let failed = 0;
  try {
    for (const suite of values.suites.split(",")) {
      console.log(`== desktop ${suite}`);
      const workspace = await makeWorkspace(root, base, `ws-${suite}`, MOCHA_SUITES[suite]?.settings);
      try {
        await runTests(desktopRun(suite, { workspace, grep: values.grep, executable }));
        passed++;
        console.log(`-- ${suite}: passed`);
      } catch (e) {
        failed++;
        console.log(`-- ${suite}: failed (${e instanceof Error ? e.message : e})`);
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return { passed, failed };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  let result = { passed: 0, failed: 1 };
  try {
    result = await main();
  } catch (e) {
    console.error(`test:desktop: ${e instanceof Error ? e.message : e}`);
  }
  console.log(`${result.passed} passed, ${result.failed} failed`);
  process.exit(result.failed > 0 ? 1 : 0);
}
