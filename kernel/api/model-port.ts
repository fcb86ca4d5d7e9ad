// The model type the `seed` API runs on: model/runtime's off-thread model proxy. One alias so that the rest of
// kernel/api names the runtime's type in exactly one place.
// NOTE: until model/runtime/index.ts lands this is a placeholder; it becomes
//   export type { ModelProxy } from "../../model/runtime/index";

/** Placeholder for model/runtime's worker proxy (see model/runtime/README.md once it lands). */
export interface ModelProxy {
  dispose(): Promise<void>;
}
