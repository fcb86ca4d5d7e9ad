#!/usr/bin/env node
// Builds the installable extension, seed-notebook-<version>.vsix, with @vscode/vsce (run by `npm run package`
// after `node esbuild.mjs --production`). A staging folder (.cache/vsix/) receives only what runs:
//   dist/ bundles (extension, kernel, CLI, model worker, renderer, seed.d.ts; no source maps), model/seed-mini,
//   notebooks/ (the tour, opened by "SEED: Open Tour Notebook"), extension/README.md as README.md, a LICENSE, and
//   node_modules for the packages esbuild keeps external (RUNTIME_PACKAGES) with their production dependencies,
//   native binaries trimmed to linux-x64.
// Then `vsce package` runs in the staging folder, and the script prints the file list summary and the .vsix size.
// Usage: node scripts/package.mjs [--out FILE]
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const stage = join(root, ".cache", "vsix");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const outIndex = process.argv.indexOf("--out");
const out = outIndex > 0 ? process.argv[outIndex + 1] : join(root, `${pkg.name}-${pkg.version}.vsix`);

/** Packages esbuild.mjs leaves external (native addons, packages that read files next to themselves). */
const RUNTIME_PACKAGES = ["onnxruntime-node", "sharp", "zeromq", "tslab"];

/** Paths (relative to node_modules, "/"-separated) that are not needed on linux-x64. */
function keepModuleFile(rel) {
  if (/\.(map|tsbuildinfo)$/.test(rel)) return false;
  const linuxX64 = (p) => p === "linux" || p === "linux/x64" || p.startsWith("linux/x64/");
  const ort = /^onnxruntime-node\/bin\/napi-v\d+\/(.+)$/.exec(rel);
  if (ort) return linuxX64(ort[1]);
  const zmq = /^zeromq\/build\/(.+)$/.exec(rel);
  if (zmq) return zmq[1] === "manifest.json" || linuxX64(zmq[1]);
  if (/^zeromq\/(src|script)(\/|$)/.test(rel) || /^zeromq\/(CMakeLists\.txt|vcpkg\.json)$/.test(rel)) return false;
  return true;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

/** Finds a dependency the way Node does: node_modules folders from the requiring package upwards. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root) break;
  }
  return undefined;
}

/** The runtime packages and everything they depend on (optional dependencies only when installed). */
function dependencyClosure() {
  const found = new Set();
  const queue = RUNTIME_PACKAGES.map((name) => {
    const dir = resolvePackage(name, root);
    if (!dir) fail(`runtime package ${name} is not installed; run npm ci first`);
    return dir;
  });
  while (queue.length > 0) {
    const dir = queue.shift();
    if (found.has(dir)) continue;
    found.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const [deps, optional] of [
      [manifest.dependencies, false],
      [manifest.optionalDependencies, true],
    ]) {
      for (const name of Object.keys(deps ?? {})) {
        const dep = resolvePackage(name, dir);
        if (dep) queue.push(dep);
        else if (!optional) fail(`${relative(root, dir)} needs ${name}, which is not installed`);
      }
    }
  }
  return [...found];
}

function copyFiltered(from, to, keep) {
  cpSync(from, to, { recursive: true, dereference: true, filter: (src) => keep(src) });
}

// 1. Check the build.
for (const f of [
  "dist/extension.js",
  "dist/kernel.js",
  "dist/jupyter-zmq.js",
  "dist/model-worker.js",
  "dist/renderer.js",
]) {
  if (!existsSync(join(root, f)))
    fail(`${f} is missing; run \`node esbuild.mjs --production\` first (npm run package does)`);
}
if (!existsSync(join(root, "model", "seed-mini", "seed.json")))
  fail("model/seed-mini/seed.json is missing: the extension ships SEED-mini");
if (!existsSync(join(root, "extension", "README.md"))) fail("extension/README.md is missing");

// 2. Stage.
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
copyFiltered(join(root, "dist"), join(stage, "dist"), (src) => !src.endsWith(".map"));
copyFiltered(
  join(root, "model", "seed-mini"),
  join(stage, "model", "seed-mini"),
  (src) => !/(^|\/)(\.|__pycache__)/.test(relative(root, src)),
);
if (existsSync(join(root, "notebooks")))
  copyFiltered(join(root, "notebooks"), join(stage, "notebooks"), (src) => !src.includes(".ipynb_checkpoints"));
cpSync(join(root, "extension", "README.md"), join(stage, "README.md"));
if (existsSync(join(root, "LICENSE"))) cpSync(join(root, "LICENSE"), join(stage, "LICENSE"));
else
  writeFileSync(
    join(stage, "LICENSE"),
    `MIT License\n\nCopyright (c) 2026 SEED Notebook contributors\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n`,
  );

const modules = join(root, "node_modules");
const closure = dependencyClosure();
for (const dir of closure) {
  const rel = relative(modules, dir);
  copyFiltered(dir, join(stage, "node_modules", rel), (src) => {
    const r = relative(modules, src).split(sep).join("/");
    // Nested node_modules are copied as packages of their own (when in the closure), not wholesale.
    if (
      r
        .slice(rel.length + 1)
        .split("/")
        .includes("node_modules")
    )
      return false;
    return keepModuleFile(r);
  });
}

// The staged manifest: no scripts (vsce would run vscode:prepublish), runtime dependencies only.
const staged = { ...pkg, dependencies: Object.fromEntries(RUNTIME_PACKAGES.map((n) => [n, pkg.dependencies[n]])) };
delete staged.scripts;
delete staged.devDependencies;
delete staged.private;
writeFileSync(join(stage, "package.json"), JSON.stringify(staged, null, 2));
writeFileSync(join(stage, ".vscodeignore"), ["**/*.map", "**/.DS_Store", "**/*.tsbuildinfo", ""].join("\n"));

// 3. Package. The dependency scan (`npm list --production`) finds the staged node_modules.
const vsce = join(root, "node_modules", ".bin", "vsce");
const r = spawnSync(vsce, ["package", "--out", out, "--allow-missing-repository", "--skip-license"], {
  cwd: stage,
  encoding: "utf8",
});
process.stdout.write(r.stdout ?? "");
if (r.status !== 0) {
  process.stderr.write(r.stderr ?? "");
  fail(`vsce package failed (exit ${r.status})`);
}
const mb = (statSync(out).size / 1024 / 1024).toFixed(1);
console.log(
  `package: ${relative(root, out)} ${mb} MB (${closure.length} runtime packages staged in ${relative(root, stage)})`,
);
