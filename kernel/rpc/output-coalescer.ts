// Batches one execution's outputs before they become JSON-RPC notifications: consecutive stream chunks of the same
// stream are appended (a loop printing 10,000 lines sends a few messages, not 10,000), rapid updates of the same
// displayId collapse to the latest, and no message carries more than `maxChunkChars` of stream text. Anything else
// (display, result, error, clear) flushes what is pending first, so the order of outputs is kept.
// The timer is injected (tests drive it by hand).

import type { OutputItem } from "../protocol/rpc";

export interface CoalescerTimer {
  /** Runs `fn` once after `ms`; returns a cancel function. */
  set(fn: () => void, ms: number): () => void;
}

export const systemTimer: CoalescerTimer = {
  set(fn, ms) {
    const h = setTimeout(fn, ms);
    return () => clearTimeout(h);
  },
};

export interface CoalescerOptions {
  /** Longest a small output waits before it is sent. Default 50 ms. */
  delayMs?: number;
  /** Most stream characters per message. Default 64 KiB. */
  maxChunkChars?: number;
  timer?: CoalescerTimer;
}

export class OutputCoalescer {
  private pending: OutputItem[] = [];
  private cancelTimer: (() => void) | undefined;
  private readonly delayMs: number;
  private readonly maxChunk: number;
  private readonly timer: CoalescerTimer;

  constructor(
    private readonly send: (output: OutputItem) => void,
    options: CoalescerOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 50;
    this.maxChunk = options.maxChunkChars ?? 65536;
    this.timer = options.timer ?? systemTimer;
    if (!(this.maxChunk >= 1))
      throw new RangeError(`OutputCoalescer: maxChunkChars must be >= 1, got ${this.maxChunk}`);
  }

  push(output: OutputItem): void {
    if (output.kind === "stream") {
      const last = this.pending[this.pending.length - 1];
      if (last?.kind === "stream" && last.name === output.name) {
        this.pending[this.pending.length - 1] = { ...last, text: last.text + output.text };
      } else {
        this.pending.push(output);
      }
      const tail = this.pending[this.pending.length - 1];
      if (tail?.kind === "stream" && tail.text.length >= this.maxChunk) this.flush();
      else this.arm();
      return;
    }
    if (output.kind === "update") {
      const same = this.pending.findIndex((p) => p.kind === "update" && p.displayId === output.displayId);
      if (same >= 0) this.pending[same] = output;
      else this.pending.push(output);
      this.arm();
      return;
    }
    this.pending.push(output);
    this.flush();
  }

  /** Sends everything pending now (call before answering the execute request). */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const items = this.pending;
    this.pending = [];
    for (const item of items) {
      if (item.kind === "stream" && item.text.length > this.maxChunk) {
        for (let i = 0; i < item.text.length; i += this.maxChunk)
          this.send({ ...item, text: item.text.slice(i, i + this.maxChunk) });
      } else {
        this.send(item);
      }
    }
  }

  private arm(): void {
    if (!this.cancelTimer) this.cancelTimer = this.timer.set(() => this.flush(), this.delayMs);
  }
}
