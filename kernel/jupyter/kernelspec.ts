// `seed-notebook kernel install [--user | --prefix P | --name N]`: writes the Jupyter kernelspec (kernel.json with
// argv running this Node and dist/kernel.js, display name "SEED (TypeScript)", language typescript, interrupt_mode
// "message") and a small logo, into the folder Jupyter searches for that choice.

import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { encodeRgbPng } from "../../model/runtime/png";

export interface InstallOptions {
  /** Kernel name (folder name and the notebook's kernelspec.name). Default "seed". */
  name: string;
  /** Where: the user's data dir, a prefix (PREFIX/share/jupyter/kernels), or the system (/usr/local/share/jupyter). */
  target: { kind: "user" } | { kind: "prefix"; prefix: string } | { kind: "system" };
  /** dist/kernel.js to run. */
  kernelScript: string;
  /** The node binary. Default: the one running now. */
  node?: string;
  /** Extra kernel arguments (e.g. --model DIR). */
  extraArgs?: string[];
}

export const DEFAULT_KERNEL_NAME = "seed";

/** The kernel.json contents. */
export function kernelJson(options: InstallOptions): Record<string, unknown> {
  return {
    argv: [
      options.node ?? process.execPath,
      options.kernelScript,
      "--jupyter",
      "{connection_file}",
      ...(options.extraArgs ?? []),
    ],
    display_name: "SEED (TypeScript)",
    language: "typescript",
    interrupt_mode: "message",
    metadata: { debugger: false },
  };
}

/** The kernels folder Jupyter reads for `target` (XDG data dir for --user on Linux, like jupyter_core). */
export function kernelsDir(target: InstallOptions["target"]): string {
  if (target.kind === "prefix") return join(resolve(target.prefix), "share", "jupyter", "kernels");
  if (target.kind === "system") return "/usr/local/share/jupyter/kernels";
  const data =
    process.env.JUPYTER_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
  return join(data, "kernels");
}

/** A 64x64 logo: a 4x4 grid of token-coloured squares (the token strip motif). */
function logoPng(size: number): Uint8Array {
  const rgb = new Uint8Array(size * size * 3); // [H, W, 3]
  const palette = [
    [66, 133, 244],
    [234, 67, 53],
    [251, 188, 5],
    [52, 168, 83],
  ];
  const cell = size / 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const gx = Math.floor(x / cell);
      const gy = Math.floor(y / cell);
      const inset = x % cell < 1 || y % cell < 1;
      const c = inset ? [255, 255, 255] : (palette[(gx + gy * 3) % 4] as number[]);
      rgb.set(c, (y * size + x) * 3);
    }
  }
  return encodeRgbPng(size, size, rgb);
}

/** Writes the kernelspec; returns the folder written. */
export function installKernelspec(options: InstallOptions): string {
  if (!/^[A-Za-z0-9._-]+$/.test(options.name))
    throw new Error(`kernel name "${options.name}" may only hold letters, digits, ".", "_" and "-"`);
  const dir = join(kernelsDir(options.target), options.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), `${JSON.stringify(kernelJson(options), null, 2)}\n`);
  writeFileSync(join(dir, "logo-64x64.png"), logoPng(64));
  writeFileSync(join(dir, "logo-32x32.png"), logoPng(32));
  return dir;
}
