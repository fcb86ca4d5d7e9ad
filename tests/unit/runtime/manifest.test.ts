// Loading a package: seed.json validation (magic, version, fields, file table) and the on-disk checks (missing
// file, wrong size, wrong sha256, the checksum cache), and the ONNX I/O names checked against the manifest.
// Every error must name the field or file and the expected value.

import assert from "node:assert/strict";
import { readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { SeedError, SeedModel } from "../../../model/runtime/index";
import { parseManifest } from "../../../model/runtime/manifest";
import { verifyPackageFiles } from "../../../model/runtime/package-files";
import {
  copyPackage,
  editManifest,
  type JsonObject,
  loadOptions,
  refreshFileEntry,
  TINY_PACKAGE,
} from "../../helpers/packages";

const tinyText = readFileSync(join(TINY_PACKAGE, "seed.json"), "utf8");
const tiny = (): JsonObject => JSON.parse(tinyText) as JsonObject;
const parse = (m: unknown): unknown => parseManifest(JSON.stringify(m));

test("the tiny package's manifest parses with the values it declares", () => {
  const m = parseManifest(tinyText);
  assert.equal(m.visual_tokenizer.num_tokens, 4);
  assert.deepEqual(m.image.size, [16, 16]);
  assert.equal(m.language_model?.image_token_format, "<img_{:05d}>");
  assert.deepEqual(
    m.components.detokenizer?.inputs.map((i) => i.name),
    ["ids", "token_mask"],
  );
});

test("format magic, version and field types are checked by name", () => {
  assert.throws(() => parseManifest("{not json"), /seed\.json is not valid JSON/);
  assert.throws(
    () => parse({ ...tiny(), format: "onnx" }),
    /field "format" must be one of \["seed-model"\], got "onnx"/,
  );
  assert.throws(
    () => parse({ ...tiny(), format_version: 2 }),
    /"format_version" is 2, but this runtime reads only version\(s\) 1/,
  );
  const m = tiny();
  (m.image as JsonObject).size = [64];
  assert.throws(() => parse(m), /field "image\.size" must be an array of 2 integers >= 1, got \[64\]/);
  const m2 = tiny();
  delete (m2.visual_tokenizer as JsonObject).codebook_size;
  assert.throws(
    () => parse(m2),
    /field "visual_tokenizer\.codebook_size" must be an integer >= 1, got nothing \(the field is missing\)/,
  );
  const m3 = tiny();
  (m3.image as JsonObject).resample = "lanczos";
  assert.throws(() => parse(m3), /"image\.resample" must be one of \["bilinear","bicubic","nearest"\]/);
  const m4 = tiny();
  delete (m4.components as JsonObject).denoiser;
  assert.throws(() => parse(m4), /field "components\.denoiser" must be a component entry/);
  const m5 = tiny();
  (m5.components as JsonObject).unet = {};
  assert.throws(() => parse(m5), /"components\.unet" must be a known component/);
});

test("every referenced file must be listed in files, with a well-formed sha256", () => {
  const m = tiny();
  delete (m.files as JsonObject)["denoiser.onnx"];
  assert.throws(() => parse(m), /"denoiser\.onnx" \(named by components\.denoiser\.file\) not listed in "files"/);
  const m2 = tiny();
  ((m2.files as JsonObject)["encoder.onnx"] as JsonObject).sha256 = "abc";
  assert.throws(() => parse(m2), /"files\.encoder\.onnx\.sha256" must be 64 lowercase hex digits/);
});

test("missing files, wrong sizes and wrong checksums are all reported at once", async () => {
  const { dir, cacheDir } = copyPackage();
  rmSync(join(dir, "quantizer.onnx"));
  writeFileSync(join(dir, "scheduler_config.json"), "{}");
  const enc = readFileSync(join(dir, "encoder.onnx"));
  enc[enc.length - 1] ^= 0xff; // same size, different bytes
  writeFileSync(join(dir, "encoder.onnx"), enc);
  const err = await SeedModel.load(dir, loadOptions(cacheDir)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof SeedError, String(err));
  assert.equal(err.code, "package-file");
  assert.match(err.message, /"quantizer\.onnx" is missing/);
  assert.match(err.message, /"scheduler_config\.json" has 2 bytes, seed\.json says \d+/);
  assert.match(err.message, /"encoder\.onnx" has sha256 [0-9a-f]{64}, seed\.json says [0-9a-f]{64}/);
});

test("a verified checksum is cached by path, size and mtime", async () => {
  const { dir, cacheDir } = copyPackage();
  const m = parseManifest(readFileSync(join(dir, "seed.json"), "utf8"));
  const path = join(dir, "encoder.onnx");
  const when = new Date("2026-01-02T03:04:05Z"); // whole seconds, so utimes can restore it exactly
  utimesSync(path, when, when);
  await verifyPackageFiles(dir, m, "cached", cacheDir); // hashes and caches
  const cache = JSON.parse(readFileSync(join(cacheDir, "checksums.json"), "utf8")) as Record<string, unknown>;
  assert.ok(join(dir, "encoder.onnx") in cache);
  // Corrupt a byte but keep size and mtime: the cache (by design) trusts it; "always" re-hashes and catches it.
  const bytes = readFileSync(path);
  bytes[100] ^= 0xff;
  writeFileSync(path, bytes);
  utimesSync(path, when, when);
  await verifyPackageFiles(dir, m, "cached", cacheDir);
  await assert.rejects(verifyPackageFiles(dir, m, "always", cacheDir), /"encoder\.onnx" has sha256/);
  // A new mtime invalidates the cache entry.
  utimesSync(path, when, new Date(when.getTime() + 5000));
  await assert.rejects(verifyPackageFiles(dir, m, "cached", cacheDir), /"encoder\.onnx" has sha256/);
});

test("manifest I/O names must match the ONNX graph", async () => {
  const { dir, cacheDir } = copyPackage();
  editManifest(dir, (m) => {
    const enc = (m.components as JsonObject).encoder as { inputs: { name: string }[] };
    enc.inputs[0]!.name = "pixels";
  });
  await assert.rejects(
    SeedModel.load(dir, loadOptions(cacheDir)),
    /components\.encoder does not match encoder\.onnx: inputs "pixels" declared in seed\.json but not in the ONNX graph; inputs "pixel_values" in the ONNX graph but not declared/,
  );
});

test("a component that fails to load fails the whole load (nothing half-loaded), with the file named", async () => {
  const { dir, cacheDir } = copyPackage();
  writeFileSync(join(dir, "language_model.onnx"), "this is not an onnx file");
  refreshFileEntry(dir, "language_model.onnx");
  await assert.rejects(
    SeedModel.load(dir, loadOptions(cacheDir)),
    (e: unknown) =>
      e instanceof SeedError &&
      e.code === "session" &&
      /language_model: could not load .*language_model\.onnx/.test(e.message),
  );
});

test("a missing seed.json and an unknown tokenizer token are named", async () => {
  const { dir, cacheDir } = copyPackage();
  await assert.rejects(
    SeedModel.load(join(dir, "nope"), loadOptions(cacheDir)),
    /no seed\.json in .*nope; expected a SEED model package folder/,
  );
  editManifest(dir, (m) => {
    (m.language_model as JsonObject).boi_token = "<image>";
  });
  await assert.rejects(
    SeedModel.load(dir, loadOptions(cacheDir)),
    /token "<image>" \(seed\.json language_model\.boi_token\) is not in the vocabulary/,
  );
  editManifest(dir, (m) => {
    (m.language_model as JsonObject).boi_token = "<img>";
    (m.language_model as JsonObject).image_token_offset = 333;
  });
  await assert.rejects(
    SeedModel.load(dir, loadOptions(cacheDir)),
    /image token "<img_00000>" has id 332, expected image_token_offset \+ 0 = 333/,
  );
});

test("declared dtypes and fixed dims must match the graph's metadata; the KV layout must match the cache inputs", async () => {
  const { dir, cacheDir } = copyPackage();
  editManifest(dir, (m) => {
    const det = (m.components as JsonObject).detokenizer as {
      inputs: { dtype: string }[];
      outputs: { shape: unknown[] }[];
    };
    det.inputs[0]!.dtype = "int32";
    det.outputs[0]!.shape = ["batch", 99];
  });
  await assert.rejects(
    SeedModel.load(dir, loadOptions(cacheDir)),
    /components\.detokenizer does not match detokenizer\.onnx: "ids" is int32 in seed\.json but int64 in the ONNX graph; "generation_embedding" dim 1 is 99 in seed\.json but 12 in the ONNX graph/,
  );
  const second = copyPackage();
  editManifest(second.dir, (m) => {
    (m.language_model as JsonObject).head_dim = 8;
  });
  await assert.rejects(
    SeedModel.load(second.dir, loadOptions(second.cacheDir)),
    /past_key_values\.0\.key is \[batch,2,past,4\] in the graph, but seed\.json says num_kv_heads=2, head_dim=8/,
  );
});

test("a remote-only language model: language_model.endpoint without the graph validates; neither is an error", async () => {
  const remoteOnly = (): JsonObject => {
    const m = tiny();
    const lm = m.language_model as JsonObject;
    const comps = m.components as JsonObject;
    const files = m.files as JsonObject;
    delete files[(comps.language_model as JsonObject).file as string];
    delete comps.language_model;
    for (const k of ["num_layers", "num_kv_heads", "head_dim"]) delete lm[k];
    lm.endpoint = "http://gpu-box:8000";
    lm.served_model = "seed-llama-8b";
    return m;
  };
  const m = parseManifest(JSON.stringify(remoteOnly()));
  assert.equal(m.components.language_model, undefined);
  assert.equal(m.language_model?.endpoint, "http://gpu-box:8000");
  assert.equal(m.language_model?.served_model, "seed-llama-8b");
  const neither = remoteOnly();
  delete (neither.language_model as JsonObject).endpoint;
  assert.throws(
    () => parse(neither),
    /neither "components\.language_model" \(an ONNX graph\) nor "language_model\.endpoint" \(a server\)/,
  );
  const bad = remoteOnly();
  (bad.language_model as JsonObject).endpoint = "gpu-box:8000";
  assert.throws(() => parse(bad), /language_model.*endpoint.*an http\(s\) URL/);
  const graphWithoutLayout = tiny();
  delete (graphWithoutLayout.language_model as JsonObject).head_dim;
  assert.throws(
    () => parse(graphWithoutLayout),
    /lacks "head_dim", which the ONNX graph components\.language_model needs/,
  );
  // On disk: the package without language_model.onnx loads; generate goes to the endpoint (nothing listens there).
  const { dir, cacheDir } = copyPackage();
  editManifest(dir, () => ({
    ...remoteOnly(),
    language_model: { ...(remoteOnly().language_model as JsonObject), endpoint: "http://127.0.0.1:9" },
  }));
  rmSync(join(dir, "language_model.onnx"));
  const model = await SeedModel.load(dir, { ...loadOptions(cacheDir), languageModelTimeoutMs: 2000 });
  try {
    assert.equal(model.info.languageModel?.kind, "remote");
    assert.equal(model.info.hasLanguageModel, true);
    await assert.rejects(
      model.generate([{ role: "user", content: "hi" }], { maxNewTokens: 2 }),
      (e: unknown) => e instanceof SeedError && e.code === "remote" && /http:\/\/127\.0\.0\.1:9/.test(e.message),
    );
  } finally {
    await model.dispose();
  }
});
