// seed.info()'s execution provider in plain words: which provider runs and, when "auto" found no GPU provider, one
// actionable line (the seed.executionProvider setting; CUDA needs onnxruntime-node's CUDA binaries, README "GPU"),
// never the runtime's nested probe log. Built on the real runtime's ProviderInfo shape and the real ModelInfo view.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ModelInfoImpl } from "../../../kernel/api/model-info";
import type { ProviderInfo, RuntimeModelInfo } from "../../../kernel/api/model-port";
import { providerLine, providerText } from "../../../kernel/api/provider-text";
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
