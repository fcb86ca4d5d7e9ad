// Timing statistics for the benchmarks: repeated measurement of an async or sync function, and the summary every
// row prints (median with p10-p90 and min-max spread). Times are milliseconds from process.hrtime.bigint().

/** Samples of one measured quantity, in milliseconds, plus the count of warm-up runs that were discarded. */
export interface Samples {
  readonly ms: readonly number[];
  readonly warmup: number;
}

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` warmup times untimed, then `reps` times timed; each sample is one call's wall time. */
export async function measure(fn: () => unknown, reps: number, warmup = 1): Promise<Samples> {
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`measure: reps must be an integer >= 1, got ${reps}`);
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = nowMs();
    await fn();
    ms.push(nowMs() - t0);
  }
  return { ms, warmup };
}

/** Linear-interpolated quantile (q in [0, 1]) of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of no samples");
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

export function summarize(ms: readonly number[]): Summary {
  if (ms.length === 0) throw new Error("summarize: no samples (a benchmark row ran zero times)");
  const s = [...ms].sort((x, y) => x - y);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p10: quantile(s, 0.1),
    p90: quantile(s, 0.9),
    min: s[0] ?? 0,
    max: s[s.length - 1] ?? 0,
  };
}

/** Formats milliseconds with about 3 significant digits (0.512, 5.12, 51.2, 512, 5120). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const a = Math.abs(ms);
  if (a >= 100) return ms.toFixed(0);
  if (a >= 10) return ms.toFixed(1);
  if (a >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** "5.12 (4.90-5.60)": median and p10-p90; with fewer than 5 samples the spread is min-max. */
export function fmtSummary(s: Summary): string {
  const [lo, hi] = s.n >= 5 ? [s.p10, s.p90] : [s.min, s.max];
  return `${fmtMs(s.median)} (${fmtMs(lo)}-${fmtMs(hi)})`;
}

export function fmtBytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;
}
