// The repository carries nothing of the machine it was built on: no absolute paths of a workstation in a committed
// notebook's metadata or outputs (a model "folder", a traceback), none in source files and docs, and no citations of
// documents that live outside the repository.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { shownFolder } from "../../kernel/api/model-info";

const ROOT = join(__dirname, "..", "..");
const SKIP_DIRS = new Set([
  "node_modules",
  ".tools",
  ".venv",
  ".git",
  "dist",
  "out",
  "artifacts",
  "runs",
  "__pycache__",
]);
/** Training logs are verbatim records of a run (its scratch folders included), not docs or code. */
const SKIP_FILES = [/^model\/train\/logs\//, /package-lock\.json$/];
const SOURCE = /\.(ts|mts|mjs|js|py|sh|md|json|html|css)$/;

// Spelled in pieces so that this file does not match itself.
const dirs = ["work", "root", "home", "tmp"];
/** An absolute path into one of those folders (not `bench/results/work/`: the folder must start the path). */
const machinePath = (names: readonly string[]) => new RegExp(`(?<![\\w.\\/-])\\/(?:${names.join("|")})\\/[\\w.-]`);
const outsideDoc = new RegExp(`${["shared", "reference"].join("\\/")}|(?<![\\w/])reference\\/[\\w-]+\\.md`);

function files(dir: string, keep: (rel: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (SKIP_DIRS.has(name)) continue;
    const full = join(dir, name);
    const rel = relative(ROOT, full);
    if (statSync(full).isDirectory()) out.push(...files(full, keep));
    else if (keep(rel) && !SKIP_FILES.some((r) => r.test(rel))) out.push(rel);
  }
  return out;
}

/** Every string in a JSON value, with where it is. */
function strings(value: unknown, at: string, out: { at: string; text: string }[] = []): { at: string; text: string }[] {
  if (typeof value === "string") out.push({ at, text: value });
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${at}[${i}]`, out));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) strings(v, `${at}.${k}`, out);
  return out;
}

test("committed notebooks hold no machine paths in their metadata or outputs", () => {
  const notebooks = files(ROOT, (rel) => rel.endsWith(".ipynb"));
  assert.ok(notebooks.length >= 5, `found ${notebooks.length} notebooks`);
  const found: string[] = [];
  const path = machinePath(dirs);
  for (const rel of notebooks) {
    const nb = JSON.parse(readFileSync(join(ROOT, rel), "utf8")) as {
      metadata?: unknown;
      cells: { metadata?: unknown; outputs?: unknown }[];
    };
    const places = [
      ...strings(nb.metadata, "metadata"),
      ...nb.cells.flatMap((c, i) => [
        ...strings(c.metadata, `cells[${i}].metadata`),
        ...strings(c.outputs, `cells[${i}].outputs`),
      ]),
    ];
    for (const { at, text } of places) {
      const m = path.exec(text);
      if (m) found.push(`${rel} ${at}: …${text.slice(Math.max(0, m.index - 40), m.index + 60)}…`);
    }
  }
  assert.deepEqual(found, []);
});

test("source files and docs name no machine paths and cite no documents outside the repository", () => {
  const sources = files(ROOT, (rel) => SOURCE.test(rel));
  assert.ok(sources.length > 100, `found ${sources.length} source files`);
  const path = machinePath(dirs.filter((d) => d !== "tmp")); // /tmp/ is a real place for scratch files and locks
  const found: string[] = [];
  for (const rel of sources) {
    readFileSync(join(ROOT, rel), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (path.test(line) || outsideDoc.test(line)) found.push(`${rel}:${i + 1}: ${line.trim().slice(0, 140)}`);
      });
  }
  assert.deepEqual(found, []);
});

test("the checks catch what they are for", () => {
  const path = machinePath(dirs);
  const [work, root] = dirs;
  assert.ok(path.test(`"folder": "/${work}/main/model/seed-mini"`));
  assert.ok(path.test(`at /${root}/.cache/x.js:1`));
  assert.ok(path.test("File /tmp/seed-1/a.ts"));
  assert.ok(!path.test("bench/results/work/inputs.json"));
  assert.ok(!path.test("https://example.org/work/x"));
  assert.ok(outsideDoc.test(`see ../${"shared"}/reference/seed.md`));
  assert.ok(outsideDoc.test(`(${"reference"}/seed.md §3.5)`));
  assert.ok(!outsideDoc.test("a reference/answer pair"));
});

test("seed.info shows the model folder relative to a notebook near it, so a saved notebook names no machine folder", () => {
  assert.equal(shownFolder("/srv/repo/model/seed-mini", "/srv/repo/notebooks"), "../model/seed-mini");
  assert.equal(shownFolder("/srv/repo/notebooks/pkg", "/srv/repo/notebooks"), "pkg");
  assert.equal(shownFolder("/srv/repo/notebooks", "/srv/repo/notebooks"), ".");
  assert.equal(shownFolder("/opt/models/seed", "/srv/a/b/c/notebooks"), "/opt/models/seed", "far away: as given");
});
