// The per-notebook execution queue: cells run one at a time in the order they were queued; when one fails the
// queued ones are cancelled (vscode-jupyter's CellExecutionQueue); interrupt and restart cancel everything queued.
// Generic over the job so that it has no vscode import and is unit-tested under plain Node.

export type JobOutcome = "ok" | "error" | "aborted";

export interface QueueJob {
  /** Runs the job; resolves with its outcome (never rejects: a thrown error counts as "error"). */
  run(): Promise<JobOutcome>;
  /** Called instead of run() when the job is dropped before it started. Must end the job's UI state. */
  cancel(reason: CancelReason): void;
}

export type CancelReason = "previous-failed" | "interrupted" | "restarted" | "cancelled" | "disposed";

export class ExecutionQueue<J extends QueueJob> {
  private readonly pending: J[] = [];
  private current: J | undefined;
  private draining = false;
  private disposed = false;
  private idleWaiters: Array<() => void> = [];

  get running(): J | undefined {
    return this.current;
  }

  get queued(): readonly J[] {
    return this.pending;
  }

  get isIdle(): boolean {
    return this.current === undefined && this.pending.length === 0;
  }

  enqueue(job: J): void {
    if (this.disposed) {
      job.cancel("disposed");
      return;
    }
    this.pending.push(job);
    void this.drain();
  }

  /** Drops one queued job (its cell's cancellation token fired). Returns false if it is running or unknown. */
  remove(job: J, reason: CancelReason = "cancelled"): boolean {
    const i = this.pending.indexOf(job);
    if (i < 0) return false;
    this.pending.splice(i, 1);
    job.cancel(reason);
    this.notifyIfIdle();
    return true;
  }

  /** Cancels every queued job (not the running one); returns how many were dropped. */
  cancelQueued(reason: CancelReason): number {
    const dropped = this.pending.splice(0, this.pending.length);
    for (const job of dropped) job.cancel(reason);
    this.notifyIfIdle();
    return dropped.length;
  }

  /** Resolves when nothing is running or queued. */
  whenIdle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  dispose(): void {
    this.disposed = true;
    this.cancelQueued("disposed");
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const job = this.pending.shift() as J;
        this.current = job;
        let outcome: JobOutcome;
        try {
          outcome = await job.run();
        } catch {
          outcome = "error";
        }
        this.current = undefined;
        if (outcome === "error") this.cancelQueued("previous-failed");
      }
    } finally {
      this.draining = false;
      this.notifyIfIdle();
    }
  }

  private notifyIfIdle(): void {
    if (!this.isIdle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
