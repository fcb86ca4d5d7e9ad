// Checks a package's files on disk against seed.json's "files" table: every file exists, has the stated size, and
// (on first load) the stated sha256. Verified checksums are cached in a small JSON file keyed by absolute path,
// size and mtime, so later loads of an unchanged package skip hashing. All problems are reported at once.

import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { SeedError } from "./errors";
import type { SeedManifest } from "./manifest-types";

export type ChecksumMode = "cached" | "always" | "never";

interface CacheEntry {
  bytes: number;
  mtimeMs: number;
  sha256: string;
}

/** Default cache folder: $XDG_CACHE_HOME/seed-notebook or ~/.cache/seed-notebook. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "seed-notebook");
}

/** Throws SeedError("package-file") listing every missing, wrong-size or wrong-checksum file. */
export async function verifyPackageFiles(
  dir: string,
  manifest: SeedManifest,
  mode: ChecksumMode,
  cacheDir: string,
): Promise<void> {
  const problems: string[] = [];
  const toHash: { name: string; path: string; bytes: number; mtimeMs: number; sha256: string }[] = [];
  const cachePath = join(cacheDir, "checksums.json");
  const cache = mode === "cached" ? readCache(cachePath) : {};

  for (const [name, entry] of Object.entries(manifest.files)) {
    const path = resolve(dir, name);
    if (!existsSync(path)) {
      problems.push(`"${name}" is missing (seed.json lists it with ${entry.bytes} bytes)`);
      continue;
    }
    const st = statSync(path);
    if (!st.isFile()) {
      problems.push(`"${name}" is not a regular file`);
      continue;
    }
    if (st.size !== entry.bytes) {
      problems.push(
        `"${name}" has ${st.size} bytes, seed.json says ${entry.bytes} (a truncated copy or a stale manifest?)`,
      );
      continue;
    }
    if (mode === "never") continue;
    const hit = cache[path];
    if (hit && hit.bytes === st.size && hit.mtimeMs === st.mtimeMs && hit.sha256 === entry.sha256) continue;
    toHash.push({ name, path, bytes: st.size, mtimeMs: st.mtimeMs, sha256: entry.sha256 });
  }

  let cacheChanged = false;
  for (const f of toHash) {
    const actual = await sha256File(f.path);
    if (actual !== f.sha256) {
      problems.push(
        `"${f.name}" has sha256 ${actual}, seed.json says ${f.sha256} (the file is corrupt or the manifest is stale)`,
      );
    } else if (mode === "cached") {
      cache[f.path] = { bytes: f.bytes, mtimeMs: f.mtimeMs, sha256: actual };
      cacheChanged = true;
    }
  }
  if (cacheChanged) writeCache(cachePath, cache);

  if (problems.length > 0) {
    throw new SeedError(
      "package-file",
      `model package ${dir} does not match its seed.json:\n  - ${problems.join("\n  - ")}`,
    );
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolvePromise(hash.digest("hex")));
  });
}

function readCache(path: string): Record<string, CacheEntry> {
  if (!existsSync(path)) return {};
  try {
    const v: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, CacheEntry>) : {};
  } catch {
    // A corrupt cache only costs a re-hash; it is rewritten below.
    return {};
  }
}

function writeCache(path: string, cache: Record<string, CacheEntry>): void {
  try {
    mkdirSync(join(path, ".."), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, path); // atomic, so concurrent kernels never read a half-written cache
  } catch (e) {
    // An unwritable cache folder must not stop the model from loading: the next load hashes again.
    process.emitWarning(`seed-notebook: could not write checksum cache ${path}: ${(e as Error).message}`);
  }
}
