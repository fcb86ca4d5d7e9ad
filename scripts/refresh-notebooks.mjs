#!/usr/bin/env node
// Re-executes the teaching notebooks (notebooks/*.ipynb) in place with the headless runner, so that the committed
// outputs match the current model and kernel (tests/integration/notebooks.test.ts checks that they do).
//   node scripts/refresh-notebooks.mjs                 all notebooks
//   node scripts/refresh-notebooks.mjs tour understanding   only these (names without .ipynb)
// Builds dist/ first. Runs one notebook at a time. A notebook whose run has a cell error is NOT replaced (the failing
// cells are printed); its executed copy is left in out/notebooks/ for inspection. The model is the kernel's default
// (model/seed-mini) unless SEED_MODEL_PATH says otherwise.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dir = join(root, "notebooks");
const outDir = join(root, "out", "notebooks");
const all = readdirSync(dir)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();
const wanted = process.argv.slice(2).map((n) => (n.endsWith(".ipynb") ? n : `${n}.ipynb`));
for (const n of wanted) {
  if (!all.includes(n)) {
    console.error(`refresh-notebooks: no notebooks/${n}; expected one of: ${all.join(", ")}`);
    process.exit(2);
  }
}
const names = wanted.length > 0 ? wanted : all;

const build = spawnSync(process.execPath, ["esbuild.mjs"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
mkdirSync(outDir, { recursive: true });

let failed = 0;
for (const name of names) {
  const input = join(dir, name);
  const out = join(outDir, name);
  const html = out.replace(/\.ipynb$/, ".html");
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    ["dist/cli.js", "run", input, "--out", out, "--html", html, "--timeout", "300"],
    { cwd: root, encoding: "utf8" },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!existsSync(out)) {
    console.error(`${name}: the runner wrote no notebook (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    failed++;
    continue;
  }
  const nb = JSON.parse(readFileSync(out, "utf8"));
  const errors = nb.cells.flatMap((c, i) =>
    (c.outputs ?? [])
      .filter((o) => o.output_type === "error")
      .map((o) => `  cell ${i}: ${o.ename}: ${String(o.evalue).split("\n")[0]}`),
  );
  if (errors.length > 0) {
    console.error(
      `${name}: ${errors.length} cell error(s) in ${seconds} s; not replaced (see ${out}):\n${errors.join("\n")}`,
    );
    failed++;
    continue;
  }
  renameSync(out, input);
  console.log(`${name}: refreshed in ${seconds} s (HTML: ${html})`);
}
process.exit(failed > 0 ? 1 : 0);
