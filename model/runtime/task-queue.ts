// Runs async tasks one at a time, in call order. SeedModel and the worker proxy use it so that a second call while
// one runs waits its turn (documented in README.md: calls are queued, not refused); the kernel queues its cells
// with it. A waiting task whose signal fires
// is rejected with "aborted" at once (when the signal is an AbortSignal; a plain flag is checked when its turn
// comes) and never runs. A failed task does not block the ones after it.

import { type AbortFlag, SeedError } from "./errors";

export class TaskQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Tasks that have left the waiting line (started, or dropped by their signal) and are not finished yet. */
  private leftWaiting = 0;

  /** Tasks waiting or running. */
  get size(): number {
    return this.pending;
  }

  /** Tasks waiting for their turn (not counting the running one, nor those whose signal already dropped them). */
  get waiting(): number {
    return this.pending - this.leftWaiting;
  }

  run<T>(what: string, task: () => Promise<T>, signal?: AbortFlag): Promise<T> {
    this.pending++;
    let started = false;
    let rejectEarly: ((e: unknown) => void) | undefined;
    const early = new Promise<never>((_, reject) => (rejectEarly = reject));
    const aborted = (): SeedError => new SeedError("aborted", `${what} was aborted before it started`);
    const target = signal as Partial<AbortSignal> | undefined;
    let counted = true; // still counted as waiting
    const uncount = (): void => {
      if (counted) this.leftWaiting++;
      counted = false;
    };
    const onAbort = (): void => {
      if (started) return;
      uncount();
      rejectEarly?.(aborted());
    };
    target?.addEventListener?.("abort", onAbort, { once: true });
    const turn = this.tail.then(() => {
      started = true;
      uncount();
      target?.removeEventListener?.("abort", onAbort);
      if (signal?.aborted) throw aborted();
      return task();
    });
    const done = (): void => {
      this.pending--;
      this.leftWaiting--;
    };
    this.tail = turn.then(done, done); // the queue waits for the task itself, even when its caller was answered early
    early.catch(() => undefined); // handled through the race below
    return Promise.race([turn, early]);
  }
}
