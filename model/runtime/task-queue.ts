// Runs async tasks one at a time, in call order. SeedModel and the worker proxy use it so that a second call while
// one runs waits its turn (documented in README.md: calls are queued, not refused). A task whose AbortFlag is set by
// the time its turn comes is rejected with "aborted" without running. A failed task does not block the ones after it.

import { SeedError, type AbortFlag } from "./errors";

export class TaskQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  /** Tasks waiting or running. */
  get size(): number {
    return this.pending;
  }

  run<T>(what: string, task: () => Promise<T>, signal?: AbortFlag): Promise<T> {
    this.pending++;
    const result = this.tail.then(() => {
      if (signal?.aborted) throw new SeedError("aborted", `${what} was aborted before it started`);
      return task();
    });
    const done = (): void => {
      this.pending--;
    };
    this.tail = result.then(done, done);
    return result;
  }
}
