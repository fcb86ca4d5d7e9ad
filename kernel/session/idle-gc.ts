// Full garbage collections for the kernel. Every cell compiles a new TypeScript program in tslab's converter (about
// 1.3 MB of garbage per cell, more as a notebook's declarations grow), and V8 lets that pile up to hundreds of MB
// before it collects: 200 different cells run back to back grew the kernel 255 -> 490 MB although what they keep is a
// few kB each. So the kernel collects
//   - once it has been idle for a moment (a notebook that sits idle should not hold that memory), and
//   - after a cell, when the heap has grown by more than a limit since the last collection: "Run All" over a long
//     notebook is never idle, and this keeps it flat (one full collection every few dozen cells, tens of ms each).

import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The V8 full-collection function, exposed at runtime (the process need not start with --expose-gc). */
export function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") return existing;
  setFlagsFromString("--expose-gc");
  // Contexts created after the flag is set get a `gc` global; this one is only used to fetch it.
  const gc: unknown = runInNewContext("gc");
  if (typeof gc !== "function") throw new Error("exposeGc: V8 did not expose gc() after --expose-gc");
  return gc as () => void;
}

/** How much the heap may grow between collections while the kernel stays busy. */
export const DEFAULT_HEAP_GROWTH_BYTES = 48 << 20;

/** Calls `collect` once `delayMs` have passed without another `poke()`, and when a cell left the heap `growthBytes` larger than the last collection did. */
export class IdleCollector {
  private timer: NodeJS.Timeout | undefined;
  /** Heap in use right after the last collection (or at creation). */
  private baseline: number;

  constructor(
    private readonly collect: () => void,
    private readonly delayMs = 1000,
    private readonly growthBytes = DEFAULT_HEAP_GROWTH_BYTES,
    private readonly heapUsed: () => number = () => getHeapStatistics().used_heap_size,
  ) {
    this.baseline = heapUsed();
  }

  /** Something finished; collect if nothing else happens for delayMs. */
  poke(): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, this.delayMs);
    this.timer.unref();
  }

  /** A cell ended: collect now if the heap grew past the limit since the last collection. */
  afterCell(): void {
    if (this.heapUsed() - this.baseline > this.growthBytes) this.run();
  }

  /** Work started: no collection now. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.cancel();
    this.collect();
    this.baseline = this.heapUsed();
  }
}
