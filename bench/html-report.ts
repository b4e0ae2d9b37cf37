import {
  type Bin,
  binnedHistogramChart,
  type Cell,
  chartRow,
  dataTable,
  flatten,
  groupedBarChart,
  htmlPage,
  lineChart,
  type PageSection,
} from '../scripts/report/html-report';
import type { ColdStartResult } from './cold-start';
import type { IngestBenchResult, IngestBurstResult } from './ingest';
import type { QueryBenchResult, QueryBenchRow } from './query';
import type { QueryCostResult } from './query-cost';

/**
 * The HTML report of `npm run bench`, written beside each `<bench>.json`: charts of what the bench measured
 * (latency percentiles and throughput per concurrency, ingestion rate by bucket and over time, cold start per
 * function beside its baseline, cost per query path) and every figure of the JSON as a table.
 */

/**
 * A query row as the page reads it: p90 and a latency histogram are drawn when the bench keeps them (bins of the
 * measured window's 2xx latencies); without them the page says so rather than invent a distribution.
 */
export type QueryRowForHtml = Omit<QueryBenchRow, 'latencyMs' | 'latencyHistogramMs'> & {
  // Results written before the bench kept p90 and the histogram (2026-12-01) have neither.
  latencyMs: Omit<QueryBenchRow['latencyMs'], 'p90'> & { p90?: number };
  latencyHistogramMs?: readonly Bin[];
};

export type BenchHtmlData =
  | { bench: 'query'; result: Omit<QueryBenchResult, 'rows'> & { rows: readonly QueryRowForHtml[] } }
  | { bench: 'query-cost'; result: QueryCostResult }
  | { bench: 'ingest'; result: IngestBenchResult }
  | { bench: 'ingest-burst'; result: IngestBurstResult }
  | { bench: 'cold-start'; result: ColdStartResult };

/** The JSON document bench/cli.ts writes, with its result typed by bench. */
export interface BenchHtmlInput {
  data: BenchHtmlData;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

const PERCENTILES = ['p50', 'p90', 'p95', 'p99'] as const;
const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

function querySections(result: Extract<BenchHtmlData, { bench: 'query' }>['result']): PageSection[] {
  const latencies = unique(result.rows.map((r) => r.modelLatencyMs));
  const present = PERCENTILES.filter((p) => result.rows.some((r) => r.latencyMs[p] !== undefined));
  const percentileCharts = latencies.map((model) => {
    const rows = result.rows.filter((r) => r.modelLatencyMs === model);
    return groupedBarChart(
      {
        title: `Latency percentiles, model ${model} ms`,
        xLabel: 'concurrent connections',
        yLabel: 'ms (2xx responses)',
        caption: `POST /query over ${result.index.chunks} chunks with an emulated model latency of ${model} ms.`,
      },
      rows.map((r) => String(r.concurrency)),
      present.map((p) => ({ name: p, values: rows.map((r) => r.latencyMs[p]) })),
    );
  });
  const throughput = lineChart(
    { title: 'Throughput by concurrency', xLabel: 'concurrent connections', yLabel: 'requests/s (2xx)' },
    latencies.map((model) => ({
      name: `model ${model} ms`,
      points: result.rows
        .filter((r) => r.modelLatencyMs === model)
        .map((r) => ({
          x: r.concurrency,
          y: r.throughputRps,
          label: `${r.concurrency} connections: ${r.throughputRps} req/s, 429 ${Math.round(r.throttledShare * 100)}%`,
        })),
    })),
  );
  const withHistogram = result.rows.filter((r) => r.latencyHistogramMs && r.latencyHistogramMs.length > 0);
  const histograms = withHistogram.map((r) =>
    binnedHistogramChart(
      { title: `Latency histogram, model ${r.modelLatencyMs} ms, ${r.concurrency} connections`, xLabel: 'latency (ms)', yLabel: 'responses' },
      [{ name: `${r.concurrency} connections`, bins: r.latencyHistogramMs ?? [] }],
    ),
  );
  const histogramNote =
    withHistogram.length === 0 ? 'This result keeps no per-request latencies (no latencyHistogramMs in its rows): only the percentiles are drawn.' : undefined;
  const rowsTable = dataTable(
    'Query rows',
    [
      'model ms',
      'connections',
      'req/s',
      ...present.map((p) => `${p} ms`),
      'mean ms',
      'max ms',
      'overhead p50',
      'overhead p99',
      '429 share',
      'completed',
      'errors',
      'unfinished',
    ],
    result.rows.map((r) => [
      r.modelLatencyMs,
      r.concurrency,
      r.throughputRps,
      ...present.map((p) => r.latencyMs[p]),
      r.latencyMs.mean,
      r.latencyMs.max,
      r.overheadMs.p50,
      r.overheadMs.p99,
      r.throttledShare,
      r.requests,
      r.errors + r.non2xx - r.throttled,
      r.unfinished,
    ]),
  );
  const sections: PageSection[] = [
    { heading: 'Query latency and throughput', html: chartRow([...percentileCharts, throughput]) + rowsTable },
    { heading: 'Latency histograms', html: chartRow(histograms), ...(histogramNote ? { note: histogramNote } : {}) },
  ];
  const stream = result.stream;
  if (stream.length > 0) {
    const streamCharts = unique(stream.map((r) => r.modelLatencyMs)).map((model) => {
      const rows = stream.filter((r) => r.modelLatencyMs === model);
      return groupedBarChart(
        { title: `Time to first delta, model ${model} ms`, xLabel: 'concurrent streams', yLabel: 'ms' },
        rows.map((r) => String(r.concurrency)),
        (['p50', 'p95', 'p99'] as const).map((p) => ({ name: p, values: rows.map((r) => r.firstDeltaMs[p]) })),
      );
    });
    sections.push({
      heading: 'Streaming',
      html:
        chartRow(streamCharts) +
        dataTable(
          'Stream rows',
          ['model ms', 'streams', 'first delta p50', 'p95', 'p99', 'overhead p50', 'overhead p95', 'whole p50', 'whole p95', 'completed', 'failed'],
          stream.map((r) => [
            r.modelLatencyMs,
            r.concurrency,
            r.firstDeltaMs.p50,
            r.firstDeltaMs.p95,
            r.firstDeltaMs.p99,
            r.firstDeltaOverheadMs.p50,
            r.firstDeltaOverheadMs.p95,
            r.totalMs.p50,
            r.totalMs.p95,
            r.requests,
            r.failed,
          ]),
        ),
    });
  }
  return sections;
}

function burstSections(result: IngestBurstResult): PageSection[] {
  let elapsed = 0;
  const overTime = result.buckets.map((b) => {
    elapsed += b.seconds;
    return {
      x: elapsed,
      y: b.documentsPerSecond,
      label: `${b.from}–${b.to} documents, ending at ${elapsed.toFixed(1)} s: ${b.documentsPerSecond} documents/s`,
    };
  });
  const charts = [
    lineChart({ title: 'Ingestion rate over time', xLabel: 'seconds since the burst started (bucket end)', yLabel: 'documents/s' }, [
      { name: 'documents/s', points: overTime },
    ]),
    groupedBarChart(
      { title: 'Ingestion rate by corpus size', xLabel: 'documents already indexed', yLabel: 'documents/s' },
      result.buckets.map((b) => String(b.from)),
      [{ name: 'documents/s', values: result.buckets.map((b) => b.documentsPerSecond) }],
    ),
    lineChart({ title: 'Memory and index size', xLabel: 'documents indexed (bucket end)', yLabel: 'MB' }, [
      { name: 'RSS MB', points: result.buckets.map((b) => ({ x: b.to, y: b.rssMb })) },
      { name: 'index MB', points: result.buckets.map((b) => ({ x: b.to, y: b.indexBytes / 2 ** 20 })) },
    ]),
  ];
  const table = dataTable(
    'Buckets',
    ['indexed before', 'documents', 'seconds', 'documents/s', 'index MB', 'RSS MB'],
    result.buckets.map((b) => [b.from, b.to - b.from, b.seconds, b.documentsPerSecond, b.indexBytes / 2 ** 20, b.rssMb]),
  );
  return [
    { heading: 'Ingestion burst', note: `${result.documents} documents at ${result.documentsPerSecond} documents/s overall.`, html: chartRow(charts) + table },
  ];
}

function ingestSections(result: IngestBenchResult): PageSection[] {
  const q = result.quota;
  const charts = [
    groupedBarChart(
      { title: 'Embedding requests', xLabel: 'outcome at the quota proxy', yLabel: 'requests' },
      ['accepted', 'throttled'],
      [{ name: 'requests', values: [q.acceptedRequests, q.throttledRequests] }],
    ),
    groupedBarChart(
      { title: 'Quota utilisation', xLabel: 'window', yLabel: 'achieved / quota' },
      ['whole ingestion', 'while embedding'],
      [{ name: 'utilisation', values: [q.utilisation, q.utilisationWhileEmbedding] }],
    ),
    groupedBarChart(
      { title: 'Chunks', xLabel: 'chunks', yLabel: 'chunks' },
      ['expected', 'indexed', 'lost'],
      [{ name: 'chunks', values: [result.expectedChunks, result.indexedChunks, result.lostChunks] }],
    ),
  ];
  return [
    {
      heading: 'Ingestion under a quota',
      note: `${result.chunksPerSecond} chunks/s over ${result.seconds} s. This form records totals only; the burst form (--burst <n>) records the rate by bucket and over time.`,
      html: chartRow(charts),
    },
  ];
}

function coldStartSections(result: ColdStartResult): PageSection[] {
  const names = result.rows.map((r) => r.name);
  const charts = [
    groupedBarChart({ title: 'Import time per function', xLabel: 'function', yLabel: 'ms (median)', caption: result.summary }, names, [
      { name: 'bundle import', values: result.rows.map((r) => r.importMs) },
      { name: 'baseline (SDK clients)', values: result.rows.map((r) => r.baselineMs) },
    ]),
    groupedBarChart({ title: 'Import CPU per function', xLabel: 'function', yLabel: 'CPU ms (median)' }, names, [
      { name: 'bundle import', values: result.rows.map((r) => r.importCpuMs) },
      { name: 'baseline (SDK clients)', values: result.rows.map((r) => r.baselineCpuMs) },
    ]),
    groupedBarChart({ title: 'Bundle size', xLabel: 'function', yLabel: 'KiB' }, names, [{ name: 'KiB', values: result.rows.map((r) => r.bytes / 1024) }]),
  ];
  const table = dataTable(
    'Cold start rows',
    ['function', 'KiB', 'import ms', 'min', 'max', 'baseline ms', 'ratio', 'cpu ms', 'baseline cpu', 'cpu ratio', 'query path', 'target', 'baseline clients'],
    result.rows.map((r) => [
      r.name,
      r.bytes / 1024,
      r.importMs,
      r.importMsMin,
      r.importMsMax,
      r.baselineMs,
      r.ratio,
      r.importCpuMs,
      r.baselineCpuMs,
      r.cpuRatio,
      r.queryPath ? 'yes' : '',
      r.meetsTarget ? 'met' : 'MISSED',
      r.baselineClients.join(' + '),
    ]),
  );
  return [{ heading: 'Cold start', note: `Median of ${result.runs} fresh processes per function, Node ${result.node}.`, html: chartRow(charts) + table }];
}

function queryCostSections(result: QueryCostResult): PageSection[] {
  const parts = unique(result.columns.flatMap((c) => c.costPer1000.parts.map((p) => p.name)));
  const chart = groupedBarChart(
    { title: 'AWS cost per 1,000 queries', xLabel: 'priced part', yLabel: 'USD' },
    parts,
    result.columns.map((c) => ({ name: c.label, values: parts.map((name) => c.costPer1000.parts.find((p) => p.name === name)?.usd) })),
  );
  const table = dataTable(
    'Query path per column',
    ['column', 'Lambda invocations', 'states', 'sequential ms', 'priced USD / 1,000', 'total USD / 1,000', 'unpriced'],
    result.columns.map((c) => [
      c.label,
      c.lambdaInvocations,
      c.states,
      c.latencyMs,
      c.costPer1000.pricedUsd,
      c.costPer1000.totalUsd,
      c.costPer1000.unpriced.join(', '),
    ]),
  );
  return [{ heading: 'Query path cost', html: chartRow([chart]) + table }];
}

function sectionsFor(data: BenchHtmlData): PageSection[] {
  switch (data.bench) {
    case 'query':
      return querySections(data.result);
    case 'ingest-burst':
      return burstSections(data.result);
    case 'ingest':
      return ingestSections(data.result);
    case 'cold-start':
      return coldStartSections(data.result);
    case 'query-cost':
      return queryCostSections(data.result);
  }
}

const TITLES: Record<BenchHtmlData['bench'], string> = {
  query: 'Query bench',
  'query-cost': 'Query path cost bench',
  ingest: 'Ingestion bench',
  'ingest-burst': 'Ingestion burst bench',
  'cold-start': 'Cold start bench',
};

/** Result arrays the bench's own section already shows as a table, left out of "Other figures". */
const TABLED: Record<BenchHtmlData['bench'], readonly string[]> = {
  query: ['rows', 'stream'],
  'query-cost': [],
  ingest: [],
  'ingest-burst': ['buckets'],
  'cold-start': ['rows'],
};

/** The complete page: the bench's charts and tables, then every other figure of its JSON. */
export function renderBenchHtml(input: BenchHtmlInput): string {
  const rest = Object.fromEntries(Object.entries(input.data.result).filter(([key]) => !TABLED[input.data.bench].includes(key)));
  const all = (caption: string, value: unknown): string =>
    dataTable(
      caption,
      ['field', 'value'],
      flatten(value).map(([key, v]): Cell[] => [key, v]),
    );
  const sections: PageSection[] = [
    ...sectionsFor(input.data),
    {
      heading: 'Other figures',
      note: 'Every other field of the JSON: the rest of the result, the parameters, and the machine.',
      html: `<details><summary>Show the tables</summary>${all('Result', rest)}${all('Parameters', input.parameters)}${all('Machine', input.machine)}</details>`,
    },
  ];
  return htmlPage(
    `${TITLES[input.data.bench]}${input.quick ? ' (quick)' : ''}`,
    `${input.startedAt} → ${input.finishedAt}. Timings depend on the machine and its load (see Machine: load average before and after).`,
    sections,
  );
}
