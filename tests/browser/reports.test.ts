import { describeInBrowser as inBrowser, launchChromium } from '../helpers/browser';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type BenchHtmlData, renderBenchHtml } from '../../bench/html-report';
import { type EvalHtmlReport, renderEvalHtml } from '../../eval/html-report';

/**
 * The HTML reports of `npm run eval` and `npm run bench`, built from small synthetic results, opened in headless
 * Chromium from file:// with every network request refused: each chart is drawn (an SVG with a size, the bars or
 * points its data calls for, each visible, axis labels), no request leaves the file, no console error.
 *
 * Without /usr/bin/chromium the file skips with one line, unless CI=true or RAG_REQUIRE_BROWSER=1, when a
 * missing browser fails (CI never skips): `apt-get install -y chromium` provides it.
 */
const describeInBrowser = inBrowser();

const latency = { p50: 12, p95: 30, p99: 41, mean: 15, min: 8, max: 44, count: 6 };

/** Six judged queries; the service's nDCG@10 fills 4 bins, the baseline's 3. */
const evalReport: EvalHtmlReport = {
  dataset: {
    name: 'synthetic <b>aero</b>',
    dir: '/data/synthetic',
    split: 'test',
    stats: {
      documents: 5,
      queriesInFile: 6,
      judgedQueries: 6,
      queriesWithoutRelevant: 0,
      judgedQueriesMissingText: 0,
      judgements: 9,
      judgementsOutsideCorpus: 0,
    },
    evaluatedQueries: 6,
  },
  configuration: {
    embedder: { modelId: 'local-hash-v1', dimensions: 512 },
    chunker: { configId: 'recursive-v1', size: 1000, overlap: 150 },
    reranker: 'none',
    vectorStore: 'lancedb',
    candidates: 100,
    retrievalDepth: 100,
    qaTopK: 5,
    minRelevance: 0,
    generator: 'local-extractive-v1',
    guardrail: 'local',
    promptVersion: 'v2',
  },
  ingestion: { documents: 5, chunks: 7, skippedDocuments: 0, ms: 900, chunksPerSecond: 7.8, embeddingTokens: 400, timings: {} },
  retrieval: {
    queries: 6,
    ndcgAt10: 0.5,
    mrrAt10: 0.6,
    mapAt100: 0.45,
    recall: { '1': 0.2, '10': 0.7, '100': 0.9 },
    latencyMs: latency,
    failedQueries: 0,
    totalMs: 90,
    cpuMsPerQuery: 10,
  },
  baseline: {
    name: 'BM25 (synthetic)',
    retrieval: {
      queries: 6,
      ndcgAt10: 0.4,
      mrrAt10: 0.5,
      mapAt100: 0.35,
      recall: { '1': 0.1, '10': 0.6, '100': 0.88 },
      latencyMs: latency,
      failedQueries: 0,
      totalMs: 4,
    },
  },
  abstention: {
    answerableSource: 'queries',
    answerable: 6,
    answeredWhenAnswerable: 0.83,
    unanswerable: 4,
    abstainedWhenNot: 0.75,
    failedQuestions: 0,
    totalMs: 30,
  },
  timing: { totalMs: 1500, startedAt: '2026-12-01T00:00:00.000Z', finishedAt: '2026-12-01T00:00:01.500Z' },
  machine: { cpus: 2, node: 'v22', platform: 'linux-x64' },
  perQuery: [
    { queryId: 'q1', ndcg10: 0.05, latencyMs: 8 },
    { queryId: 'q2', ndcg10: 0.32, latencyMs: 10 },
    { queryId: 'q3', ndcg10: 0.38, latencyMs: 12 },
    { queryId: 'q4', ndcg10: 0.61, latencyMs: 13 },
    { queryId: 'q5', ndcg10: 1, latencyMs: 20 },
    { queryId: 'q6', ndcg10: 0.99, latencyMs: 44 },
  ],
};
const baselinePerQuery = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'].map((queryId, i) => ({ queryId, ndcg10: [0, 0.05, 0.45, 0.45, 0.5, 0.7][i] as number }));

const queryRow = (modelLatencyMs: number, concurrency: number, histogram: boolean) => ({
  modelLatencyMs,
  concurrency,
  warmupSeconds: 1,
  durationSeconds: 2,
  requests: 30,
  errors: 0,
  non2xx: 2,
  throttled: 2,
  throttledShare: 0.06,
  unfinished: 1,
  throughputRps: 12 + concurrency,
  latencyMs: { p50: 40 * concurrency, p90: 55 * concurrency, p95: 60 * concurrency, p99: 70 * concurrency, mean: 45 * concurrency, max: 75 * concurrency },
  overheadMs: { p50: 40, p95: 60, p99: 70 },
  ...(histogram
    ? {
        latencyHistogramMs: [
          { from: 0, to: 25, count: 4 },
          { from: 25, to: 50, count: 20 },
          { from: 50, to: 75, count: 0 },
          { from: 75, to: 100, count: 6 },
        ],
      }
    : {}),
});

const queryBench: BenchHtmlData = {
  bench: 'query',
  result: {
    index: { chunks: 200, buildMs: 40, embedder: 'local-hash-v1', reranker: 'local-rerank-v1', generator: 'local-extractive-v1', maxInFlightQueries: 64 },
    rows: [queryRow(0, 1, true), queryRow(0, 10, true), queryRow(500, 1, true), queryRow(500, 10, false)],
    stream: [
      {
        modelLatencyMs: 0,
        concurrency: 1,
        requests: 20,
        failed: 0,
        firstDeltaMs: { p50: 30, p95: 40, p99: 45 },
        firstDeltaOverheadMs: { p50: 30, p95: 40 },
        totalMs: { p50: 50, p95: 60 },
      },
    ],
  },
};

interface Opened {
  page: Page;
  errors: string[];
  /** URLs the page tried to fetch that are not the report file itself. */
  attempted: string[];
}

/** The report from file://, with every non-file request refused and recorded, and the page's errors collected. */
async function open(context: BrowserContext, file: string): Promise<Opened> {
  const page = await context.newPage();
  const errors: string[] = [];
  const attempted: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith('file://')) attempted.push(request.url());
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    attempted.push(url);
    return route.abort('blockedbyclient');
  });
  await page.goto(pathToFileURL(file).href);
  return { page, errors, attempted };
}

/** One chart as drawn: its size on screen, its bars or points with theirs, its axis labels. */
async function drawn(page: Page, chartId: string, mark: 'rect.bar' | 'circle.point') {
  const svg = page.locator(`figure#${chartId} > svg`);
  const box = await svg.boundingBox();
  const marks = svg.locator(mark);
  const boxes = [];
  for (let i = 0; i < (await marks.count()); i += 1) boxes.push(await marks.nth(i).boundingBox());
  return {
    box,
    role: await svg.getAttribute('role'),
    ariaLabel: await svg.getAttribute('aria-label'),
    marks: boxes,
    axisLabels: await svg.locator('.axis-label').allTextContents(),
    ticks: await svg.locator('.tick').count(),
  };
}

describeInBrowser('the eval and bench HTML reports in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rag-reports-'));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('draws the evaluation report from file:// with no network: nDCG histograms side by side, metrics, latency', async () => {
    const file = path.join(dir, 'eval.html');
    await writeFile(file, renderEvalHtml({ report: evalReport, baselinePerQuery, queryTexts: new Map([['q1', '<script>document.title = "pwned"</script>']]) }));
    const { page, errors, attempted } = await open(context, file);

    const ndcg = await drawn(page, 'per-query-ndcg-10', 'rect.bar');
    expect(ndcg.box?.width).toBeGreaterThan(300);
    expect(ndcg.box?.height).toBeGreaterThan(150);
    expect(ndcg.role).toBe('img');
    expect(ndcg.ariaLabel).toBe('Per-query nDCG@10: service 6 values, BM25 baseline 6 values in 10 bins');
    // service bins [0,.1) [.3,.4)x2 [.6,.7) [.9,1]x2 → 4 bars; baseline [0,.1)x2 [.4,.5)x2 [.5,.6) [.7,.8) → 4 bars
    expect(ndcg.marks).toHaveLength(8);
    for (const bar of ndcg.marks) expect(bar?.height).toBeGreaterThan(0);
    expect(ndcg.axisLabels).toEqual(['queries', 'nDCG@10 of a query']);
    expect(ndcg.ticks).toBeGreaterThanOrEqual(6);
    await expect(page.locator('figure#per-query-ndcg-10 rect.bar[data-series="1"]').count()).resolves.toBe(4);

    const metrics = await drawn(page, 'retrieval-metrics', 'rect.bar');
    // nDCG@10, Recall@1, @10, @100, MRR@10, MAP@100, service and baseline
    expect(metrics.marks).toHaveLength(12);
    for (const bar of metrics.marks) expect(bar?.height).toBeGreaterThan(0);
    expect(metrics.axisLabels).toEqual(['score', 'metric (document level, trec_eval definitions)']);

    const perQueryLatency = await drawn(page, 'per-query-latency', 'rect.bar');
    expect(perQueryLatency.marks.length).toBeGreaterThan(0);
    expect(perQueryLatency.box?.height).toBeGreaterThan(150);

    const against = await drawn(page, 'per-query-ndcg-10-against-bm25', 'rect.bar');
    expect(against.marks).toHaveLength(3);
    // ahead on 5 queries, level on none (a 1-pixel bar at zero), behind on 1
    expect(against.marks[0]?.height).toBeGreaterThan((against.marks[2]?.height ?? 0) * 4);

    // The taller bar is the bin with more queries: [.3,.4) holds two service queries, [0,.1) one.
    const two = page.locator('figure#per-query-ndcg-10 rect.bar', { hasText: 'service: 2 in [0.3, 0.4)' });
    const one = page.locator('figure#per-query-ndcg-10 rect.bar', { hasText: 'service: 1 in [0, 0.1)' });
    expect((await two.boundingBox())?.height).toBeGreaterThan(((await one.boundingBox())?.height ?? 0) * 1.5);

    await expect(page.locator('td', { hasText: '<script>document.title = "pwned"</script>' }).count()).resolves.toBe(1);
    await expect(page.title()).resolves.toBe('Evaluation of synthetic <b>aero</b> (split test)');
    await expect(page.locator('table', { hasText: 'abstained when not' }).count()).resolves.toBe(1);
    expect(attempted).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('draws the query bench report: percentiles per concurrency, throughput, a histogram per level that kept one', async () => {
    const file = path.join(dir, 'query.html');
    await writeFile(
      file,
      renderBenchHtml({
        data: queryBench,
        quick: true,
        startedAt: '2026-12-01T00:00:00.000Z',
        finishedAt: '2026-12-01T00:01:00.000Z',
        machine: { cpus: 2, loadAverageBefore: [1, 1, 1] },
        parameters: { concurrencies: [1, 10] },
      }),
    );
    const { page, errors, attempted } = await open(context, file);

    for (const id of ['latency-percentiles-model-0-ms', 'latency-percentiles-model-500-ms']) {
      const chart = await drawn(page, id, 'rect.bar');
      // p50, p90, p95, p99 at 1 and 10 connections
      expect(chart.marks).toHaveLength(8);
      for (const bar of chart.marks) expect(bar?.height).toBeGreaterThan(0);
      expect(chart.axisLabels).toEqual(['ms (2xx responses)', 'concurrent connections']);
      expect(chart.box?.width).toBeGreaterThan(300);
    }
    const throughput = await drawn(page, 'throughput-by-concurrency', 'circle.point');
    expect(throughput.marks).toHaveLength(4);
    for (const point of throughput.marks) expect(point?.width).toBeGreaterThan(0);

    // Three of the four levels kept a histogram: 3 non-empty bins each.
    const histograms = page.locator('figure[id^="latency-histogram-"]');
    await expect(histograms.count()).resolves.toBe(3);
    const level = await drawn(page, 'latency-histogram-model-0-ms-10-connections', 'rect.bar');
    expect(level.marks).toHaveLength(3);
    for (const bar of level.marks) expect(bar?.height).toBeGreaterThan(0);
    expect(level.axisLabels).toEqual(['responses', 'latency (ms)']);

    const stream = await drawn(page, 'time-to-first-delta-model-0-ms', 'rect.bar');
    expect(stream.marks).toHaveLength(3);
    expect(attempted).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('refuses and records a request the page would make (the network guard itself works)', async () => {
    const file = path.join(dir, 'leaky.html');
    await writeFile(file, '<!doctype html><html><body><img src="http://192.0.2.1/pixel.png" alt=""></body></html>');
    const { attempted } = await open(context, file);
    expect(attempted).toContain('http://192.0.2.1/pixel.png');
  }, 60_000);
});
