// `/usr/bin/jupyter nbconvert --to notebook --execute` (nbclient) with our kernelspec on the fixture notebooks,
// asserting on the executed notebook's outputs, not only on the exit code.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { JUPYTER, kernelspecEnv, ROOT } from "./kernelspec-env";

// nbformat stores multi-line text as a list of lines; joined() reads both forms.
type Text = string | string[];
interface Output {
  output_type: string;
  name?: string;
  text?: Text;
  data?: Record<string, Text>;
  ename?: string;
  evalue?: string;
  execution_count?: number;
}
interface Cell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: Output[];
}

function joined(t: Text | undefined): string | undefined {
  return Array.isArray(t) ? t.join("") : t;
}

const env = kernelspecEnv();
const outDir = mkdtempSync(join(tmpdir(), "seed-nbconvert-"));

function nbconvert(name: string, extra: string[]): { status: number | null; stderr: string; cells: Cell[] } {
  const input = join(ROOT, "tests", "fixtures", "notebooks", `${name}.ipynb`);
  const r = spawnSync(
    JUPYTER,
    [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=seed",
      "--ExecutePreprocessor.timeout=120",
      ...extra,
      input,
      "--output-dir",
      outDir,
      "--output",
      `${name}.out.ipynb`,
    ],
    { env, encoding: "utf8", timeout: 300_000 },
  );
  let cells: Cell[] = [];
  try {
    cells = (JSON.parse(readFileSync(join(outDir, `${name}.out.ipynb`), "utf8")) as { cells: Cell[] }).cells;
  } catch {
    // no output written (asserted below through the status)
  }
  return { status: r.status, stderr: r.stderr, cells };
}

test("nbconvert --execute runs the basic fixture: counts, streams, results, a PNG display, top-level await", () => {
  const r = nbconvert("basic", []);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const code = r.cells.filter((c) => c.cell_type === "code");
  assert.deepEqual(
    code.map((c) => c.execution_count),
    [1, 2, 3, 4, 5],
  );
  const [, second, third, fourth, fifth] = code;
  assert.deepEqual(
    second?.outputs?.map((o) => o.output_type),
    ["stream", "execute_result"],
  );
  assert.equal(joined(second?.outputs?.[0]?.text), "hello 42\n");
  assert.equal(joined(second?.outputs?.[1]?.data?.["text/plain"]), "{ x: 42, y: 2 }");
  const png = joined(third?.outputs?.find((o) => o.output_type === "display_data")?.data?.["image/png"])?.replace(
    /\n/g,
    "",
  );
  assert.ok(png, "the PNG display is missing");
  assert.equal(Buffer.from(png, "base64").subarray(1, 4).toString(), "PNG");
  assert.equal(fourth?.outputs?.find((o) => o.output_type === "stream")?.name, "stderr");
  assert.equal(joined(fourth?.outputs?.find((o) => o.output_type === "execute_result")?.data?.["text/plain"]), "84");
  assert.equal(joined(fifth?.outputs?.[0]?.data?.["text/plain"]), "43");
});

test("nbconvert reports an error cell as an error (ename/evalue) and fails without --allow-errors", () => {
  const failing = nbconvert("error", []);
  assert.notEqual(failing.status, 0);
  assert.match(failing.stderr, /RangeError/);
  const allowed = nbconvert("error", ["--allow-errors"]);
  assert.equal(allowed.status, 0, allowed.stderr.slice(-2000));
  const [first, second, third] = allowed.cells;
  assert.equal(joined(first?.outputs?.[0]?.data?.["text/plain"]), "1");
  const err = second?.outputs?.find((o) => o.output_type === "error");
  assert.equal(err?.ename, "RangeError");
  assert.equal(err?.evalue, "boom 1");
  // nbclient sends cells one at a time, so the next cell runs (no timed abort window swallowing it).
  assert.equal(joined(third?.outputs?.[0]?.data?.["text/plain"]), "2");
  assert.equal(third?.execution_count, 3);
});
