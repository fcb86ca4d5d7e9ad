// The exporter's own Python tests (model/export_seed/tests: the rebuilt modules' parameter counts and key names at the
// real configs, strict loading, SEED-LLaMA's token ids), run with the exporter's Python so `npm test` counts them.
// Skips without that Python unless SEED_REQUIRE_REAL_SEED=1 (see tests/helpers/real-seed.ts).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../../helpers/real-seed";

const python = [process.env.SEED_EXPORT_PYTHON, join(ROOT, ".venv", "bin", "python")].find(
  (p): p is string => !!p && existsSync(p),
);
if (!python && process.env.SEED_REQUIRE_REAL_SEED === "1")
  throw new Error("SEED_REQUIRE_REAL_SEED=1 but no exporter Python (.venv or SEED_EXPORT_PYTHON)");

test("model/export_seed pytest suite", {
  skip: python ? false : "no exporter Python (.venv or SEED_EXPORT_PYTHON)",
}, () => {
  const r = spawnSync(python ?? "", ["-m", "pytest", "-q", "-p", "no:cacheprovider", "model/export_seed/tests"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: ROOT },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, out.split("\n").slice(-40).join("\n"));
  console.log(`  ${out.trim().split("\n").pop()}`);
});
