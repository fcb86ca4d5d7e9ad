// One execution queue per kernel: tasks run one at a time in arrival order. Pending tasks can be dropped at once
// (after a failed cell with stop_on_error, or on interrupt); each dropped task resolves with its own "aborted" value,
// so every caller gets an answer. There is no timed abort window: only tasks queued at the moment of the drop go.

interface Pending<T> {
  run: () => Promise<T>;
  aborted: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export class ExecutionQueue<T> {
  private readonly pending: Pending<T>[] = [];
  private running = false;

  /** True while a task is running. */
  get busy(): boolean {
    return this.running;
  }

  /** Number of tasks waiting (not counting the running one). */
  get waiting(): number {
    return this.pending.length;
  }

  /** Queues `run`; if the task is dropped before it starts, the promise resolves with `aborted()` instead. */
  enqueue(run: () => Promise<T>, aborted: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run, aborted, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /**
   * Drops every waiting task at once (none of them will run); each resolves with its aborted value on the next
   * turn of the event loop, so that the answer of the task that caused the drop goes out first. Returns the count.
   */
  abortPending(): number {
    const dropped = this.pending.splice(0, this.pending.length);
    if (dropped.length > 0) setImmediate(() => dropped.forEach((task) => task.resolve(task.aborted())));
    return dropped.length;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let task = this.pending.shift(); task; task = this.pending.shift()) {
        try {
          task.resolve(await task.run());
        } catch (error) {
          task.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
