import { parseBenchArgs } from '../../../bench/cli';
import { type BenchHtmlData, type QueryRowForHtml, renderBenchHtml } from '../../../bench/html-report';
import type { ColdStartRow } from '../../../bench/cold-start';
import type { IngestBurstResult } from '../../../bench/ingest';

const META = { quick: true, startedAt: '2026-12-01T00:00:00.000Z', finishedAt: '2026-12-01T00:01:00.000Z', machine: { cpus: 2 }, parameters: { chunks: 100 } };

function queryRow(modelLatencyMs: number, concurrency: number, extra: Partial<QueryRowForHtml> = {}): QueryRowForHtml {
  return {
    modelLatencyMs,
    concurrency,
    warmupSeconds: 1,
    durationSeconds: 2,
    requests: 40,
    errors: 0,
    non2xx: 0,
    throttled: 0,
    throttledShare: 0,
    unfinished: 1,
    throughputRps: 20 / concurrency + modelLatencyMs / 100,
    latencyMs: { p50: 50 * concurrency, p95: 80 * concurrency, p99: 90 * concurrency, mean: 55 * concurrency, max: 95 * concurrency },
    overheadMs: { p50: 5, p95: 8, p99: 9 },
    ...extra,
  };
}

function queryData(rows: QueryRowForHtml[]): BenchHtmlData {
  return {
    bench: 'query',
    result: {
      index: { chunks: 100, buildMs: 10, embedder: 'e', reranker: 'r', generator: 'g', maxInFlightQueries: 64 },
      rows,
      stream: [],
    },
  };
}

function figure(html: string, id: string): string {
  return new RegExp(`<figure class="chart[^"]*" id="${id}">([\\s\\S]*?)</figure>`).exec(html)?.[1] ?? '';
}
const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

describe('the bench HTML report', () => {
  it('draws latency percentiles per concurrency level for each model latency, p90 when the rows have it', () => {
    const rows = [queryRow(0, 1), queryRow(0, 10), queryRow(500, 1), queryRow(500, 10)];
    const html = renderBenchHtml({ ...META, data: queryData(rows) });
    const zero = figure(html, 'latency-percentiles-model-0-ms');
    expect(count(zero, /<rect class="bar/g)).toBe(2 * 3);
    expect(zero).toContain('p99, 10: 900');
    expect(figure(html, 'latency-percentiles-model-500-ms')).not.toBe('');
    expect(count(figure(html, 'throughput-by-concurrency'), /<circle class="point/g)).toBe(4);

    const withP90 = renderBenchHtml({ ...META, data: queryData([queryRow(0, 1, { latencyMs: { ...queryRow(0, 1).latencyMs, p90: 70 } })]) });
    expect(figure(withP90, 'latency-percentiles-model-0-ms')).toContain('p90, 1: 70');
  });

  it('draws a latency histogram per level when the rows keep one, and says so when they do not', () => {
    const bins = [
      { from: 0, to: 50, count: 10 },
      { from: 50, to: 100, count: 0 },
      { from: 100, to: 150, count: 3 },
    ];
    const html = renderBenchHtml({ ...META, data: queryData([queryRow(0, 1, { latencyHistogramMs: bins }), queryRow(0, 10)]) });
    expect(count(figure(html, 'latency-histogram-model-0-ms-1-connections'), /<rect class="bar/g)).toBe(2);
    expect(figure(html, 'latency-histogram-model-0-ms-10-connections')).toBe('');
    const without = renderBenchHtml({ ...META, data: queryData([queryRow(0, 1)]) });
    expect(without).toContain('This result keeps no per-request latencies');
  });

  it('draws the burst ingestion rate over elapsed time and by corpus size', () => {
    const bucket = (from: number, seconds: number, rate: number) => ({
      from,
      to: from + 100,
      seconds,
      documentsPerSecond: rate,
      indexBytes: 2 ** 20,
      rssMb: 300,
    });
    const result = { buckets: [bucket(0, 10, 10), bucket(100, 20, 5), bucket(200, 12.5, 8)], documents: 300, documentsPerSecond: 7 } as IngestBurstResult;
    const html = renderBenchHtml({ ...META, data: { bench: 'ingest-burst', result } });
    const overTime = figure(html, 'ingestion-rate-over-time');
    expect(count(overTime, /<circle class="point/g)).toBe(3);
    // x is the bucket's end in seconds since the burst started: 10, 30, 42.5
    expect(overTime).toContain('200–300 documents, ending at 42.5 s: 8 documents/s');
    expect(count(figure(html, 'ingestion-rate-by-corpus-size'), /<rect class="bar/g)).toBe(3);
    // What the charts show is not repeated in "Other figures"; what they do not is.
    expect(html).not.toContain('<td>buckets.0.from</td>');
    expect(html).toContain('<td>documentsPerSecond</td><td class="num">7</td>');
  });

  it('puts each function’s import time beside its baseline', () => {
    const row = (name: string, importMs: number, baselineMs: number): ColdStartRow => ({
      name,
      bytes: 2048,
      importMs,
      importMsMin: importMs,
      importMsMax: importMs,
      processMs: importMs + 30,
      importCpuMs: 1,
      baselineClients: [],
      baselineMs,
      baselineCpuMs: 2,
      ratio: importMs / baselineMs,
      cpuRatio: 0.5,
      queryPath: true,
      fasterThanBaseline: importMs < baselineMs,
      meetsTarget: importMs < baselineMs,
    });
    const html = renderBenchHtml({
      ...META,
      data: { bench: 'cold-start', result: { node: 'v22', runs: 3, buildMs: 1, rows: [row('api-query', 40, 60), row('<fn>', 10, Number.NaN)], summary: 'ok' } },
    });
    const chart = figure(html, 'import-time-per-function');
    expect(count(chart, /data-series="0"/g)).toBe(2);
    expect(count(chart, /data-series="1"/g)).toBe(1);
    expect(chart).toContain('baseline (SDK clients), api-query: 60');
    expect(html).not.toContain('<fn>');
    expect(html).toContain('&lt;fn&gt;');
  });

  it('gives an empty result "no data" charts, not a failure', () => {
    const html = renderBenchHtml({ ...META, data: queryData([]) });
    expect(html).toMatch(/<figure class="chart no-data-chart" id="throughput-by-concurrency">/);
  });
});

describe('bench --no-html', () => {
  it('writes the HTML report beside each JSON by default, and not with --no-html', () => {
    expect(parseBenchArgs(['query']).html).toBeUndefined();
    expect(parseBenchArgs(['query', '--no-html']).html).toBe(false);
  });
});
