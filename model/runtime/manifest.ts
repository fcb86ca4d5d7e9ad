// Parses and validates seed.json (model/FORMAT.md) into a typed SeedManifest. Pure: reads no files other than what it
// is given; package-files.ts checks the files on disk. Every failure names the field and the expected value.

import { SeedError } from "./errors";
import { JsonFields } from "./json-fields";
import {
  type ComponentMemory,
  type ComponentName,
  type ComponentSpec,
  type FileEntry,
  type IoSpec,
  type LanguageModelSpec,
  MANIFEST_FORMAT,
  OPTIONAL_COMPONENTS,
  REQUIRED_COMPONENTS,
  type SeedManifest,
  SUPPORTED_FORMAT_VERSIONS,
  type TensorDtype,
} from "./manifest-types";

const FILE = "seed.json";
const DTYPES: readonly TensorDtype[] = ["float32", "int64", "int32", "float16", "bool"];

/** Parses seed.json text. Throws SeedError("manifest") naming the first wrong field. */
export function parseManifest(text: string): SeedManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SeedError("manifest", `${FILE} is not valid JSON: ${(e as Error).message}`);
  }
  const root = JsonFields.root(value, FILE);
  root.string("format", [MANIFEST_FORMAT]);
  const version = root.number("format_version", { integer: true });
  if (!SUPPORTED_FORMAT_VERSIONS.includes(version)) {
    throw new SeedError(
      "manifest",
      `${FILE}: field "format_version" is ${version}, but this runtime reads only version(s) ${SUPPORTED_FORMAT_VERSIONS.join(", ")}; ` +
        "re-export the package with a matching exporter or update the runtime",
    );
  }

  const img = root.object("image");
  const vt = root.object("visual_tokenizer");
  const det = root.object("detokenizer");
  const dec = root.object("image_decoder");
  const defaults = dec.object("defaults");
  const pos = { integer: true, min: 1 };

  const manifest: SeedManifest = {
    format: MANIFEST_FORMAT,
    format_version: version,
    name: root.string("name"),
    description: root.optString("description", ""),
    image: {
      size: img.numbers("size", 2, pos) as [number, number],
      resample: img.string("resample", ["bilinear", "bicubic", "nearest"]) as "bilinear" | "bicubic" | "nearest",
      mean: img.numbers("mean", 3) as [number, number, number],
      std: img.numbers("std", 3, { min: 1e-12 }) as [number, number, number],
      background: (img.has("background")
        ? img.numbers("background", 3, { integer: true, min: 0, max: 255 })
        : [255, 255, 255]) as [number, number, number],
      alpha: (img.has("alpha") ? img.string("alpha", ["flatten", "drop"]) : "flatten") as "flatten" | "drop",
    },
    visual_tokenizer: {
      num_tokens: vt.number("num_tokens", pos),
      codebook_size: vt.number("codebook_size", pos),
      code_dim: vt.number("code_dim", pos),
      embed_dim: vt.number("embed_dim", pos),
      patch_grid: vt.numbers("patch_grid", 2, pos) as [number, number],
    },
    detokenizer: {
      embedding_dim: det.number("embedding_dim", pos),
      supports_token_mask: det.optBoolean("supports_token_mask", false),
    },
    image_decoder: {
      latent_shape: dec.numbers("latent_shape", 3, pos) as [number, number, number],
      latent_scaling_factor: dec.number("latent_scaling_factor", { min: 1e-12 }),
      output_size: dec.numbers("output_size", 2, pos) as [number, number],
      scheduler_config: dec.string("scheduler_config"),
      unconditional_embedding: dec.string("unconditional_embedding", ["zeros"]) as "zeros",
      defaults: {
        steps: defaults.number("steps", pos),
        guidance_scale: defaults.number("guidance_scale", { min: 0 }),
        eta: defaults.number("eta", { min: 0, max: 1 }),
      },
    },
    language_model: root.has("language_model") ? parseLanguageModel(root.object("language_model")) : undefined,
    components: parseComponents(root.object("components")),
    memory: root.has("memory") ? parseMemory(root.object("memory")) : undefined,
    files: parseFiles(root.object("files")),
  };
  const lm = manifest.language_model;
  if (lm && !manifest.components.language_model && lm.endpoint === undefined) {
    throw new SeedError(
      "manifest",
      `${FILE}: "language_model" is present but neither "components.language_model" (an ONNX graph) nor "language_model.endpoint" (a server) is; add one or drop the block`,
    );
  }
  if (lm && manifest.components.language_model) {
    const missing = (["num_layers", "num_kv_heads", "head_dim"] as const).filter((k) => lm[k] === undefined);
    if (missing.length > 0)
      throw new SeedError(
        "manifest",
        `${FILE}: "language_model" lacks ${missing.map((k) => `"${k}"`).join(", ")}, which the ONNX graph components.language_model needs (its KV cache layout)`,
      );
  }
  if (!manifest.language_model && manifest.components.language_model) {
    throw new SeedError(
      "manifest",
      `${FILE}: "components.language_model" is present but the "language_model" block is missing`,
    );
  }
  checkEveryFileListed(manifest);
  return manifest;
}

function parseLanguageModel(lm: JsonFields): LanguageModelSpec {
  const pos = { integer: true, min: 1 };
  const tpl = lm.object("chat_template");
  const fmt = lm.string("image_token_format");
  if (!/\{:0?(\d+)d\}/.test(fmt))
    lm.fail("image_token_format", 'a Python format string with one integer field such as "<img_{:05d}>"', fmt);
  const endpoint = lm.has("endpoint") ? lm.string("endpoint") : undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint))
    lm.fail("endpoint", 'an http(s) URL of an OpenAI-compatible server such as "http://127.0.0.1:8080"', endpoint);
  return {
    num_layers: lm.has("num_layers") ? lm.number("num_layers", pos) : undefined,
    num_kv_heads: lm.has("num_kv_heads") ? lm.number("num_kv_heads", pos) : undefined,
    head_dim: lm.has("head_dim") ? lm.number("head_dim", pos) : undefined,
    endpoint,
    served_model: lm.has("served_model") ? lm.string("served_model") : undefined,
    vocab_size: lm.number("vocab_size", pos),
    max_position_embeddings: lm.number("max_position_embeddings", pos),
    tokenizer: lm.string("tokenizer"),
    tokenizer_config: lm.string("tokenizer_config"),
    generation_config: lm.has("generation_config") ? lm.string("generation_config") : undefined,
    image_token_offset: lm.number("image_token_offset", { integer: true, min: 0 }),
    image_token_format: fmt,
    boi_token: lm.string("boi_token"),
    eoi_token: lm.string("eoi_token"),
    bos_token: lm.string("bos_token"),
    eos_token: lm.string("eos_token"),
    stop_tokens: lm.strings("stop_tokens"),
    chat_template: {
      system: tpl.optString("system", ""),
      user_prefix: tpl.string("user_prefix"),
      assistant_prefix: tpl.string("assistant_prefix"),
      turn_separator: tpl.string("turn_separator"),
    },
  };
}

function parseIo(list: JsonFields[]): IoSpec[] {
  return list.map((io) => {
    const shape = io.raw("shape");
    if (
      !Array.isArray(shape) ||
      shape.some((d) => !(typeof d === "string" || (typeof d === "number" && Number.isInteger(d) && d >= 0)))
    ) {
      io.fail("shape", 'an array of non-negative integers and axis names such as "batch"', shape);
    }
    return {
      name: io.string("name"),
      dtype: io.string("dtype", DTYPES) as TensorDtype,
      shape: shape as (number | string)[],
    };
  });
}

function parseComponents(c: JsonFields): Partial<Record<ComponentName, ComponentSpec>> {
  const known = [...REQUIRED_COMPONENTS, ...OPTIONAL_COMPONENTS] as readonly string[];
  for (const key of c.keys()) {
    if (!known.includes(key)) c.fail(key, `a known component (one of ${known.join(", ")})`, key);
  }
  const out: Partial<Record<ComponentName, ComponentSpec>> = {};
  for (const name of [...REQUIRED_COMPONENTS, ...OPTIONAL_COMPONENTS]) {
    if (!c.has(name)) {
      if (REQUIRED_COMPONENTS.includes(name)) c.fail(name, "a component entry {file, inputs, outputs}", undefined);
      continue;
    }
    const comp = c.object(name);
    out[name] = {
      file: comp.string("file"),
      external_data: comp.has("external_data") ? comp.strings("external_data") : [],
      inputs: parseIo(comp.objects("inputs")),
      outputs: parseIo(comp.objects("outputs")),
    };
  }
  return out;
}

function parseMemory(m: JsonFields): NonNullable<SeedManifest["memory"]> {
  const comps = m.object("components");
  const known = [...REQUIRED_COMPONENTS, ...OPTIONAL_COMPONENTS] as readonly string[];
  const out: Partial<Record<ComponentName, ComponentMemory>> = {};
  const bytes = { integer: true, min: 0 };
  for (const key of comps.keys()) {
    if (!known.includes(key)) comps.fail(key, `a known component (one of ${known.join(", ")})`, key);
    const e = comps.object(key);
    out[key as ComponentName] = {
      weights_bytes: e.number("weights_bytes", bytes),
      activation_bytes: e.optNumber("activation_bytes", 0, bytes),
      kv_bytes_per_position: e.has("kv_bytes_per_position") ? e.number("kv_bytes_per_position", bytes) : undefined,
    };
  }
  return { components: out };
}

function parseFiles(f: JsonFields): Record<string, FileEntry> {
  const out: Record<string, FileEntry> = {};
  for (const name of f.keys()) {
    const e = f.object(name);
    const sha = e.string("sha256");
    if (!/^[0-9a-f]{64}$/.test(sha)) e.fail("sha256", "64 lowercase hex digits", sha);
    if (name.includes("..") || name.startsWith("/")) f.fail(name, "a path inside the package folder", name);
    out[name] = { bytes: e.number("bytes", { integer: true, min: 0 }), sha256: sha };
  }
  return out;
}

/** Every file the manifest names (components, scheduler config, tokenizer files). */
export function referencedFiles(m: SeedManifest): { field: string; file: string }[] {
  const refs: { field: string; file: string }[] = [];
  for (const [name, spec] of Object.entries(m.components)) {
    if (!spec) continue;
    refs.push({ field: `components.${name}.file`, file: spec.file });
    spec.external_data.forEach((file, i) => refs.push({ field: `components.${name}.external_data[${i}]`, file }));
  }
  refs.push({ field: "image_decoder.scheduler_config", file: m.image_decoder.scheduler_config });
  const lm = m.language_model;
  if (lm) {
    refs.push(
      { field: "language_model.tokenizer", file: lm.tokenizer },
      { field: "language_model.tokenizer_config", file: lm.tokenizer_config },
    );
    if (lm.generation_config) refs.push({ field: "language_model.generation_config", file: lm.generation_config });
  }
  return refs;
}

function checkEveryFileListed(m: SeedManifest): void {
  const missing = referencedFiles(m).filter((r) => !(r.file in m.files));
  if (missing.length > 0) {
    throw new SeedError(
      "manifest",
      `${FILE}: ${missing.map((r) => `"${r.file}" (named by ${r.field})`).join(", ")} not listed in "files"; ` +
        "every file of the package needs an entry {bytes, sha256}",
    );
  }
}
