// seed.info()'s execution provider in plain words: which provider runs and, when "auto" found no GPU provider, one
// actionable line (the seed.executionProvider setting; CUDA needs onnxruntime-node's CUDA binaries, README "GPU"),
// never the runtime's nested probe log. Built on the real runtime's ProviderInfo shape and the real ModelInfo view.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ModelInfoImpl } from "../../../kernel/api/model-info";
import type { ProviderInfo, RuntimeModelInfo } from "../../../kernel/api/model-port";
import { languageModelText, providerLine, providerText } from "../../../kernel/api/provider-text";
import { MIME } from "../../../kernel/protocol/mime";

const fellBack: ProviderInfo = {
  name: "cpu",
  requested: "auto",
  reason:
    "fell back to cpu (cuda provider library not installed (npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12); webgpu needs a Vulkan loader (libvulkan.so.1), none found)",
  unavailable: [
    { name: "cuda", why: "its binaries are not installed" },
    { name: "webgpu", why: "the Vulkan loader libvulkan.so.1 is missing" },
  ],
};

test("auto on a machine without a usable GPU: cpu in plain words, then what to do (setting, CUDA binaries, README GPU)", () => {
  const t = providerText(fellBack);
  assert.equal(
    t.summary,
    "cpu: no GPU provider is available (cuda: its binaries are not installed; webgpu: the Vulkan loader libvulkan.so.1 is missing)",
  );
  assert.match(t.action ?? "", /seed\.executionProvider/);
  assert.match(t.action ?? "", /onnxruntime-node's CUDA binaries \(README, section "GPU"\)/);
  assert.doesNotMatch(providerLine(fellBack), /fell back|npm rebuild/);
  assert.doesNotMatch(t.summary, /\([^)]*\(/, "no nested parentheses");
});

test("an explicit cpu, and a GPU that runs, need no action", () => {
  assert.deepEqual(providerText({ name: "cpu", requested: "cpu", unavailable: [] }), { summary: "cpu, as requested" });
  assert.deepEqual(providerText({ name: "cuda", requested: "auto", unavailable: [] }), {
    summary: 'cuda (GPU), chosen by "auto"',
  });
  assert.equal(providerLine({ name: "cuda", requested: "cuda", unavailable: [] }), "cuda (GPU)");
});

test("seed.info()'s table says which provider runs and the action as its own row; providerReason is the same text", () => {
  const runtime = {
    name: "tiny",
    dir: "/models/tiny",
    provider: fellBack,
    imageSize: [32, 32],
    numTokens: 4,
    codebookSize: 16,
    patchGrid: [2, 2],
    supportsTokenMask: true,
    decodeDefaults: { steps: 4, guidanceScale: 1 },
    hasLanguageModel: true,
  } as unknown as RuntimeModelInfo;
  const info = new ModelInfoImpl(runtime);
  const plain = String(info.toMimeBundle()[MIME.plain]);
  assert.match(
    plain,
    /^execution provider: cpu: no GPU provider is available \(cuda: its binaries are not installed; /m,
  );
  assert.match(plain, /^to use a GPU: To use an NVIDIA GPU, install onnxruntime-node's CUDA binaries/m);
  assert.doesNotMatch(plain, /fell back|npm rebuild/);
  assert.equal(info.providerReason, providerLine(fellBack));
});

test("seed.info() says where the language model runs: in-process, remote (with the server and model), or none", () => {
  assert.equal(
    languageModelText({ kind: "in-process", runtime: "onnxruntime", provider: "cpu" }),
    "in-process (onnxruntime, cpu)",
  );
  assert.equal(
    languageModelText({ kind: "remote", endpoint: "http://gpu:8000", server: "vLLM", model: "seed-llama-8b" }),
    "remote http://gpu:8000 (vLLM, model seed-llama-8b)",
  );
  assert.match(
    languageModelText({
      kind: "remote",
      endpoint: "http://h:1",
      server: "OpenAI-compatible server",
      unreachable: "refused",
    }),
    /^remote http:\/\/h:1 \(OpenAI-compatible server\); not reachable when the model loaded, generate tries again$/,
  );
  assert.equal(languageModelText(undefined), "none");
  const runtime = {
    name: "tiny",
    dir: "/models/tiny",
    provider: fellBack,
    imageSize: [32, 32],
    numTokens: 4,
    codebookSize: 16,
    patchGrid: [2, 2],
    supportsTokenMask: true,
    decodeDefaults: { steps: 4, guidanceScale: 1 },
    hasLanguageModel: true,
    languageModel: { kind: "remote", endpoint: "http://127.0.0.1:8080", server: "llama.cpp server", model: "m.gguf" },
  } as unknown as RuntimeModelInfo;
  const info = new ModelInfoImpl(runtime);
  assert.match(
    String(info.toMimeBundle()[MIME.plain]),
    /^language model: remote http:\/\/127\.0\.0\.1:8080 \(llama\.cpp server, model m\.gguf\)$/m,
  );
  assert.equal(info.languageModel, "remote http://127.0.0.1:8080 (llama.cpp server, model m.gguf)");
});
