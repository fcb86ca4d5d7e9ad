#!/usr/bin/env node
// The project's test command (`npm test`): builds the bundles, typechecks every layer, then runs the suites in
// order and ends with one plain summary line, "N passed, N failed", that CI reads. Every step's output is shown as it
// comes (nothing is held back until a suite ends) and each step ends with its time; the last lines list them all.
//   node scripts/test.mjs                 all suites: lint, typecheck, unit, python, integration, e2e
//   node scripts/test.mjs unit            one suite (lint | typecheck | unit | python | integration | e2e)
// Unit and integration tests are TypeScript files run by Node's test runner through tsx; the e2e suite runs inside a
// real VS Code (tests/e2e/run.mjs) and prints its own "N passed, N failed" line, which is folded into the total.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const SUITES = ["lint", "typecheck", "unit", "python", "integration", "e2e"];
const VENV_PYTHON = join(root, ".venv/bin/python");
const TSCONFIGS = [
  "kernel/protocol/tsconfig.json",
  "model/runtime/tsconfig.json",
  "kernel/tsconfig.json",
  "model/eval/tsconfig.json",
  "extension/tsconfig.json",
  "extension/renderer/tsconfig.json",
  "tests/tsconfig.json",
  "tests/e2e/tsconfig.json",
];

const wanted = process.argv.slice(2);
for (const s of wanted) {
  if (!SUITES.includes(s)) {
    console.error(`test.mjs: unknown suite '${s}'; expected one of: ${SUITES.join(", ")}`);
    process.exit(2);
  }
}
const suites = wanted.length > 0 ? wanted : SUITES;

/** Recursively lists files under `dir` whose name ends with `suffix`, sorted for a stable order. */
function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...findFiles(full, suffix));
    else if (entry.endsWith(suffix)) out.push(full);
  }
  return out;
}

/**
 * Runs a command with its output shown as it comes (a long suite is never silent); with `capture`, stdout is also
 * kept, for the counts in its summary line. Resolves with { status, stdout }.
 */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: opts.capture ? ["ignore", "pipe", "inherit"] : "inherit",
      env: { ...process.env, ...opts.env },
    });
    let stdout = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (text) => {
      stdout += text;
      process.stdout.write(text);
    });
    child.on("error", (error) => {
      console.error(`test.mjs: could not start ${cmd}: ${error.message}`);
      resolve({ status: 127, stdout });
    });
    child.on("close", (status) => resolve({ status: status ?? 1, stdout }));
  });
}

const totals = { passed: 0, failed: 0 };
const failures = [];

const timings = [];
let suiteStarted = Date.now();

/** Announces a step; record() reports its time from here. */
function begin(line) {
  suiteStarted = Date.now();
  console.log(line);
}

function record(suite, passed, failed) {
  totals.passed += passed;
  totals.failed += failed;
  if (failed > 0) failures.push(`${suite}: ${failed} failed`);
  const seconds = (Date.now() - suiteStarted) / 1000;
  timings.push(`${suite} ${seconds.toFixed(0)} s`);
  console.log(`\n== ${suite}: ${passed} passed, ${failed} failed (${seconds.toFixed(0)} s)\n`);
}

async function build() {
  begin("== build (esbuild)");
  const r = await run(process.execPath, ["esbuild.mjs"]);
  if (r.status !== 0) {
    record("build", 0, 1);
    return false;
  }
  timings.push(`build ${((Date.now() - suiteStarted) / 1000).toFixed(0)} s`);
  return true;
}

async function typecheck() {
  begin("== typecheck (one tsconfig per layer)");
  let passed = 0;
  let failed = 0;
  const tsc = join(root, "node_modules/.bin/tsc");
  for (const cfg of TSCONFIGS) {
    if (!existsSync(join(root, cfg))) {
      console.error(`missing ${cfg}`);
      failed++;
      continue;
    }
    const r = await run(tsc, ["-p", cfg]);
    if (r.status === 0) {
      console.log(`ok ${cfg}`);
      passed++;
    } else {
      console.log(`FAILED ${cfg}`);
      failed++;
    }
  }
  record("typecheck", passed, failed);
}

/** Runs node:test files through tsx and reads the counts from a TAP copy of the report. */
async function nodeTests(suite, dir) {
  const files = findFiles(join(root, dir), ".test.ts").map((f) => relative(root, f));
  if (files.length === 0) {
    console.error(`no test files under ${dir}`);
    record(suite, 0, 1);
    return;
  }
  begin(`== ${suite}: ${files.length} files`);
  const tmp = mkdtempSync(join(tmpdir(), "seed-test-"));
  const tap = join(tmp, "report.tap");
  const r = await run(process.execPath, [
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=1",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const report = existsSync(tap) ? readFileSync(tap, "utf8") : "";
  rmSync(tmp, { recursive: true, force: true });
  const count = (name) => Number((report.match(new RegExp(`^# ${name} (\\d+)$`, "m")) ?? [])[1] ?? 0);
  const passed = count("pass");
  let failed = count("fail") + count("cancelled");
  if (r.status !== 0 && failed === 0) failed = 1; // the runner itself failed (crash, bad import)
  record(suite, passed, failed);
}

/** Biome (TypeScript/JavaScript/JSON: format + lint) and ruff (Python: lint + format), both read-only checks. */
async function lint() {
  begin("== lint (biome ci; ruff check + ruff format --check)");
  let passed = 0;
  let failed = 0;
  const biome = await run(join(root, "node_modules/.bin/biome"), ["ci", "--reporter=summary", "."]);
  biome.status === 0 ? passed++ : failed++;
  if (!existsSync(VENV_PYTHON)) {
    console.error("ruff: .venv is missing (run: bash scripts/setup-python.sh)");
    record("lint", passed, failed + 1);
    return;
  }
  for (const args of [
    ["check", "."],
    ["format", "--check", "."],
  ]) {
    const r = await run(VENV_PYTHON, ["-m", "ruff", ...args]);
    r.status === 0 ? passed++ : failed++;
  }
  record("lint", passed, failed);
}

/** The Python tests (model/train, model/export_seed): pytest in the project's venv; its summary line is printed. */
async function python() {
  if (!existsSync(VENV_PYTHON)) {
    console.error("python: .venv is missing (run: bash scripts/setup-python.sh)");
    record("python", 0, 1);
    return;
  }
  const dirs = ["model/train"]; // model/export_seed runs through tests/unit/export-seed/python.test.ts
  begin(`== python (pytest ${dirs.join(" ")})`);
  const r = await run(VENV_PYTHON, ["-m", "pytest", "-q", "-p", "no:cacheprovider", ...dirs], {
    capture: true,
    env: { PYTHONUNBUFFERED: "1" }, // its progress dots as they come, not at exit
  });
  const out = r.stdout ?? "";
  const count = (name) => Number((out.match(new RegExp(`(\\d+) ${name}`)) ?? [])[1] ?? 0);
  const passed = count("passed");
  let failed = count("failed") + count("error");
  if (r.status !== 0 && failed === 0) failed = 1; // collection error, or no tests collected (exit 5)
  record("python", passed, failed);
}

async function e2e() {
  const runner = join(root, "tests/e2e/run.mjs");
  if (!existsSync(runner)) {
    console.error("tests/e2e/run.mjs is missing");
    record("e2e", 0, 1);
    return;
  }
  begin("== e2e (a real VS Code server + Chromium; the first run installs it into .tools/)");
  const r = await run(process.execPath, [runner], { capture: true });
  const m = /^(?:\w+: )?(\d+) passed, (\d+) failed/m.exec(r.stdout ?? "");
  const passed = m ? Number(m[1]) : 0;
  let failed = m ? Number(m[2]) : 0;
  if (r.status !== 0 && failed === 0) failed = 1;
  record("e2e", passed, failed);
}

const started = Date.now();
const built = await build();
for (const suite of suites) {
  if (suite === "typecheck") await typecheck();
  else if (suite === "lint") await lint();
  else if (suite === "python") await python();
  else if (!built) continue;
  else if (suite === "unit") await nodeTests("unit", "tests/unit");
  else if (suite === "integration") await nodeTests("integration", "tests/integration");
  else if (suite === "e2e") await e2e();
}
console.log(
  `\n${((Date.now() - started) / 1000).toFixed(0)} s (${timings.join(", ")}); ${failures.length ? failures.join("; ") : "all suites green"}`,
);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
