// `npm run test:desktop` (tests/e2e/desktop.mjs): the runner hands @vscode/test-electron the same suite bundle,
// workspace settings and extension-host environment as the VS Code server runner (tests/e2e/suites.mjs), for the
// suites that tests/e2e/suite/index.ts defines; without network access it stops with a message saying what to do.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const root = join(__dirname, "..", "..");
const e2e = join(root, "tests", "e2e");

/** Runs an ES module snippet (the runners are .mjs) and returns what it printed as JSON. */
function probe(code: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test("each desktop run gets the suite bundle, this repo and the server runner's environment for that suite", () => {
  const desktop = pathToFileURL(join(e2e, "desktop.mjs")).href;
  const suites = pathToFileURL(join(e2e, "suites.mjs")).href;
  const out = probe(`
    import { desktopRun, DESKTOP_SUITES } from ${JSON.stringify(desktop)};
    import { MOCHA_SUITES, suiteEnvironment } from ${JSON.stringify(suites)};
    const runs = Object.fromEntries(DESKTOP_SUITES.map((s) => [s, desktopRun(s, { workspace: "/ws", grep: "hover" })]));
    const server = Object.fromEntries(DESKTOP_SUITES.map((s) => [s, suiteEnvironment(${JSON.stringify(root)}, s, "hover")]));
    let refused = "";
    try { desktopRun("restricted", { workspace: "/ws" }); } catch (e) { refused = e.message; }
    console.log(JSON.stringify({ suites: DESKTOP_SUITES, all: Object.keys(MOCHA_SUITES), runs, server, refused }));
  `);
  assert.deepEqual(out.suites, ["controller", "kernel"]);
  const runs = out.runs as Record<string, Record<string, unknown>>;
  const server = out.server as Record<string, Record<string, string>>;
  for (const suite of ["controller", "kernel"]) {
    const run = runs[suite]!;
    assert.equal(run.extensionDevelopmentPath, root);
    assert.equal(run.extensionTestsPath, join(e2e, "out", "suite.js"));
    assert.deepEqual(run.extensionTestsEnv, server[suite]);
    assert.equal((run.launchArgs as string[])[0], "/ws");
  }
  assert.deepEqual(runs.controller!.extensionTestsEnv, {
    SEED_E2E_SUITE: "controller",
    SEED_E2E_GREP: "hover",
    SEED_KERNEL_SCRIPT: join(e2e, "out", "fake-kernel.js"),
  });
  assert.deepEqual(runs.kernel!.extensionTestsEnv, { SEED_E2E_SUITE: "kernel", SEED_E2E_GREP: "hover" });
  assert.match(String(out.refused), /test:desktop runs the suites controller, kernel; got 'restricted'/);
  // The suites the runners know are the ones the extension-host entry defines, and run.mjs uses the shared setup.
  const index = readFileSync(join(e2e, "suite", "index.ts"), "utf8");
  const defined = [...(/const SUITES[^{]*\{([\s\S]*?)\n\};/.exec(index)?.[1] ?? "").matchAll(/^ {2}(\w+):/gm)];
  assert.deepEqual(
    defined.map((m) => m[1]),
    out.all,
  );
  assert.match(readFileSync(join(e2e, "run.mjs"), "utf8"), /suiteEnvironment\(root, suite,/);
});

test("without network access the runner fails at once and says why and what to run instead", () => {
  const r = spawnSync(process.execPath, [join(e2e, "desktop.mjs")], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
    // A proxy that refuses connections stands in for a machine without network access (test-electron uses it).
    env: { ...process.env, npm_config_proxy: "http://127.0.0.1:9", SEED_VSCODE_EXECUTABLE: "" },
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /test:desktop: could not download desktop VS Code \(.+\)/);
  assert.match(r.stderr, /update\.code\.visualstudio\.com/);
  assert.match(r.stderr, /npm run test:e2e/);
  assert.match(r.stdout, /^0 passed, 1 failed$/m);
});
