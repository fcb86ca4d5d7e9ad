// Rate-limits a live display: a long generation or denoising run calls push() on every token/step, and the display
// updates at most once per interval (default 100 ms, ~10/s) with the latest value; flush() sends the final update.
// The clock and timer are injected, so tests drive it with a fake clock.

/** Time source and one-shot timer (defaults: Date.now and setTimeout). */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
};

export interface Throttle<T> {
  /** Offers a new value: emitted now if the interval has passed since the last emit, else kept as the pending one. */
  push(value: T): void;
  /** Emits the pending value now (if any) and cancels the timer. Call at the end of a run. */
  flush(): void;
  /** Drops the pending value and cancels the timer (e.g. on error, before a final update of another kind). */
  cancel(): void;
  /** How many times emit was called. */
  readonly emitted: number;
}

/** Wraps `emit` so it runs at most once per `intervalMs`, always with the latest value, plus a final flush. */
export function throttle<T>(emit: (value: T) => void, intervalMs = 100, clock: Clock = systemClock): Throttle<T> {
  if (!(intervalMs >= 0)) throw new RangeError(`throttle: intervalMs must be >= 0, got ${intervalMs}`);
  let last = -Infinity;
  let pending: { value: T } | undefined;
  let cancelTimer: (() => void) | undefined;
  let emitted = 0;

  const fire = (): void => {
    cancelTimer?.();
    cancelTimer = undefined;
    if (!pending) return;
    const { value } = pending;
    pending = undefined;
    last = clock.now();
    emitted++;
    emit(value);
  };

  return {
    push(value: T): void {
      pending = { value };
      const wait = last + intervalMs - clock.now();
      if (wait <= 0) fire();
      else if (!cancelTimer) cancelTimer = clock.setTimer(fire, wait);
    },
    flush: fire,
    cancel(): void {
      cancelTimer?.();
      cancelTimer = undefined;
      pending = undefined;
    },
    get emitted(): number {
      return emitted;
    },
  };
}
