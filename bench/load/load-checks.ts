import { percentiles } from '../../eval/metrics';

/**
 * What the load run saw, reduced to verdicts: each check returns the failures it found as sentences a
 * person can act on; an empty list is a pass. Pure, so the unit tests feed it invented outcomes.
 */
export type LoadRoute = 'query' | 'stream' | 'documents' | 'upload';

export interface RequestOutcome {
  route: LoadRoute;
  /** HTTP status; 0 when no response came (connection error or the client's own timeout). */
  status: number;
  latencyMs: number;
  /** The Retry-After header, as sent. */
  retryAfter?: string;
  /** `error.code` of a JSON error body, when the body was one. */
  errorCode?: string;
  /** POST /query/stream answered 200: how the event stream ended. */
  streamEnd?: 'done' | 'error' | 'cut';
  /** `error.code` of the stream's error event. */
  streamErrorCode?: string;
}

export interface MemorySample {
  /** Seconds since the load started (negative: before it). */
  atSeconds: number;
  rssBytes: number;
}

export interface MemoryVerdictInput {
  /** Resident memory when the load started (after seeding and warm-up). */
  startBytes: number;
  peakBytes: number;
  /** Resident memory once the run and the ingestion it started have settled (after a full GC). */
  endBytes: number;
}

export interface MemoryBounds {
  /** End may exceed start by this much (see run-load.ts for why). */
  growthBytes: number;
  /** The issue's ceiling for resident memory under load. */
  peakBytes: number;
}

const MiB = 1024 * 1024;
const mib = (bytes: number): string => `${Math.round(bytes / MiB)} MiB`;

/** Statuses the issue allows under load: answered, or refused with 429/503 and Retry-After. */
const REFUSALS = new Set([429, 503]);

function countBy<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} x${n}`)
    .join(', ');
}

const where = (o: RequestOutcome): string => `${o.route} ${o.status}${o.errorCode ? ` ${o.errorCode}` : ''}`;

/** No 5xx but 503, no request left unanswered, no status outside 2xx/429/503, every refusal well-formed. */
export function checkResponses(outcomes: readonly RequestOutcome[]): string[] {
  const failures: string[] = [];
  const unanswered = outcomes.filter((o) => o.status === 0);
  if (unanswered.length > 0)
    failures.push(`${unanswered.length} requests got no HTTP answer (connection error or client timeout): ${countBy(unanswered, (o) => o.route)}`);
  const serverErrors = outcomes.filter((o) => o.status >= 500 && !REFUSALS.has(o.status));
  if (serverErrors.length > 0) failures.push(`${serverErrors.length} answers with a 5xx other than 503: ${countBy(serverErrors, where)}`);
  const unexpected = outcomes.filter((o) => o.status > 0 && o.status < 500 && (o.status < 200 || o.status >= 300) && !REFUSALS.has(o.status));
  if (unexpected.length > 0) failures.push(`${unexpected.length} answers with a status the load should never cause: ${countBy(unexpected, where)}`);
  const refusals = outcomes.filter((o) => REFUSALS.has(o.status));
  const noRetryAfter = refusals.filter((o) => !/^[1-9]\d*$/.test(o.retryAfter ?? ''));
  if (noRetryAfter.length > 0) failures.push(`${noRetryAfter.length} 429/503 answers without a Retry-After of whole seconds: ${countBy(noRetryAfter, where)}`);
  const noBody = refusals.filter((o) => o.errorCode === undefined);
  if (noBody.length > 0) failures.push(`${noBody.length} 429/503 answers without the JSON error body: ${countBy(noBody, (o) => `${o.route} ${o.status}`)}`);
  const cut = outcomes.filter((o) => o.streamEnd === 'cut');
  if (cut.length > 0) failures.push(`${cut.length} streams opened 200 and ended without a done or error event`);
  const internal = outcomes.filter((o) => o.streamEnd === 'error' && (o.streamErrorCode === undefined || o.streamErrorCode === 'InternalError'));
  if (internal.length > 0) failures.push(`${internal.length} streams ended with an internal error event (a 500 after the 200)`);
  return failures;
}

export function checkMemory(memory: MemoryVerdictInput, bounds: MemoryBounds): string[] {
  const failures: string[] = [];
  if (memory.peakBytes > bounds.peakBytes) failures.push(`resident memory peaked at ${mib(memory.peakBytes)}, above ${mib(bounds.peakBytes)}`);
  const growth = memory.endBytes - memory.startBytes;
  if (growth > bounds.growthBytes) {
    failures.push(
      `resident memory did not return near its start: ${mib(memory.startBytes)} at start, ${mib(memory.endBytes)} at the end (+${mib(growth)}, bound +${mib(bounds.growthBytes)})`,
    );
  }
  return failures;
}

/** Start = the first sample at or after the load began; peak over every sample; end = the last sample. */
export function memoryVerdictInput(samples: readonly MemorySample[]): MemoryVerdictInput {
  const during = samples.filter((s) => s.atSeconds >= 0);
  const start = during[0] ?? samples[samples.length - 1];
  const end = samples[samples.length - 1];
  if (!start || !end) throw new Error('no memory sample was taken');
  return { startBytes: start.rssBytes, peakBytes: Math.max(...samples.map((s) => s.rssBytes)), endBytes: end.rssBytes };
}

export interface LoadSummary {
  requests: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, Record<string, number>>;
  /** Latency over every answered request (refusals included: a fast 429 is part of what clients see). */
  latencyMs: { p50: number; p99: number; max: number };
  /** Latency of 2xx answers only. */
  okLatencyMs: { p50: number; p99: number };
  share429: number;
  share503: number;
  streamEnds: Record<string, number>;
}

function tally(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) out[key] = (out[key] ?? 0) + 1;
  return out;
}

export function summarise(outcomes: readonly RequestOutcome[]): LoadSummary {
  const answered = outcomes.filter((o) => o.status > 0);
  const all = percentiles(answered.map((o) => o.latencyMs));
  const ok = percentiles(answered.filter((o) => o.status >= 200 && o.status < 300).map((o) => o.latencyMs));
  const routes = [...new Set(outcomes.map((o) => o.route))];
  const total = Math.max(1, outcomes.length);
  return {
    requests: outcomes.length,
    byStatus: tally(outcomes.map((o) => (o.errorCode ? `${o.status} ${o.errorCode}` : String(o.status)))),
    byRoute: Object.fromEntries(routes.map((route) => [route, tally(outcomes.filter((o) => o.route === route).map((o) => String(o.status)))])),
    latencyMs: { p50: all.p50, p99: all.p99, max: all.max },
    okLatencyMs: { p50: ok.p50, p99: ok.p99 },
    share429: outcomes.filter((o) => o.status === 429).length / total,
    share503: outcomes.filter((o) => o.status === 503).length / total,
    streamEnds: tally(outcomes.flatMap((o) => (o.streamEnd ? [o.streamEnd === 'error' ? `error ${o.streamErrorCode ?? '?'}` : o.streamEnd] : []))),
  };
}
