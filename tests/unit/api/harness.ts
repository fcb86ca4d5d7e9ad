// Test harness for the `seed` API: the real runtime (in-process SeedModel) on the tiny synthetic package in
// tests/helpers/tiny-seed (4 tokens, codebook 16, 16x16 images, a small language model), a display sink that records
// every display and update, and an AbortController standing in for the kernel's interrupt.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import type { DisplayHandle, DisplaySink } from "../../../kernel/api/context";
import { createSeedApi } from "../../../kernel/api/create-seed-api";
import type { SeedApi } from "../../../kernel/api/seed";
import type { MimeBundle } from "../../../kernel/protocol/mime";
import type { SeedRuntime } from "../../../model/runtime/index";
import { SeedModel } from "../../../model/runtime/index";

export const TINY_PACKAGE = join(__dirname, "../../helpers/tiny-seed");

let shared: Promise<SeedRuntime> | undefined;
/** One model per test process (loading is the slow part). */
export function tinyModel(): Promise<SeedRuntime> {
  shared ??= SeedModel.load(TINY_PACKAGE, { executionProvider: "cpu", threads: 1 });
  return shared;
}

/** Everything shown, in order: a display (with its id) or an update of an earlier one. */
export interface Shown {
  kind: "display" | "update";
  displayId: string;
  bundle: MimeBundle;
}

export class RecordingSink implements DisplaySink {
  readonly shown: Shown[] = [];
  #next = 0;
  display(bundle: MimeBundle, opts?: { displayId?: string }): DisplayHandle {
    const displayId = opts?.displayId ?? `d${this.#next++}`;
    this.shown.push({ kind: "display", displayId, bundle });
    return { displayId, update: (b: MimeBundle) => this.update(displayId, b) };
  }
  update(displayId: string, bundle: MimeBundle): void {
    this.shown.push({ kind: "update", displayId, bundle });
  }
}

export interface Harness {
  seed: SeedApi;
  sink: RecordingSink;
  controller: AbortController;
  /** A fresh AbortController for the next "execution" (as the kernel makes one per cell). */
  nextExecution(): AbortController;
  cwd: string;
}

/** A seed API over the tiny model; relative paths resolve against a temp folder holding test images. */
export async function harness(): Promise<Harness> {
  const model = await tinyModel();
  const sink = new RecordingSink();
  const cwd = mkdtempSync(join(tmpdir(), "seed-api-"));
  const h: Harness = {
    sink,
    cwd,
    controller: new AbortController(),
    nextExecution() {
      h.controller = new AbortController();
      return h.controller;
    },
    seed: createSeedApi({ model: async () => model, display: sink, signal: () => h.controller.signal, cwd }),
  };
  writeFileSync(join(cwd, "grad.png"), await gradient(24, 24, 0));
  writeFileSync(join(cwd, "other.png"), await gradient(24, 24, 200));
  return h;
}

/** A w x h gradient PNG; `shift` changes the colours. */
export async function gradient(w: number, h: number, shift: number): Promise<Buffer> {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      data.set([(x * 10 + shift) % 256, (y * 10 + shift * 2) % 256, (x * y + shift) % 256], (y * w + x) * 3);
  return sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}
