// The 10-line usage example in model/runtime/README.md must work as written: this test copies the ```ts block
// verbatim into a file in the repository root, runs it with tsx, and checks its output and the PNG it writes.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(__dirname, "..", "..", "..");

test("the README usage example runs as written", () => {
  const readme = readFileSync(join(ROOT, "model/runtime/README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, "README.md has a ```ts block");
  assert.equal(block.trim().split("\n").length, 10, "the example is 10 lines");
  const file = join(ROOT, `readme-example-${process.pid}.mts`);
  const png = join(ROOT, "recon.png");
  writeFileSync(file, block);
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
    assert.equal(r.status, 0, `example failed:\n${r.stderr}`);
    assert.match(r.stdout, /^0 1 2 .* 24 \n/);
    assert.ok(existsSync(png), "recon.png written");
    assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  } finally {
    rmSync(file, { force: true });
    rmSync(png, { force: true });
  }
});
