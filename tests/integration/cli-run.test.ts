// `seed-notebook run` (dist/cli.js) on small generated notebooks, as a user runs it: a --timeout stops a synchronous
// loop and a cell stuck in a blocking call; process.exit and an error after its cell ended fail the run at the right
// cell; in every case the notebook and HTML so far are written, the failing cell is named on stderr and the exit code
// is 1. A file that is not a notebook gets one line saying what is wrong (exit code 2).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, TINY_MODEL } from "./kernelspec-env";

interface Output {
  output_type: string;
  ename?: string;
  evalue?: string;
  text?: string;
  traceback?: string[];
}
interface Cell {
  cell_type: string;
  execution_count: number | null;
  outputs?: Output[];
}

const dir = mkdtempSync(join(tmpdir(), "seed-cli-run-"));

function run(
  name: string,
  notebook: string,
  timeoutSeconds: number,
): { status: number | null; stderr: string; seconds: number; cells: Cell[]; html: string } {
  const input = join(dir, `${name}.ipynb`);
  writeFileSync(input, notebook);
  const out = join(dir, `${name}.out.ipynb`);
  const html = join(dir, `${name}.html`);
  const t0 = Date.now();
  const args = [
    join(ROOT, "dist", "cli.js"),
    "run",
    input,
    "--out",
    out,
    "--html",
    html,
    "--timeout",
    String(timeoutSeconds),
    "--model",
    TINY_MODEL,
    "--execution-provider",
    "cpu",
    "--threads",
    "1",
  ];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 120_000 });
  const cells = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[] }).cells : [];
  return {
    status: r.status,
    stderr: r.stderr,
    seconds: (Date.now() - t0) / 1000,
    cells,
    html: existsSync(html) ? readFileSync(html, "utf8") : "",
  };
}

const notebook = (...sources: string[]): string =>
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: sources.map((source) => ({ cell_type: "code", source, metadata: {}, outputs: [], execution_count: null })),
  });

const errorOf = (cell: Cell | undefined): Output | undefined => cell?.outputs?.find((o) => o.output_type === "error");

test("--timeout stops a synchronous loop: the notebook so far is written with a TimeoutError in that cell, which is named", () => {
  const r = run(
    "loop",
    notebook('const keep = 7;\nconsole.log("before the loop");', "let spins = 0;\nwhile (true) { spins++; }", "keep"),
    2,
  );
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.seconds < 60, `took ${r.seconds} s`);
  assert.equal(r.cells[0]?.outputs?.[0]?.text, "before the loop\n");
  assert.equal(errorOf(r.cells[1])?.ename, "TimeoutError");
  assert.match(errorOf(r.cells[1])?.evalue ?? "", /longer than 2 s and was interrupted/);
  assert.equal(r.cells[2]?.execution_count, null, "the cell after the failure must not run");
  assert.match(r.stderr, /error: cell 2 \("let spins = 0;"\) failed: TimeoutError/);
  assert.match(r.html, /TimeoutError/);
});

test("--timeout ends the kernel of a cell that ignores the interrupt (blocked in a synchronous call)", () => {
  const r = run("blocked", notebook("1", 'require("node:child_process").execSync("sleep 60");', "2"), 2);
  assert.equal(r.status, 1, r.stderr);
  // The cell's own time, from the progress line: the 2 s limit and the 5 s grace, not the 60 s sleep.
  const cellSeconds = Number(/cell 2 FAILED \(([\d.]+) s\)/.exec(r.stderr)?.[1]);
  assert.ok(cellSeconds < 30, `the cell took ${cellSeconds} s: its blocked kernel was not ended\n${r.stderr}`);
  assert.match(errorOf(r.cells[1])?.evalue ?? "", /did not stop when interrupted, so its kernel was ended/);
  assert.match(r.stderr, /error: cell 2 .*failed: TimeoutError/);
});

test("process.exit in a cell fails that cell with a clear error; the notebook is written and the cell named", () => {
  const r = run("exit", notebook("const keep = 7;", "process.exit(0);", "keep"), 30);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(errorOf(r.cells[1])?.ename, "ExitRefusedError");
  assert.match(errorOf(r.cells[1])?.evalue ?? "", /cannot end the kernel from a cell/);
  assert.match(r.stderr, /error: cell 2 \("process\.exit\(0\);"\) failed: ExitRefusedError/);
});

test("an error that escapes a cell after it ended fails the run at that cell, with the error in its outputs", () => {
  const r = run(
    "late",
    notebook(
      'setTimeout(() => Promise.reject(new Error("after the cell")), 100);\n1',
      "await new Promise((r) => setTimeout(r, 500));\n2",
      "3",
    ),
    30,
  );
  assert.equal(r.status, 1, r.stderr);
  assert.equal(errorOf(r.cells[0])?.evalue, "after the cell");
  assert.match(
    (errorOf(r.cells[0])?.traceback ?? []).join("\n"),
    /after it finished[\s\S]*unhandled promise rejection/,
  );
  assert.equal(r.cells[2]?.execution_count, null);
  assert.match(r.stderr, /error: cell 1 \("setTimeout.*failed: Error: after the cell/);
});

test("a file that is not a notebook gets one line saying what is wrong and what is expected, exit code 2", () => {
  for (const [name, content, what] of [
    ["text", "this is not json", /not valid JSON/],
    ["v3", JSON.stringify({ nbformat: 3, worksheets: [] }), /nbformat is 3/],
    ["nullcell", JSON.stringify({ nbformat: 4, cells: [null] }), /cell 1 is not an object/],
  ] as const) {
    const input = join(dir, `${name}.ipynb`);
    writeFileSync(input, content);
    const r = spawnSync(process.execPath, [join(ROOT, "dist", "cli.js"), "run", input], {
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${name}: expected one line, got:\n${r.stderr}`);
    assert.match(lines[0] ?? "", what);
    assert.match(lines[0] ?? "", /expected a Jupyter notebook: nbformat 4 JSON/);
  }
});
