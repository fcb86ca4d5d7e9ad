// The reduced-depth real-SEED test package (real widths and I/O, random weights, real key names), built on demand by
// the Python exporter (python -m model.export_seed.testing.build_fixture) and cached per version of model/export_seed:
// $XDG_CACHE_HOME/seed-notebook/real-seed-fixture/<hash of the exporter's sources>/{package, image.png, reference.json}.
// Python: $SEED_EXPORT_PYTHON, else <repo>/.venv/bin/python (scripts/setup-python.sh creates it from model/requirements.txt).
// Without one the tests skip with that reason, unless SEED_REQUIRE_REAL_SEED=1 (CI), which makes it an error.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";

export const ROOT = join(__dirname, "..", "..");
const EXPORTER = join(ROOT, "model", "export_seed");

export interface EncodedTensor {
  readonly dims: number[];
  readonly b64: string;
}

export interface RealSeedReference {
  readonly pixels: EncodedTensor;
  readonly ids: number[];
  readonly causal_embeddings: EncodedTensor;
  readonly attention_maps: EncodedTensor;
  readonly generation_embedding: EncodedTensor;
  readonly decode: {
    steps: number;
    guidance_scale: number;
    timesteps: number[];
    noise: EncodedTensor;
    latent: EncodedTensor;
    image: EncodedTensor;
  };
  readonly lm: {
    prompt_text: string;
    prompt_ids: number[];
    prefill_logits: EncodedTensor;
    next_id: number;
    step_logits: EncodedTensor;
    greedy: number[];
  };
}

export interface RealSeedFixture {
  readonly packageDir: string;
  readonly imagePath: string;
  readonly reference: RealSeedReference;
}

export function decodeTensor(t: EncodedTensor): { dims: number[]; data: Float32Array } {
  const buf = Buffer.from(t.b64, "base64");
  return { dims: t.dims, data: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
}

function pythonPath(): string | undefined {
  const candidates = [process.env.SEED_EXPORT_PYTHON, join(ROOT, ".venv", "bin", "python")].filter(
    (p): p is string => !!p,
  );
  return candidates.find((p) => existsSync(p));
}

function sourcesHash(): string {
  const h = createHash("sha256");
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== "__pycache__" && name !== "tests") walk(p);
      } else if (name.endsWith(".py")) {
        h.update(relative(EXPORTER, p)).update(readFileSync(p));
      }
    }
  };
  walk(EXPORTER);
  return h.digest("hex").slice(0, 16);
}

/** Where the fixture for the current exporter sources lives (built or not). */
export function realSeedCacheDir(): string {
  const base = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "seed-notebook", "real-seed-fixture");
  return join(base, sourcesHash());
}

let cached: RealSeedFixture | string | undefined;

/** The fixture, building it first when needed (minutes on 2 cores); or the reason it is unavailable. */
export function realSeedFixture(): RealSeedFixture | string {
  if (cached !== undefined) return cached;
  const python = pythonPath();
  if (!python) {
    const why = "no Python for the exporter: set SEED_EXPORT_PYTHON or run scripts/setup-python.sh";
    if (process.env.SEED_REQUIRE_REAL_SEED === "1") throw new Error(`SEED_REQUIRE_REAL_SEED=1 but ${why}`);
    cached = why;
    return why;
  }
  const dir = realSeedCacheDir();
  if (!existsSync(join(dir, "reference.json"))) {
    mkdirSync(join(dir, ".."), { recursive: true });
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    const r = spawnSync(python, ["-m", "model.export_seed.testing.build_fixture", "--out", tmp], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: ROOT },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      throw new Error(
        `building the real-SEED fixture failed (${python} -m model.export_seed.testing.build_fixture, exit ${r.status}):\n${(r.stdout + r.stderr).split("\n").slice(-30).join("\n")}`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  cached = {
    packageDir: join(dir, "package"),
    imagePath: join(dir, "image.png"),
    reference: JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as RealSeedReference,
  };
  return cached;
}
