import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { percentile, percentiles } from '../eval/metrics';
import { type Bin, histogramOf } from '../scripts/report/html-report';
import type { FromServer, ToServer } from './query-server';
import { formatTable, round } from './table';
import { DEV_API_TOKEN } from '../shared/config/config';

/** The bench's server runs with no RAG_API_KEYS on loopback: the development token. */
const AUTHORIZATION = `Bearer ${DEV_API_TOKEN}`;

/**
 * Query path bench: the local service in a child process over a synthetic index, driven over HTTP by
 * autocannon at several concurrencies for a bounded time each, once with the embedded generator (all of the
 * latency is the service's own overhead) and once with an emulated model latency, so the effect of
 * concurrency on a service that waits on a slow model shows.
 */
export interface QueryBenchOptions {
  chunks: number;
  durationSeconds: number;
  /** Load before the measured window at each level (not counted). */
  warmupSeconds: number;
  /** Upper bound of the warm-up stretched for deep queues at high concurrency. */
  maxWarmupSeconds: number;
  concurrencies: number[];
  modelLatenciesMs: number[];
  questions?: number;
  /** POST /query/stream requests per (model latency, concurrency) level for time to first delta. */
  streamRequests: number;
  streamConcurrencies: number[];
}

/** POST /query/stream measured at the client: when the first `delta` event arrived, and the whole answer. */
export interface StreamBenchRow {
  modelLatencyMs: number;
  concurrency: number;
  requests: number;
  failed: number;
  firstDeltaMs: { p50: number; p95: number; p99: number };
  /** Time to first delta minus the emulated model's time to its first token: what the service adds first. */
  firstDeltaOverheadMs: { p50: number; p95: number };
  totalMs: { p50: number; p95: number };
}

export interface QueryBenchRow {
  modelLatencyMs: number;
  concurrency: number;
  warmupSeconds: number;
  durationSeconds: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** 429 answers (back-pressure: more queries in flight than the server admits), included in non2xx. */
  throttled: number;
  /** Share of the answers in the measured window that were 429. */
  throttledShare: number;
  /** Requests still being served when the level's time was up (not counted in throughput or latency). */
  unfinished: number;
  throughputRps: number;
  latencyMs: { p50: number; p90: number; p95: number; p99: number; mean: number; max: number };
  /** The latencies of the measured window in 20 bins (the HTML report draws them). */
  latencyHistogramMs: Bin[];
  /** Latency minus the emulated model latency: what the service itself adds. */
  overheadMs: { p50: number; p95: number; p99: number };
}

export interface QueryBenchResult {
  index: { chunks: number; buildMs: number; embedder: string; reranker: string; generator: string; maxInFlightQueries: number };
  rows: QueryBenchRow[];
  stream: StreamBenchRow[];
}

function waitFor<T extends FromServer['type']>(child: ChildProcess, type: T): Promise<Extract<FromServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromServer): void => {
      if (message.type === type) {
        cleanup();
        resolve(message as Extract<FromServer, { type: T }>);
      } else if (message.type === 'failed') {
        cleanup();
        reject(new Error(`query server failed: ${message.message}`));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`query server exited with code ${code}`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function tell(child: ChildProcess, message: ToServer): void {
  child.send(message);
}

/** Waits until the service has finished every query, including those whose client gave up at the end of a level. */
async function drain(child: ChildProcess): Promise<number> {
  const drained = waitFor(child, 'drained');
  tell(child, { type: 'drain' });
  return (await drained).abandoned;
}

/**
 * Closed-loop load for `warmupSeconds + durationSeconds`; only responses that complete inside the measured
 * window count, so the burst of the first requests (all connections start at once) and the ramp to steady
 * state do not skew throughput or percentiles.
 */
async function drive(
  url: string,
  questions: string[],
  connections: number,
  durationSeconds: number,
  warmupSeconds: number,
): Promise<{ latencies: number[]; errors: number; non2xx: number; throttled: number; seconds: number }> {
  const latencies: number[] = [];
  let non2xx = 0;
  let throttled = 0;
  const requests = questions.map((question) => ({
    method: 'POST',
    path: '/query',
    headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
    // cache: false: the bench measures the pipeline, not the answer cache (its questions repeat).
    body: JSON.stringify({ question, cache: false }),
  }));
  const started = performance.now();
  const windowStart = started + warmupSeconds * 1000;
  let windowEnd = windowStart;
  const instance = autocannon({ url, connections, duration: warmupSeconds + durationSeconds, timeout: 60, requests });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    const at = performance.now();
    if (at < windowStart) return;
    windowEnd = at;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else non2xx += 1;
    if (statusCode === 429) throttled += 1;
  });
  const result = await instance;
  return { latencies, errors: result.errors + result.timeouts, non2xx, throttled, seconds: Math.max(durationSeconds, (windowEnd - windowStart) / 1000) };
}

/** One streamed answer: milliseconds to the first `delta` event and to the end of the stream (undefined if it failed). */
async function streamOnce(url: string, question: string): Promise<{ firstDeltaMs: number; totalMs: number } | undefined> {
  const started = performance.now();
  const res = await fetch(`${url}/query/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
    body: JSON.stringify({ question, cache: false }),
  });
  if (res.status !== 200 || !res.body) return undefined;
  const decoder = new TextDecoder();
  let text = '';
  let firstDeltaMs: number | undefined;
  for await (const chunk of res.body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (firstDeltaMs === undefined && text.includes('event: delta\n')) firstDeltaMs = performance.now() - started;
  }
  const totalMs = performance.now() - started;
  return firstDeltaMs !== undefined && text.includes('event: done\n') ? { firstDeltaMs, totalMs } : undefined;
}

/** `requests` streamed answers, `concurrency` at a time (closed loop). */
async function driveStream(url: string, questions: string[], concurrency: number, requests: number) {
  const results: { firstDeltaMs: number; totalMs: number }[] = [];
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const question = questions[next % questions.length] ?? '';
      next += 1;
      const outcome = await streamOnce(url, question).catch(() => undefined);
      if (outcome) results.push(outcome);
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { results, failed };
}

export async function runQueryBench(options: QueryBenchOptions, log: (line: string) => void = () => undefined): Promise<QueryBenchResult> {
  const child = fork(path.join(__dirname, 'query-server.ts'), [String(options.chunks), String(options.questions ?? 200)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const ready = await waitFor(child, 'ready');
    log(`query: service up with ${ready.chunks} chunks (index built in ${(ready.indexMs / 1000).toFixed(1)} s)`);
    // Warm-up: first queries load the ASL machine, JIT the handlers and open LanceDB indices.
    await drive(ready.url, ready.questions, 2, 1, 0);
    await drain(child);
    const rows: QueryBenchRow[] = [];
    for (const modelLatencyMs of options.modelLatenciesMs) {
      tell(child, { type: 'set-latency', ms: modelLatencyMs });
      await waitFor(child, 'latency-set');
      let capacityRps = 0;
      for (const concurrency of options.concurrencies) {
        // A closed loop of c connections settles when the first requests have queued through: about
        // c / capacity seconds (Little's law), estimated from the best throughput of the lower levels.
        const settle = capacityRps > 0 ? Math.min(options.maxWarmupSeconds, (1.5 * concurrency) / capacityRps) : 0;
        const warmupSeconds = Math.max(options.warmupSeconds, settle);
        const run = await drive(ready.url, ready.questions, concurrency, options.durationSeconds, warmupSeconds);
        const unfinished = await drain(child);
        const p = percentiles(run.latencies);
        const overhead = percentiles(run.latencies.map((ms) => ms - modelLatencyMs));
        const row: QueryBenchRow = {
          modelLatencyMs,
          concurrency,
          warmupSeconds: round(warmupSeconds, 1),
          durationSeconds: round(run.seconds),
          requests: run.latencies.length,
          errors: run.errors,
          non2xx: run.non2xx,
          throttled: run.throttled,
          throttledShare: round(run.throttled / Math.max(1, run.latencies.length + run.non2xx), 3),
          unfinished,
          throughputRps: round(run.latencies.length / run.seconds),
          latencyMs: {
            p50: round(p.p50),
            p90: round(percentile(run.latencies, 90)),
            p95: round(p.p95),
            p99: round(p.p99),
            mean: round(p.mean),
            max: round(p.max),
          },
          latencyHistogramMs: histogramOf(run.latencies),
          overheadMs: { p50: round(overhead.p50), p95: round(overhead.p95), p99: round(overhead.p99) },
        };
        rows.push(row);
        capacityRps = Math.max(capacityRps, row.throughputRps);
        log(
          `query: model ${modelLatencyMs} ms, concurrency ${concurrency}: ${row.throughputRps} req/s, p50 ${row.latencyMs.p50} ms, p99 ${row.latencyMs.p99} ms, 429 ${Math.round(row.throttledShare * 100)}%`,
        );
      }
    }
    const stream: StreamBenchRow[] = [];
    for (const modelLatencyMs of options.modelLatenciesMs) {
      tell(child, { type: 'set-latency', ms: modelLatencyMs });
      await waitFor(child, 'latency-set');
      for (const concurrency of options.streamConcurrencies) {
        const run = await driveStream(ready.url, ready.questions, concurrency, options.streamRequests);
        await drain(child);
        const first = percentiles(run.results.map((r) => r.firstDeltaMs));
        const overhead = percentiles(run.results.map((r) => r.firstDeltaMs - modelLatencyMs));
        const total = percentiles(run.results.map((r) => r.totalMs));
        const row: StreamBenchRow = {
          modelLatencyMs,
          concurrency,
          requests: run.results.length,
          failed: run.failed,
          firstDeltaMs: { p50: round(first.p50), p95: round(first.p95), p99: round(first.p99) },
          firstDeltaOverheadMs: { p50: round(overhead.p50), p95: round(overhead.p95) },
          totalMs: { p50: round(total.p50), p95: round(total.p95) },
        };
        stream.push(row);
        log(`query/stream: model ${modelLatencyMs} ms, concurrency ${concurrency}: first delta p50 ${row.firstDeltaMs.p50} ms, p95 ${row.firstDeltaMs.p95} ms`);
      }
    }
    return {
      index: {
        chunks: ready.chunks,
        buildMs: round(ready.indexMs),
        embedder: ready.embedder,
        reranker: ready.reranker,
        generator: ready.generator,
        maxInFlightQueries: ready.maxInFlightQueries,
      },
      rows,
      stream,
    };
  } finally {
    if (child.connected) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      tell(child, { type: 'stop' });
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref())]);
    }
    if (child.exitCode === null) child.kill();
  }
}

export function formatQueryBench(result: QueryBenchResult): string {
  return [
    `Query path: POST /query over ${result.index.chunks} chunks (embedder ${result.index.embedder}, reranker ${result.index.reranker}, generator ${result.index.generator}); 429 % = answers refused by the in-flight bound (RAG_MAX_INFLIGHT_QUERIES ${result.index.maxInFlightQueries}), latency over 2xx only`,
    formatTable(
      ['model ms', 'conc.', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'overhead p50', 'overhead p95', 'overhead p99', '429 %', 'completed', 'errors', 'warm-up s'],
      result.rows.map((row) => [
        row.modelLatencyMs,
        row.concurrency,
        row.throughputRps,
        row.latencyMs.p50,
        row.latencyMs.p95,
        row.latencyMs.p99,
        row.overheadMs.p50,
        row.overheadMs.p95,
        row.overheadMs.p99,
        round(row.throttledShare * 100, 1),
        row.requests,
        row.errors + row.non2xx - row.throttled,
        row.warmupSeconds,
      ]),
    ),
    '',
    'Streaming: POST /query/stream, time to the first delta event at the client (the emulated model sends its first token after its latency)',
    formatTable(
      ['model ms', 'conc.', 'first delta p50', 'p95', 'p99', 'overhead p50', 'overhead p95', 'whole p50', 'whole p95', 'completed', 'failed'],
      result.stream.map((row) => [
        row.modelLatencyMs,
        row.concurrency,
        row.firstDeltaMs.p50,
        row.firstDeltaMs.p95,
        row.firstDeltaMs.p99,
        row.firstDeltaOverheadMs.p50,
        row.firstDeltaOverheadMs.p95,
        row.totalMs.p50,
        row.totalMs.p95,
        row.requests,
        row.failed,
      ]),
    ),
  ].join('\n');
}
