// The extension's settings (seed.modelPath, seed.executionProvider, seed.threads, seed.interruptTimeoutMs,
// seed.languageModelEndpoint, seed.languageModelTimeoutMs), read
// through a getter so that this file has no vscode import and is unit-tested under plain Node, and the kernel
// process command line they turn into (`node dist/kernel.js --rpc --cwd DIR [--model DIR] ...`, kernel/main.ts).

export const EXECUTION_PROVIDERS = ["auto", "cpu", "cuda", "webgpu"] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export interface KernelSettings {
  /** Folder holding seed.json; empty = the model bundled with the extension (model/seed-mini). */
  modelPath: string;
  executionProvider: ExecutionProvider;
  /** Intra-op threads for ONNX Runtime; 0 = let the kernel decide. */
  threads: number;
  /** How long an interrupt may take before the extension offers to restart the kernel. */
  interruptTimeoutMs: number;
  /** An OpenAI-compatible server running the language model (llama-server, vLLM); empty = seed.json's, else in-process. */
  languageModelEndpoint: string;
  /** How long (ms) the kernel waits for that server; 0 = the kernel's default. */
  languageModelTimeoutMs: number;
}

export const DEFAULT_SETTINGS: KernelSettings = {
  modelPath: "",
  executionProvider: "auto",
  threads: 0,
  interruptTimeoutMs: 3000,
  languageModelEndpoint: "",
  languageModelTimeoutMs: 0,
};

/** Reads and validates the settings; an invalid value throws an error naming the setting and what is expected. */
export function readKernelSettings(get: (key: keyof KernelSettings) => unknown): KernelSettings {
  const modelPath = get("modelPath") ?? DEFAULT_SETTINGS.modelPath;
  if (typeof modelPath !== "string") {
    throw new Error(`Setting seed.modelPath must be a folder path (string), got ${JSON.stringify(modelPath)}.`);
  }
  const provider = get("executionProvider") ?? DEFAULT_SETTINGS.executionProvider;
  if (typeof provider !== "string" || !(EXECUTION_PROVIDERS as readonly string[]).includes(provider)) {
    throw new Error(
      `Setting seed.executionProvider is ${JSON.stringify(provider)}; expected one of ${EXECUTION_PROVIDERS.join(", ")}.`,
    );
  }
  const threads = get("threads") ?? DEFAULT_SETTINGS.threads;
  if (typeof threads !== "number" || !Number.isInteger(threads) || threads < 0 || threads > 256) {
    throw new Error(`Setting seed.threads must be an integer from 0 (auto) to 256, got ${JSON.stringify(threads)}.`);
  }
  const timeout = get("interruptTimeoutMs") ?? DEFAULT_SETTINGS.interruptTimeoutMs;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 100) {
    throw new Error(
      `Setting seed.interruptTimeoutMs must be a number of milliseconds >= 100, got ${JSON.stringify(timeout)}.`,
    );
  }
  const endpoint = get("languageModelEndpoint") ?? DEFAULT_SETTINGS.languageModelEndpoint;
  if (typeof endpoint !== "string" || (endpoint.trim() !== "" && !/^https?:\/\/[^/\s]+/.test(endpoint.trim()))) {
    throw new Error(
      `Setting seed.languageModelEndpoint must be empty or an http(s) URL such as http://127.0.0.1:8080, got ${JSON.stringify(endpoint)}.`,
    );
  }
  const lmTimeout = get("languageModelTimeoutMs") ?? DEFAULT_SETTINGS.languageModelTimeoutMs;
  if (typeof lmTimeout !== "number" || !Number.isInteger(lmTimeout) || lmTimeout < 0) {
    throw new Error(
      `Setting seed.languageModelTimeoutMs must be an integer number of milliseconds (0 = default), got ${JSON.stringify(lmTimeout)}.`,
    );
  }
  return {
    modelPath: modelPath.trim(),
    executionProvider: provider as ExecutionProvider,
    threads,
    interruptTimeoutMs: timeout,
    languageModelEndpoint: endpoint.trim(),
    languageModelTimeoutMs: lmTimeout,
  };
}

/** Arguments after the script path for the kernel process in JSON-RPC (LSP) mode. */
export function kernelArgs(settings: KernelSettings, cwd: string): string[] {
  const args = ["--rpc", "--cwd", cwd];
  if (settings.modelPath !== "") args.push("--model", settings.modelPath);
  if (settings.executionProvider !== "auto") args.push("--execution-provider", settings.executionProvider);
  if (settings.threads > 0) args.push("--threads", String(settings.threads));
  if (settings.languageModelEndpoint !== "") args.push("--lm-endpoint", settings.languageModelEndpoint);
  if (settings.languageModelTimeoutMs > 0) args.push("--lm-timeout-ms", String(settings.languageModelTimeoutMs));
  return args;
}
