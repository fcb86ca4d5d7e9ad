// `seed-notebook kernel install` output (kernel.json fields Jupyter reads, logo files, target folders) and the
// validation of the kernel's command-line options.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { channelAddress, parseConnection } from "../../../kernel/jupyter/connection";
import { installKernelspec, kernelsDir } from "../../../kernel/jupyter/kernelspec";
import { languageModelOptions, parseCommandLine } from "../../../kernel/session/kernel-options";

test("kernel install --prefix writes kernel.json (message interrupts, typescript) and PNG logos", () => {
  const prefix = mkdtempSync(join(tmpdir(), "seed-spec-"));
  const dir = installKernelspec({
    name: "seed",
    target: { kind: "prefix", prefix },
    kernelScript: "/opt/seed/dist/kernel.js",
    node: "/usr/bin/node",
    extraArgs: ["--model", "/m"],
  });
  assert.equal(dir, join(prefix, "share", "jupyter", "kernels", "seed"));
  const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as Record<string, unknown>;
  assert.deepEqual(spec.argv, [
    "/usr/bin/node",
    "/opt/seed/dist/kernel.js",
    "--jupyter",
    "{connection_file}",
    "--model",
    "/m",
  ]);
  assert.equal(spec.display_name, "SEED (TypeScript)");
  assert.equal(spec.language, "typescript");
  assert.equal(spec.interrupt_mode, "message");
  const logo = readFileSync(join(dir, "logo-64x64.png"));
  assert.equal(logo.subarray(1, 4).toString(), "PNG");
  assert.equal(logo.readUInt32BE(16), 64);
  assert.ok(existsSync(join(dir, "logo-32x32.png")));
  assert.throws(
    () => installKernelspec({ name: "bad name", target: { kind: "prefix", prefix }, kernelScript: "k.js" }),
    /may only hold/,
  );
});

test("--user installs under JUPYTER_DATA_DIR (or the XDG data dir)", () => {
  const saved = process.env.JUPYTER_DATA_DIR;
  process.env.JUPYTER_DATA_DIR = "/tmp/jdata";
  try {
    assert.equal(kernelsDir({ kind: "user" }), "/tmp/jdata/kernels");
  } finally {
    if (saved === undefined) delete process.env.JUPYTER_DATA_DIR;
    else process.env.JUPYTER_DATA_DIR = saved;
  }
});

test("kernel options are parsed with the caller's own options and validated with messages naming the option", () => {
  const args = ["--rpc", "--threads", "3", "--execution-provider", "cpu", "--model", "/m", "--cwd", "/w"];
  const { values, kernel, positionals } = parseCommandLine(args, { rpc: { type: "boolean" } });
  assert.equal(values.rpc, true);
  assert.deepEqual(positionals, []);
  assert.deepEqual(kernel, { executionProvider: "cpu", cwd: "/w", model: "/m", threads: 3 });
  const none = {};
  assert.deepEqual(parseCommandLine([], none).kernel, { executionProvider: "auto", cwd: process.cwd() });
  assert.throws(() => parseCommandLine(["--threads", "0"], none), /--threads must be a positive integer, got "0"/);
  assert.throws(
    () => parseCommandLine(["--execution-provider", "tpu"], none),
    /must be one of auto, cpu, cuda, webgpu, got "tpu"/,
  );
  assert.throws(() => parseCommandLine(["--model"], none), /--model <value>' argument missing/);
  assert.throws(() => parseCommandLine(["--modle", "/m"], none), /Unknown option '--modle'/);
  assert.throws(() => parseCommandLine(["nb.ipynb"], none), /Unexpected argument 'nb.ipynb'/);
  assert.deepEqual(parseCommandLine(["nb.ipynb"], none, true).positionals, ["nb.ipynb"]);
});

test("connection files: fields checked, addresses built per transport", () => {
  const info = parseConnection(
    JSON.stringify({
      ip: "127.0.0.1",
      transport: "tcp",
      key: "k",
      signature_scheme: "hmac-sha256",
      shell_port: 1,
      control_port: 2,
      stdin_port: 3,
      iopub_port: 4,
      hb_port: 5,
    }),
  );
  assert.equal(channelAddress(info, "iopub"), "tcp://127.0.0.1:4");
  assert.equal(channelAddress({ ...info, transport: "ipc", ip: "/tmp/k" }, "hb"), "ipc:///tmp/k-5");
  assert.throws(() => parseConnection(JSON.stringify({ shell_port: 1 })), /"control_port" must be a port number/);
  assert.throws(
    () => parseConnection(JSON.stringify({ ...info, signature_scheme: "hmac-md5" })),
    /only signature_scheme "hmac-sha256"/,
  );
});

test("the language model server: --lm-* flags, else SEED_LM_* environment variables, both validated", () => {
  const args = ["--lm-endpoint", "http://gpu:8000", "--lm-model", "seed-8b", "--lm-timeout-ms", "5000", "x.ipynb"];
  const { kernel: o, positionals } = parseCommandLine(args, {}, true);
  assert.deepEqual(positionals, ["x.ipynb"]);
  assert.deepEqual(languageModelOptions(o, { SEED_LM_ENDPOINT: "http://other:1" }), {
    languageModelEndpoint: "http://gpu:8000",
    languageModelName: "seed-8b",
    languageModelTimeoutMs: 5000,
  });
  const none = parseCommandLine([], {}).kernel;
  assert.deepEqual(
    languageModelOptions(none, {
      SEED_LM_ENDPOINT: " http://127.0.0.1:8080 ",
      SEED_LM_MODEL: "m",
      SEED_LM_TIMEOUT_MS: "700",
    }),
    { languageModelEndpoint: "http://127.0.0.1:8080", languageModelName: "m", languageModelTimeoutMs: 700 },
  );
  assert.deepEqual(languageModelOptions(none, {}), {
    languageModelEndpoint: undefined,
    languageModelName: undefined,
    languageModelTimeoutMs: undefined,
  });
  assert.throws(() => parseCommandLine(["--lm-endpoint", "gpu:8000"], {}), /--lm-endpoint must be an http\(s\) URL/);
  assert.throws(() => parseCommandLine(["--lm-timeout-ms", "soon"], {}), /--lm-timeout-ms must be a positive integer/);
  assert.throws(
    () => languageModelOptions(none, { SEED_LM_ENDPOINT: "localhost" }),
    /SEED_LM_ENDPOINT must be an http\(s\) URL/,
  );
});
