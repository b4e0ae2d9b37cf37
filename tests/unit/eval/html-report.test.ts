import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../../eval/cli';
import { compareWithBaseline, type EvalHtmlReport, renderEvalHtml } from '../../../eval/html-report';

/** A small evaluation result as eval/evaluate.ts returns it, with the figures the page draws. */
function evalReport(overrides: Partial<EvalHtmlReport> = {}): EvalHtmlReport {
  const latency = { p50: 10, p95: 20, p99: 30, mean: 12, min: 5, max: 31, count: 4 };
  return {
    dataset: {
      name: 'tiny<set>',
      dir: '/data/tiny',
      split: 'test',
      stats: {
        documents: 3,
        queriesInFile: 4,
        judgedQueries: 4,
        queriesWithoutRelevant: 0,
        judgedQueriesMissingText: 0,
        judgements: 6,
        judgementsOutsideCorpus: 0,
      },
      evaluatedQueries: 4,
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
    ingestion: { documents: 3, chunks: 5, skippedDocuments: 0, ms: 1200, chunksPerSecond: 4.2, embeddingTokens: 300, timings: {} },
    retrieval: {
      queries: 4,
      ndcgAt10: 0.425,
      mrrAt10: 0.5,
      mapAt100: 0.4,
      recall: { '1': 0.25, '10': 0.75 },
      latencyMs: latency,
      failedQueries: 0,
      totalMs: 100,
      cpuMsPerQuery: 9,
    },
    baseline: {
      name: 'BM25 (test)',
      retrieval: { queries: 4, ndcgAt10: 0.34, mrrAt10: 0.4, mapAt100: 0.3, recall: { '1': 0.2, '10': 0.6 }, latencyMs: latency, failedQueries: 0, totalMs: 5 },
    },
    timing: { totalMs: 2000, startedAt: '2026-12-01T00:00:00.000Z', finishedAt: '2026-12-01T00:00:02.000Z' },
    machine: { cpus: 2, node: 'v22', platform: 'linux-x64' },
    perQuery: [
      { queryId: 'q1', ndcg10: 0, latencyMs: 10 },
      { queryId: 'q2', ndcg10: 0.35, latencyMs: 11 },
      { queryId: 'q3', ndcg10: 0.35, latencyMs: 12 },
      { queryId: 'q4', ndcg10: 1, latencyMs: 30 },
    ],
    ...overrides,
  };
}

/** The drawn bars of one chart (by figure id): series index of each. */
function barsOf(html: string, chartId: string): number[] {
  const figure = new RegExp(`<figure class="chart[^"]*" id="${chartId}">([\\s\\S]*?)</figure>`).exec(html)?.[1] ?? '';
  return [...figure.matchAll(/<rect class="bar series-\d" data-series="(\d+)"/g)].map((m) => Number(m[1]));
}

describe('the evaluation HTML report', () => {
  const baselinePerQuery = [
    { queryId: 'q1', ndcg10: 0.1 },
    { queryId: 'q2', ndcg10: 0.15 },
    { queryId: 'q3', ndcg10: 0.5 },
    { queryId: 'q4', ndcg10: 0.6 },
  ];

  it('draws the per-query nDCG@10 of the service and of the baseline side by side, a bar per non-empty bin', () => {
    const html = renderEvalHtml({ report: evalReport(), baselinePerQuery });
    const bars = barsOf(html, 'per-query-ndcg-10');
    // service: [0, 0.1), [0.3, 0.4) twice, [0.9, 1]; baseline: [0.1, 0.2) twice, [0.5, 0.6), [0.6, 0.7)
    expect(bars.filter((s) => s === 0)).toHaveLength(3);
    expect(bars.filter((s) => s === 1)).toHaveLength(3);
    expect(html).toContain('service: 2 in [0.3, 0.4)');
    expect(html).toContain('BM25 baseline: 2 in [0.1, 0.2)');
  });

  it('puts the baseline beside every summary metric, with the difference', () => {
    const html = renderEvalHtml({ report: evalReport(), baselinePerQuery });
    expect(html).toContain('<th scope="col">BM25 baseline</th>');
    expect(html).toContain('<tr><td>nDCG@10</td><td class="num">0.425</td><td class="num">0.34</td><td>+25.0%</td></tr>');
    expect(html).toContain('<tr><td>Recall@10</td><td class="num">0.75</td><td class="num">0.6</td><td>+25.0%</td></tr>');
    expect(barsOf(html, 'retrieval-metrics')).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('without a baseline draws the service alone and says how to add one', () => {
    const html = renderEvalHtml({ report: evalReport({ baseline: undefined }) });
    expect(new Set(barsOf(html, 'per-query-ndcg-10'))).toEqual(new Set([0]));
    expect(html).not.toContain('BM25 baseline</th>');
    expect(html).toContain('--baseline bm25 adds one');
  });

  it('says when the baseline ran but its per-query scores were not available', () => {
    const html = renderEvalHtml({ report: evalReport() });
    expect(html).toContain('the baseline per-query scores were not available');
    expect(html).toContain('BM25 baseline</th>');
  });

  it('keeps dataset strings as text: a query with <script> is escaped, never markup', () => {
    const html = renderEvalHtml({
      report: evalReport(),
      queryTexts: new Map([['q1', '<script>alert("pwned")</script> lift & drag']]),
    });
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; lift &amp; drag');
    expect(html).toContain('Evaluation of tiny&lt;set&gt;');
  });

  it('counts the queries where the service is ahead of, level with and behind BM25, and lists the largest losses first', () => {
    const service = evalReport().perQuery; // q1 0, q2 0.35, q3 0.35, q4 1
    const c = compareWithBaseline(service, [
      { queryId: 'q1', ndcg10: 0.5 },
      { queryId: 'q2', ndcg10: 0.35 },
      { queryId: 'q3', ndcg10: 0.4 },
      { queryId: 'q4', ndcg10: 0.2 },
      { queryId: 'other', ndcg10: 1 },
    ]);
    expect({ higher: c.higher, same: c.same, lower: c.lower }).toEqual({ higher: 1, same: 1, lower: 2 });
    expect(c.losses.map((l) => l.queryId)).toEqual(['q1', 'q3']);

    const html = renderEvalHtml({ report: evalReport(), baselinePerQuery });
    expect(html).toContain('queries, service higher: 2');
    expect(html).toContain('queries, BM25 higher: 2');
    expect(html).toContain('The 2 queries the service loses most to BM25');
    expect(renderEvalHtml({ report: evalReport() })).not.toContain('loses most to BM25');
  });

  it('lists the weakest queries first', () => {
    const html = renderEvalHtml({ report: evalReport(), worst: 2 });
    const weakest = html.slice(html.indexOf('The 2 queries with the lowest nDCG@10'));
    expect(weakest.indexOf('<td>q1</td>')).toBeGreaterThan(0);
    expect(weakest.indexOf('<td>q2</td>')).toBeGreaterThan(weakest.indexOf('<td>q1</td>'));
    expect(weakest).not.toContain('<td>q4</td>');
  });

  it('shows answer and abstention figures only when the run has them', () => {
    expect(renderEvalHtml({ report: evalReport() })).not.toContain('Answers and abstention');
    const html = renderEvalHtml({
      report: evalReport({
        abstention: {
          answerableSource: 'queries',
          answerable: 4,
          answeredWhenAnswerable: 0.75,
          unanswerableFile: 'other/queries.jsonl',
          unanswerable: 10,
          abstainedWhenNot: 0.9,
          failedQuestions: 0,
          totalMs: 50,
        },
      }),
    });
    expect(html).toContain('<tr><td>abstained when not</td><td class="num">0.9</td><td>10 from other/queries.jsonl</td></tr>');
    expect(html).toContain('<tr><td>answered when answerable</td><td class="num">0.75</td><td>4 judged queries</td></tr>');
  });

  it('draws a "no data" chart for a run without queries rather than failing, and NaN figures as n/a', () => {
    const report = evalReport({ perQuery: [], baseline: undefined });
    report.retrieval = { ...report.retrieval, ndcgAt10: Number.NaN, latencyMs: { ...report.retrieval.latencyMs, p50: Number.NaN } };
    const html = renderEvalHtml({ report });
    expect(html).toMatch(/<figure class="chart no-data-chart" id="per-query-ndcg-10">/);
    expect(html).toContain('<tr><td>nDCG@10</td><td class="num">n/a</td></tr>');
    expect(html).not.toMatch(/NaN/);
  });
});

describe('eval --no-html', () => {
  it('writes the HTML report beside --out by default, and not with --no-html', () => {
    expect(parseArgs(['--dataset', 'd', '--out', 'r.json']).html).toBeUndefined();
    expect(parseArgs(['--dataset', 'd', '--out', 'r.json', '--no-html']).html).toBe(false);
  });
});

describe('npm run eval --out on the golden set', () => {
  const repo = path.resolve(__dirname, '../../..');
  let dir: string;
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'eval/cli.ts', '--dataset', 'tests/fixtures/golden', '--baseline', 'bm25', '--no-qa', '--no-unanswerable', ...args],
      { cwd: repo, encoding: 'utf8', timeout: 120_000 },
    );

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rag-eval-html-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes <out>.html beside the JSON, with every query of the service and of BM25 though the JSON has no per-query figures', async () => {
    const out = path.join(dir, 'golden.json');
    const result = run('--out', out);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Wrote ${path.join(dir, 'golden.html')}`);
    const json = JSON.parse(await readFile(out, 'utf8')) as { perQuery?: unknown; dataset: { evaluatedQueries: number } };
    expect(json.perQuery).toBeUndefined();
    const html = await readFile(path.join(dir, 'golden.html'), 'utf8');
    const n = json.dataset.evaluatedQueries;
    expect(html).toContain(`aria-label="Per-query nDCG@10: service ${n} values, BM25 baseline ${n} values in 10 bins"`);
    expect(result.stderr).not.toContain('HTML report:');
  }, 120_000);

  it('writes the JSON only with --no-html', () => {
    const out = path.join(dir, 'plain.json');
    const result = run('--out', out, '--no-html');
    expect(result.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(path.join(dir, 'plain.html'))).toBe(false);
    expect(result.stdout).not.toContain('.html');
  }, 120_000);
});
