// The vscode-free parts of the extension: kernelspec detection and writing, settings validation and the kernel
// command line, MIME bundle conversion, and where the kernel's own output (seed/kernelStream) is shown.

import assert from "node:assert/strict";
import { test } from "node:test";
import { logKernelStream } from "../../extension/src/kernel-stream";
import { isSeedNotebook, SEED_KERNELSPEC, withSeedKernelspec } from "../../extension/src/kernelspec";
import { bundleToItems, errorInfoToError, isBase64Mime } from "../../extension/src/mime-bundle";
import { DEFAULT_SETTINGS, type KernelSettings, kernelArgs, readKernelSettings } from "../../extension/src/settings";

const ipynb = (kernelspec: unknown) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec, language_info: { name: "python" } },
});

test("isSeedNotebook reads the kernelspec under the ipynb metadata", () => {
  assert.equal(
    isSeedNotebook(ipynb({ name: "seed", display_name: "SEED (TypeScript)", language: "typescript" })),
    true,
  );
  assert.equal(isSeedNotebook(ipynb({ name: "seed-dev", language: "typescript" })), true);
  assert.equal(isSeedNotebook(ipynb({ name: "seed-dev", language: "python" })), false);
  assert.equal(isSeedNotebook(ipynb({ name: "python3", language: "python" })), false);
  assert.equal(isSeedNotebook({ nbformat: 4 }), false);
  assert.equal(isSeedNotebook(undefined), false);
  // Older flat shape: kernelspec at the top level.
  assert.equal(isSeedNotebook({ kernelspec: { name: "seed" } }), true);
});

test("withSeedKernelspec writes kernelspec and language_info and keeps other keys", () => {
  const before = { ...ipynb({ name: "python3", language: "python" }), indentAmount: " " };
  const after = withSeedKernelspec(before);
  assert.ok(after);
  assert.equal(after.nbformat, 4);
  assert.equal(after.indentAmount, " ");
  const inner = after.metadata as Record<string, Record<string, unknown>>;
  assert.deepEqual(inner.kernelspec, { ...SEED_KERNELSPEC });
  assert.equal(inner.language_info.name, "typescript");
  assert.equal(isSeedNotebook(after), true);
  assert.equal(withSeedKernelspec(after), undefined, "no edit when it already says SEED");
  assert.equal((before.metadata.kernelspec as { name: string }).name, "python3", "input not mutated");
});

test("readKernelSettings applies defaults and rejects bad values with the setting's name", () => {
  assert.deepEqual(
    readKernelSettings(() => undefined),
    DEFAULT_SETTINGS,
  );
  const values: Record<string, unknown> = {
    modelPath: " /models/seed ",
    executionProvider: "cpu",
    threads: 2,
    interruptTimeoutMs: 500,
    languageModelEndpoint: " http://gpu-box:8000 ",
    languageModelTimeoutMs: 60000,
  };
  assert.deepEqual(
    readKernelSettings((k) => values[k]),
    {
      modelPath: "/models/seed",
      executionProvider: "cpu",
      threads: 2,
      interruptTimeoutMs: 500,
      languageModelEndpoint: "http://gpu-box:8000",
      languageModelTimeoutMs: 60000,
    },
  );
  assert.throws(
    () => readKernelSettings((k) => (k === "languageModelEndpoint" ? "gpu-box:8000" : undefined)),
    /seed\.languageModelEndpoint.*http\(s\) URL/,
  );
  assert.throws(
    () => readKernelSettings((k) => (k === "languageModelTimeoutMs" ? -1 : undefined)),
    /seed\.languageModelTimeoutMs/,
  );
  assert.throws(
    () => readKernelSettings((k) => (k === "executionProvider" ? "tpu" : undefined)),
    /seed\.executionProvider.*auto, cpu, cuda, webgpu/,
  );
  assert.throws(() => readKernelSettings((k) => (k === "threads" ? 1.5 : undefined)), /seed\.threads/);
  assert.throws(() => readKernelSettings((k) => (k === "modelPath" ? 3 : undefined)), /seed\.modelPath/);
});

test("kernelArgs passes only non-default options", () => {
  assert.deepEqual(kernelArgs(DEFAULT_SETTINGS, "/nb"), ["--rpc", "--cwd", "/nb"]);
  const s: KernelSettings = {
    modelPath: "/m",
    executionProvider: "cuda",
    threads: 4,
    interruptTimeoutMs: 3000,
    languageModelEndpoint: "http://gpu-box:8000",
    languageModelTimeoutMs: 60000,
  };
  assert.deepEqual(kernelArgs(s, "/nb"), [
    "--rpc",
    "--cwd",
    "/nb",
    "--model",
    "/m",
    "--execution-provider",
    "cuda",
    "--threads",
    "4",
    "--lm-endpoint",
    "http://gpu-box:8000",
    "--lm-timeout-ms",
    "60000",
  ]);
});

test("bundleToItems decodes base64 images, serialises JSON types, keeps order", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const items = bundleToItems({
    "application/vnd.seed.tokens+json": { ids: [1, 2] },
    "image/png": png.toString("base64"),
    "image/svg+xml": "<svg/>",
    "text/plain": "tokens",
  });
  assert.deepEqual(
    items.map((i) => i.mime),
    ["application/vnd.seed.tokens+json", "image/png", "image/svg+xml", "text/plain"],
  );
  assert.deepEqual(JSON.parse(new TextDecoder().decode(items[0].data)), { ids: [1, 2] });
  assert.deepEqual(Buffer.from(items[1].data), png);
  assert.equal(new TextDecoder().decode(items[2].data), "<svg/>");
  assert.equal(isBase64Mime("image/svg+xml"), false);
});

test("bundleToItems rejects malformed bundles naming the MIME type", () => {
  assert.throws(() => bundleToItems({}), /empty MIME bundle/);
  assert.throws(() => bundleToItems({ "image/png": "not base64!" }), /image\/png.*base64/);
  assert.throws(() => bundleToItems({ "text/plain": { a: 1 } }), /text\/plain must be a string/);
});

test("errorInfoToError uses the traceback as the stack", () => {
  const e = errorInfoToError({
    ename: "TypeError",
    evalue: "x is not a function",
    traceback: ["TypeError: x is not a function", "    at cell 3"],
  });
  assert.deepEqual(e, {
    name: "TypeError",
    message: "x is not a function",
    stack: "TypeError: x is not a function\n    at cell 3",
  });
  assert.equal(errorInfoToError({ ename: "E", evalue: "v", traceback: [] }).stack, "E: v");
});

test("seed/kernelStream text goes to the kernel log, one error entry per line, marked as outside any cell", () => {
  const entries: string[] = [];
  const log = { error: (line: string) => void entries.push(line) };
  logKernelStream(log, {
    name: "stderr",
    text: "Error outside any cell (the kernel keeps running): boom\n    at listener (x.ts:1:1)\n",
  });
  assert.deepEqual(entries, [
    "kernel stderr (outside any cell): Error outside any cell (the kernel keeps running): boom",
    "      at listener (x.ts:1:1)",
  ]);
});
