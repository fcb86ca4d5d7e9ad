// Layering (ARCHITECTURE.md "who may import whom"): kernel/ and model/ never import vscode; kernel/protocol/ and the
// renderer import nothing Node-only; the extension imports only kernel/protocol from kernel/. The compiler enforces
// most of this through the per-layer tsconfigs; this test also catches imports that a tsconfig would resolve anyway.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";

const root = join(__dirname, "..", "..");

function sources(dir: string): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(full)) {
    const p = join(full, entry);
    if (entry === "node_modules") continue;
    if (statSync(p).isDirectory()) out.push(...sources(relative(root, p)));
    else if (/\.(ts|mts|cts)$/.test(entry)) out.push(relative(root, p));
  }
  return out;
}

/** Every module specifier a file imports (static, dynamic, require, import type). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const specs: string[] = [];
  const re =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return specs;
}

const NODE_BUILTINS =
  /^(node:|fs$|path$|os$|child_process$|worker_threads$|crypto$|util$|stream$|events$|net$|http$|zlib$)/;

test("kernel/ and model/ never import vscode", () => {
  const offenders = [...sources("kernel"), ...sources("model")].filter((f) => importsOf(f).some((s) => s === "vscode"));
  assert.deepEqual(offenders, []);
});

test("kernel/protocol imports only itself (it is compiled into the browser renderer)", () => {
  const offenders = sources("kernel/protocol").flatMap((f) =>
    importsOf(f)
      .filter((s) => !s.startsWith("./"))
      .map((s) => `${f} -> ${s}`),
  );
  assert.deepEqual(offenders, []);
});

test("the renderer imports no Node built-ins, no vscode, and from kernel/ only kernel/protocol", () => {
  const offenders = sources("extension/renderer").flatMap((f) =>
    importsOf(f)
      .filter(
        (s) => NODE_BUILTINS.test(s) || s === "vscode" || (s.includes("kernel/") && !s.includes("kernel/protocol")),
      )
      .map((s) => `${f} -> ${s}`),
  );
  assert.deepEqual(offenders, []);
});

test("the extension imports from kernel/ and model/ only kernel/protocol", () => {
  const offenders = sources("extension/src").flatMap((f) =>
    importsOf(f)
      .filter((s) => (s.includes("kernel/") && !s.includes("kernel/protocol")) || s.includes("model/"))
      .map((s) => `${f} -> ${s}`),
  );
  assert.deepEqual(offenders, []);
});

test("model/runtime imports nothing from kernel/ or extension/", () => {
  const offenders = sources("model/runtime").flatMap((f) =>
    importsOf(f)
      .filter((s) => s.includes("kernel/") || s.includes("extension/"))
      .map((s) => `${f} -> ${s}`),
  );
  assert.deepEqual(offenders, []);
});

/** The source file a relative specifier names (`./x` -> x.ts or x/index.ts), or undefined for packages. */
function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = join(dirname(from), spec);
  return [`${base}.ts`, join(base, "index.ts"), base].find(
    (f) => existsSync(join(root, f)) && statSync(join(root, f)).isFile(),
  );
}

/** The specifiers a file imports values from (`import type` and `export type` are erased, so they cannot cycle). */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const re = /^(?:import|export)\s+(?!type\s)[^'"]*?from\s*['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? "");
}

test("no import cycles among the TypeScript sources (each module loads before the modules that import it)", () => {
  const files = ["kernel", "model/runtime", "extension/src", "extension/renderer"].flatMap(sources);
  const edges = new Map(files.map((f) => [f, valueImportsOf(f).flatMap((s) => resolveLocal(f, s) ?? [])]));
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});
