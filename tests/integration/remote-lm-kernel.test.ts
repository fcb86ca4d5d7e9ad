// A kernel session whose language model is served remotely (by the fake server of remote-lm-scenarios.ts): seed.info()
// says where the LM runs; a drawing works; HTTP 500, a malformed stream, an interrupt mid-stream and a server that
// went away each end their cell with a clear error, and the next cell runs in the same session.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "./kernelspec-env";

interface Ran {
  result: { status: string; error?: { ename: string; evalue: string } };
  plain?: string;
}

const obs = JSON.parse(
  execFileSync(process.execPath, ["--import", "tsx", join(__dirname, "remote-lm-scenarios.ts")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300_000,
    maxBuffer: 16 << 20,
  })
    .trim()
    .split("\n")
    .pop() ?? "{}",
) as Record<string, unknown>;
const ran = (key: string): Ran => obs[key] as Ran;
const ok = (key: string): void => assert.equal(ran(key).result.status, "ok", JSON.stringify(ran(key)));
const failed = (key: string, re: RegExp): void => {
  const r = ran(key);
  assert.equal(r.result.status, "error", JSON.stringify(r));
  assert.match(r.result.error?.evalue ?? "", re);
};

test("seed.info() names the remote server; a drawing comes back with its image span", () => {
  ok("info");
  assert.equal(ran("info").plain, `'remote ${obs.url} (llama.cpp server, model fake-seed.gguf)'`);
  ok("drawing");
  assert.equal(ran("drawing").plain, "[ 1, 4 ]", "one closed span of the tiny model's 4 codes");
});

test("server failures end the cell with a clear error; the next cell runs", () => {
  failed("http500", /answered HTTP 500 Internal Server Error: slot unavailable/);
  failed("malformed", /malformed stream chunk \(not JSON\)/);
  ok("afterFaults");
  assert.equal(ran("afterFaults").plain, "3");
});

test("interrupt mid-stream ends the cell promptly and the server sees the request cancelled", () => {
  assert.notEqual(ran("interrupted").result.status, "ok");
  assert.ok((obs.interruptMs as number) < 3000, `interrupt took ${obs.interruptMs} ms`);
  // The slow stream had seconds to go: it was cancelled, not finished (an earlier one may have been cut at <img>).
  assert.ok((obs.socketsClosedByClient as number) >= 1, JSON.stringify(obs));
  assert.equal(obs.openStreamsAfterInterrupt, 0);
  ok("afterInterrupt");
  assert.equal(ran("afterInterrupt").plain, "2");
});

test("a server that went away: connection refused, with the URL and how to start one; the kernel lives", () => {
  failed(
    "refused",
    new RegExp(`no language model server at ${obs.url}/v1/(models|completions): the connection was refused`),
  );
  failed("refused", /llama-server -m model\.gguf/);
  ok("afterRefused");
});
