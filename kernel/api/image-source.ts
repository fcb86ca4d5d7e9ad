// Resolves what a cell passes as an image (path relative to the notebook folder, file: URL, bytes, or a SeedImage)
// into a SeedImage through the runtime's image reader. Missing files and unsupported sources fail with the resolved
// path and what is accepted.

import { readFile, stat } from "node:fs/promises";
import { basename, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SeedImageImpl } from "./image";
import type { ModelProxy } from "./model-port";
import { ReconstructionImpl } from "./reconstruction";
import { describe, SeedApiError } from "./validate";

const ACCEPTED =
  "a path (relative to the notebook folder), a file: URL, a Buffer/Uint8Array/ArrayBuffer of PNG/JPEG/WebP/GIF bytes, a SeedImage or a Reconstruction";

/** Reads the bytes of a path or file: URL, with errors that name the resolved path. */
async function readImageFile(call: string, path: string): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SeedApiError(`${call}: ${path} is not a file`);
  } catch (e) {
    if (e instanceof SeedApiError) throw e;
    throw new SeedApiError(
      `${call}: no image file at ${path} (${(e as NodeJS.ErrnoException).code ?? "unreadable"}); paths are relative to the notebook folder`,
    );
  }
  return new Uint8Array(await readFile(path));
}

function urlToPath(call: string, url: URL): string {
  if (url.protocol !== "file:") {
    throw new SeedApiError(
      `${call}: only file: URLs can be read (the kernel does not download), got ${url.protocol}// URL ${url.href}`,
    );
  }
  return fileURLToPath(url);
}

/** Turns a source into a SeedImage (a SeedImage is returned as is, relabelled when `label` is given). */
export async function resolveImage(
  call: string,
  source: unknown,
  model: ModelProxy,
  cwd: string,
  label?: string,
): Promise<SeedImageImpl> {
  if (source instanceof ReconstructionImpl) source = source.image;
  if (source instanceof SeedImageImpl) return label === undefined ? source : (source.withLabel(label) as SeedImageImpl);
  let bytes: Uint8Array;
  let name: string;
  if (typeof source === "string") {
    if (source.trim() === "") throw new SeedApiError(`${call}: the image path is empty; expected ${ACCEPTED}`);
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^file:/i.test(source);
    const path = isUrl ? urlToPath(call, new URL(source)) : isAbsolute(source) ? source : resolve(cwd, source);
    bytes = await readImageFile(call, path);
    name = basename(path);
  } else if (source instanceof URL) {
    const path = urlToPath(call, source);
    bytes = await readImageFile(call, path);
    name = basename(path);
  } else if (source instanceof Uint8Array) {
    bytes = source;
    name = "image";
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
    name = "image";
  } else {
    throw new SeedApiError(`${call}: cannot read an image from ${describe(source)}; expected ${ACCEPTED}`);
  }
  if (bytes.length === 0) throw new SeedApiError(`${call}: the image (${name}) is empty (0 bytes)`);
  const loaded = await model.loadImage(bytes);
  return SeedImageImpl.fromLoaded(loaded, label ?? name);
}
