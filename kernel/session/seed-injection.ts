// Puts the `seed` object into a cell engine: a prelude cell `declare const seed: import("<abs>/seed.d.ts").SeedApi;`
// gives every later cell its types (and, through seed.d.ts's `/// <reference types="node" />`, Node's globals in any
// notebook folder: tslab only reads type roots from its start folder), and the executor's locals
// get the object itself. The model behind it loads lazily on first use and is kept.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DisplaySink, ModelProxy, SeedApiContext } from "../api/context";
import type { ControlHub } from "../api/control-hub";
import { createSeedApi } from "../api/create-seed-api";
import type { CellEngine } from "../executor/tslab-adapter";

/** Opens the model (model/runtime's worker proxy); called at most once per session, on first use. */
export type ModelLoader = () => Promise<ModelProxy>;

export interface SeedInjectionOptions {
  cwd: string;
  loadModel: ModelLoader;
  display: DisplaySink;
  signal: () => AbortSignal;
  /** The session's views with live controls. */
  controls?: ControlHub;
  /** Called once the model has loaded (e.g. to tell the frontend which execution provider runs it). */
  onModelLoaded?: (model: ModelProxy) => void;
}

export interface InjectedSeed {
  /** The model once it has loaded; undefined before first use or after a failed load. */
  loadedModel(): ModelProxy | undefined;
  /** Disposes the model if it was ever loaded. */
  close(): Promise<void>;
}

/** seed.d.ts beside the bundle (dist/seed.d.ts, copied by esbuild.mjs) or in the source tree (tsx, tests). */
export function seedDeclarationsPath(): string {
  const candidates = [
    join(__dirname, "seed.d.ts"),
    join(__dirname, "..", "api", "seed.d.ts"),
    join(__dirname, "..", "kernel", "api", "seed.d.ts"),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `seed.d.ts not found (looked at ${candidates.join(", ")}); run "npm run build" so that dist/seed.d.ts exists`,
    );
  return found;
}

/** The prelude cell that declares `seed` with the public types. */
export function seedPrelude(declarationsPath: string): string {
  return `declare const seed: import(${JSON.stringify(declarationsPath.replace(/\.d\.ts$/, ""))}).SeedApi;`;
}

/** Injects `seed` into `engine`. */
export async function injectSeedApi(engine: CellEngine, options: SeedInjectionOptions): Promise<InjectedSeed> {
  let model: Promise<ModelProxy> | undefined;
  let loaded: ModelProxy | undefined;
  const context: SeedApiContext = {
    model: () => {
      // A failed load is not kept, so the next cell can retry (e.g. after the user fixes SEED_MODEL_PATH).
      model ??= options.loadModel().then(
        (m) => {
          loaded = m;
          options.onModelLoaded?.(m);
          return m;
        },
        (e: unknown) => {
          model = undefined;
          throw e;
        },
      );
      return model;
    },
    display: options.display,
    signal: options.signal,
    cwd: options.cwd,
    ...(options.controls ? { controls: options.controls } : {}),
  };
  await engine.declare(seedPrelude(seedDeclarationsPath()));
  engine.setLocal("seed", createSeedApi(context));
  return {
    loadedModel: () => loaded,
    async close(): Promise<void> {
      const pending = model;
      model = undefined;
      loaded = undefined;
      if (pending) await (await pending.catch(() => undefined))?.dispose();
    },
  };
}
