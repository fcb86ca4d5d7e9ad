// ONNX Runtime sessions: creation with an execution-provider choice and fallback, and `runSession`, the one choke
// point every component goes through. runSession checks feeds against the session's input names (all missing names
// at once, extras rejected) and against the manifest's dtypes and fixed dims, and when ORT throws it rethrows with
// every input's dtype and dims, since ORT's own messages rarely say which input was wrong (transformers.js sessionRun).

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";
import { SeedError } from "./errors";
import { fromHalf, toHalf } from "./float16";
import type { ComponentSpec, IoSpec } from "./manifest-types";
import type { ExecutionProviderChoice, ProviderInfo } from "./types";

export type OrtTensor = ort.Tensor;
export type Feeds = Record<string, ort.Tensor>;

export interface SessionOptions {
  provider: ExecutionProviderChoice;
  threads: number;
}

/** A component's session plus the manifest spec it is checked against. */
export interface ComponentSession {
  readonly name: string;
  readonly session: ort.InferenceSession;
  readonly spec: ComponentSpec;
  readonly provider: ProviderInfo;
}

const GPU_ORDER: readonly ("cuda" | "webgpu")[] = ["cuda", "webgpu"];

/**
 * Creates a session for one ONNX file. `auto` tries each GPU provider the binding lists, then CPU; an explicit GPU
 * choice that fails is an error (the user asked for it). The returned ProviderInfo says which one runs and why.
 */
export async function createSession(
  name: string,
  path: string,
  spec: ComponentSpec,
  opts: SessionOptions,
): Promise<ComponentSession> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
  const tried: string[] = [];
  const unavailable: { name: "cuda" | "webgpu"; why: string }[] = [];
  const candidates =
    opts.provider === "auto"
      ? GPU_ORDER.filter((p) => isListed(p) && gpuLibraryPresent(p))
      : opts.provider === "cpu"
        ? []
        : [opts.provider];
  if (opts.provider === "auto") {
    for (const p of GPU_ORDER) {
      if (!isListed(p)) {
        tried.push(`${p} not in this onnxruntime-node build`);
        unavailable.push({ name: p, why: "not in this onnxruntime-node build" });
      } else if (!gpuLibraryPresent(p)) {
        tried.push(
          p === "cuda"
            ? "cuda provider library not installed (ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install)"
            : "webgpu needs a Vulkan loader (libvulkan.so.1), none found",
        );
        unavailable.push({
          name: p,
          why: p === "cuda" ? "its binaries are not installed" : "the Vulkan loader libvulkan.so.1 is missing",
        });
      }
    }
  }
  for (const p of candidates) {
    try {
      // logSeverityLevel 4 (fatal only) while probing: a missing GPU library is an expected outcome of "auto".
      const probe = opts.provider === "auto" ? { logSeverityLevel: 4 as const } : {};
      const session = await ort.InferenceSession.create(path, { ...base, ...probe, executionProviders: [p] });
      const result = {
        name,
        session,
        spec,
        provider: { name: p, reason: `${p} requested (${opts.provider})`, requested: opts.provider, unavailable },
      };
      checkSessionNames(result);
      return result;
    } catch (e) {
      if (e instanceof SeedError) throw e;
      const msg = firstLine(e);
      if (opts.provider !== "auto") {
        throw new SeedError(
          "session",
          `${name}: execution provider "${p}" failed: ${msg}. Use executionProvider "auto" or "cpu"`,
          { cause: e },
        );
      }
      tried.push(`${p} failed: ${msg}`);
      unavailable.push({ name: p, why: "it failed to start (details in the kernel log)" });
    }
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, { ...base, executionProviders: ["cpu"] });
  } catch (e) {
    throw new SeedError("session", `${name}: could not load ${path}: ${firstLine(e)}`, { cause: e });
  }
  const reason =
    opts.provider === "cpu" ? "cpu requested" : `fell back to cpu (${tried.join("; ") || "no GPU provider"})`;
  const result = {
    name,
    session,
    spec,
    provider: { name: "cpu" as const, reason, requested: opts.provider, unavailable },
  };
  checkSessionNames(result);
  return result;
}

function isListed(p: "cuda" | "webgpu"): boolean {
  try {
    return ort.listSupportedBackends().some((b) => b.name === p);
  } catch {
    return false;
  }
}

/**
 * onnxruntime-node lists CUDA even when its provider library was never downloaded (.npmrc skips it), and
 * probing it then logs an [E:] line to stderr. "auto" skips the probe when the
 * library is absent from the binding folder; an explicit "cuda" still tries, so the user sees ORT's own error.
 */
const VULKAN_LOADER_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib",
];

function gpuLibraryPresent(p: "cuda" | "webgpu"): boolean {
  // WebGPU is bundled in the binding, but on Linux Dawn needs a Vulkan loader; without one, probing only prints
  // "Couldn't load Vulkan" to stderr and fails, so "auto" skips it.
  if (p === "webgpu")
    return process.platform !== "linux" || VULKAN_LOADER_DIRS.some((d) => existsSync(join(d, "libvulkan.so.1")));
  try {
    const binDir = join(
      dirname(require.resolve("onnxruntime-node")),
      "..",
      "bin",
      "napi-v6",
      process.platform,
      process.arch,
    );
    const lib = process.platform === "win32" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
    return existsSync(join(binDir, lib));
  } catch {
    return true; // unknown layout: let the probe decide
  }
}

function firstLine(e: unknown): string {
  let line = (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
  // ORT's check failures read "<file>:<line> <function> <condition> was false. <reason>": keep the reason.
  const reason = / was false\. (.+)$/.exec(line);
  if (reason?.[1]) line = reason[1];
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** The manifest's declared I/O must equal the ONNX graph's, name for name (FORMAT.md loader rules). */
function checkSessionNames(c: ComponentSession): void {
  const declaredIn = c.spec.inputs.map((i) => i.name);
  const declaredOut = c.spec.outputs.map((o) => o.name);
  const problems: string[] = [];
  const diff = (kind: string, declared: string[], actual: readonly string[]): void => {
    const missing = declared.filter((n) => !actual.includes(n));
    const extra = actual.filter((n) => !declared.includes(n));
    if (missing.length)
      problems.push(
        `${kind} ${missing.map((n) => `"${n}"`).join(", ")} declared in seed.json but not in the ONNX graph`,
      );
    if (extra.length)
      problems.push(`${kind} ${extra.map((n) => `"${n}"`).join(", ")} in the ONNX graph but not declared in seed.json`);
  };
  diff("inputs", declaredIn, c.session.inputNames);
  diff("outputs", declaredOut, c.session.outputNames);
  // Declared dtypes and fixed dims must agree with the graph's own metadata (where the graph states them).
  const meta = [...c.session.inputMetadata, ...c.session.outputMetadata];
  for (const io of [...c.spec.inputs, ...c.spec.outputs]) {
    const m = meta.find((x) => x.name === io.name);
    if (!m?.isTensor) continue;
    if (m.type !== io.dtype) problems.push(`"${io.name}" is ${io.dtype} in seed.json but ${m.type} in the ONNX graph`);
    else if (m.shape.length > 0 && m.shape.length !== io.shape.length)
      problems.push(`"${io.name}" has rank ${io.shape.length} in seed.json but ${m.shape.length} in the ONNX graph`);
    else {
      m.shape.forEach((d, i) => {
        const declared = io.shape[i];
        if (typeof d === "number" && d > 0 && typeof declared === "number" && d !== declared) {
          problems.push(`"${io.name}" dim ${i} is ${declared} in seed.json but ${d} in the ONNX graph`);
        }
      });
    }
  }
  if (problems.length > 0) {
    void c.session.release();
    throw new SeedError(
      "manifest",
      `seed.json: components.${c.name} does not match ${c.spec.file}: ${problems.join("; ")}`,
    );
  }
}

function dimsText(t: ort.Tensor): string {
  return `${t.type}[${t.dims.join(",")}]`;
}

/** Checks one fed tensor against its manifest spec: dtype, rank and every fixed dim. */
function checkFeed(component: string, spec: IoSpec, t: ort.Tensor): string | undefined {
  if (t.type !== spec.dtype) return `"${spec.name}" is ${dimsText(t)}, expected dtype ${spec.dtype}`;
  if (t.dims.length !== spec.shape.length)
    return `"${spec.name}" is ${dimsText(t)}, expected rank ${spec.shape.length} [${spec.shape.join(",")}]`;
  for (let i = 0; i < spec.shape.length; i++) {
    const d = spec.shape[i];
    if (typeof d === "number" && t.dims[i] !== d)
      return `"${spec.name}" is ${dimsText(t)}, expected [${spec.shape.join(",")}] (dim ${i} must be ${d})`;
  }
  void component;
  return undefined;
}

/**
 * The one way to run a component. Optional inputs (present in the spec but not in the graph) never reach here:
 * components decide per graph. Throws SeedError("input") for feed mistakes and SeedError("session") for ORT failures.
 */
export async function runSession(c: ComponentSession, feeds: Feeds): Promise<Record<string, ort.Tensor>> {
  const names = c.session.inputNames;
  const missing = names.filter((n) => !(n in feeds));
  const extra = Object.keys(feeds).filter((n) => !names.includes(n));
  const problems: string[] = [];
  if (missing.length) problems.push(`missing input(s) ${missing.map((n) => `"${n}"`).join(", ")}`);
  if (extra.length)
    problems.push(`unexpected input(s) ${extra.map((n) => `"${n}"`).join(", ")} (the graph takes ${names.join(", ")})`);
  const bound = new Map<string, { size: number; input: string }>(); // symbolic dim name -> first size seen
  for (const spec of c.spec.inputs) {
    const t = feeds[spec.name];
    if (!t) continue;
    const p = checkFeed(c.name, spec, t);
    if (p) {
      problems.push(p);
      continue;
    }
    // A symbolic axis (e.g. "batch") must have one size across all inputs.
    spec.shape.forEach((d, i) => {
      if (typeof d !== "string") return;
      const size = t.dims[i] ?? -1;
      const prev = bound.get(d);
      if (!prev) bound.set(d, { size, input: spec.name });
      else if (prev.size !== size)
        problems.push(`axis "${d}" is ${prev.size} in "${prev.input}" but ${size} in "${spec.name}" (${dimsText(t)})`);
    });
  }
  if (problems.length > 0) throw new SeedError("input", `${c.name}: ${problems.join("; ")}`);
  try {
    return await c.session.run(feeds);
  } catch (e) {
    const shapes = Object.entries(feeds)
      .map(([n, t]) => `${n}: ${dimsText(t)}`)
      .join(", ");
    throw new SeedError("session", `${c.name}: onnxruntime failed: ${firstLine(e)}; inputs were ${shapes}`, {
      cause: e,
    });
  }
}

/** Releases sessions, ignoring none of the errors silently: the first failure is rethrown after all were tried. */
export async function releaseSessions(sessions: readonly ComponentSession[]): Promise<void> {
  const results = await Promise.allSettled(sessions.map((s) => s.session.release()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed)
    throw new SeedError("session", `releasing a session failed: ${firstLine(failed.reason)}`, { cause: failed.reason });
}

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, [...dims]);
}

export function int64Tensor(values: readonly number[] | BigInt64Array, dims: readonly number[]): ort.Tensor {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  return new ort.Tensor("int64", data, [...dims]);
}

/**
 * A float input for `name` in the dtype the manifest declares for it: float32 as is, float16 converted (graphs
 * exported in half precision for GPUs take and return float16).
 */
export function feedFloat(c: ComponentSession, name: string, data: Float32Array, dims: readonly number[]): ort.Tensor {
  const dtype = c.spec.inputs.find((i) => i.name === name)?.dtype ?? "float32";
  if (dtype === "float16") return new ort.Tensor("float16", toHalf(data), [...dims]);
  if (dtype !== "float32")
    throw new SeedError(
      "manifest",
      `seed.json: components.${c.name} input "${name}" is ${dtype}, expected float32 or float16`,
    );
  return floatTensor(data, dims);
}

/** Output `name` as float32 data + dims (float16 outputs are converted); throws if the graph returned something else. */
export function outputFloat(
  c: ComponentSession,
  out: Record<string, ort.Tensor>,
  name: string,
): { dims: number[]; data: Float32Array } {
  const t = out[name];
  if (t && t.type === "float32" && t.data instanceof Float32Array) return { dims: [...t.dims], data: t.data };
  if (t && t.type === "float16" && t.data instanceof Uint16Array) return { dims: [...t.dims], data: fromHalf(t.data) };
  throw new SeedError(
    "session",
    `${c.name}: output "${name}" ${t ? `is ${dimsText(t)}` : "is missing"}, expected float32 or float16`,
  );
}

export function outputInt64(
  c: ComponentSession,
  out: Record<string, ort.Tensor>,
  name: string,
): { dims: number[]; data: BigInt64Array } {
  const t = out[name];
  if (t?.type !== "int64" || !(t.data instanceof BigInt64Array)) {
    throw new SeedError(
      "session",
      `${c.name}: output "${name}" ${t ? `is ${dimsText(t)}` : "is missing"}, expected int64`,
    );
  }
  return { dims: [...t.dims], data: t.data };
}
