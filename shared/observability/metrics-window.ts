/**
 * What the local runtime's GET /metrics reports: the latest samples of each latency metric (a bounded
 * ring per name, so memory stays flat however long the process runs) and sums of the counters, since the
 * process started. On AWS CloudWatch keeps the metrics (the EMF lines) and the dashboard shows them; this
 * window is only the embedded runtime's view of the same figures.
 */
export const SAMPLES_PER_METRIC = 4096;

interface Ring {
  values: Float64Array;
  next: number;
  count: number;
  max: number;
}

const rings = new Map<string, Ring>();
const counters = new Map<string, number>();
let since = new Date();

export function observeLatency(name: string, ms: number): void {
  if (!Number.isFinite(ms)) return;
  let ring = rings.get(name);
  if (!ring) {
    ring = { values: new Float64Array(SAMPLES_PER_METRIC), next: 0, count: 0, max: 0 };
    rings.set(name, ring);
  }
  ring.values[ring.next] = ms;
  ring.next = (ring.next + 1) % SAMPLES_PER_METRIC;
  ring.count += 1;
  ring.max = Math.max(ring.max, ms);
}

export function observeCount(name: string, value: number): void {
  if (!Number.isFinite(value)) return;
  counters.set(name, (counters.get(name) ?? 0) + value);
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

export interface LatencySummary {
  name: string;
  /** Samples observed since the start (the percentiles cover the latest SAMPLES_PER_METRIC). */
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function latencySummaries(): LatencySummary[] {
  return [...rings.entries()].map(([name, ring]) => {
    const kept = Array.from(ring.values.subarray(0, Math.min(ring.count, SAMPLES_PER_METRIC))).sort((a, b) => a - b);
    const round = (v: number) => Math.round(v * 10) / 10;
    return {
      name,
      count: ring.count,
      p50: round(percentile(kept, 50)),
      p90: round(percentile(kept, 90)),
      p99: round(percentile(kept, 99)),
      max: round(ring.max),
    };
  });
}

export function counterSums(): Record<string, number> {
  return Object.fromEntries(counters);
}

export function windowStartedAt(): Date {
  return since;
}

/** Forgets everything (tests). */
export function resetMetricsWindow(): void {
  rings.clear();
  counters.clear();
  since = new Date();
}
