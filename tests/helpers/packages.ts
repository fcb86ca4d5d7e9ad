// Test model packages: the synthetic tiny package (tests/helpers/tiny-seed, made by make_tiny_package.py), the shipped
// SEED-mini when present, and helpers to copy a package to a temp folder and corrupt it in controlled ways.

import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TINY_PACKAGE = join(__dirname, "tiny-seed");
export const SEED_MINI = join(__dirname, "..", "..", "model", "seed-mini");

/** True when model/seed-mini has a manifest (it is built by the training pipeline). */
export function seedMiniPresent(): boolean {
  return existsSync(join(SEED_MINI, "seed.json"));
}

/** A fresh copy of a package in a temp folder (plus a private checksum cache folder). */
export function copyPackage(src: string = TINY_PACKAGE): { dir: string; cacheDir: string } {
  const root = mkdtempSync(join(tmpdir(), "seed-pkg-"));
  const dir = join(root, "pkg");
  cpSync(src, dir, { recursive: true });
  return { dir, cacheDir: join(root, "cache") };
}

export type JsonObject = { [key: string]: unknown };

/** An edit of seed.json: mutates the parsed object in place, or returns a replacement. */
// biome-ignore lint/suspicious/noConfusingVoidType: callers are in-place mutators (returning void) or return a replacement
export type ManifestEdit = (m: JsonObject) => JsonObject | void;

/** Rewrites seed.json through `edit` (which may mutate the parsed object or return a replacement). */
export function editManifest(dir: string, edit: ManifestEdit): void {
  const path = join(dir, "seed.json");
  const m = JSON.parse(readFileSync(path, "utf8")) as JsonObject;
  writeFileSync(path, JSON.stringify(edit(m) ?? m, null, 1));
}

/** Recomputes the size and sha256 of `file` in seed.json, so a deliberate content change passes the file check. */
export function refreshFileEntry(dir: string, file: string): void {
  const data = readFileSync(join(dir, file));
  editManifest(dir, (m) => {
    (m.files as JsonObject)[file] = { bytes: data.length, sha256: createHash("sha256").update(data).digest("hex") };
  });
}

export function loadOptions(cacheDir: string): { executionProvider: "cpu"; threads: number; cacheDir: string } {
  return { executionProvider: "cpu", threads: 1, cacheDir };
}
