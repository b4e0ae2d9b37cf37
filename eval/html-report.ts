import { type Cell, chartRow, dataTable, groupedBarChart, histogramChart, htmlPage, type PageSection } from '../scripts/report/html-report';
import type { EvalReport } from './evaluate';
import { configurationRows, type GateResult } from './report';
import type { QueryOutcome } from './run-retrieval';

/**
 * The HTML report of `npm run eval`, written beside the JSON: the per-query nDCG@10 distribution of the service and
 * of the BM25 baseline side by side, the summary metrics with the baseline beside them, answers, abstention,
 * latency, ingestion and configuration. It is drawn from the in-memory report, which always holds the per-query
 * figures, so it has them whether or not the JSON does (`--per-query`).
 */
export type EvalHtmlReport = Omit<EvalReport, 'perQuery' | 'perQuestion' | 'perAbstention'> & {
  perQuery: readonly Pick<QueryOutcome, 'queryId' | 'ndcg10' | 'latencyMs' | 'error'>[];
};

export interface EvalHtmlInput {
  report: EvalHtmlReport;
  /** The baseline's own per-query scores (its report keeps only the means); without them its histogram is missing. */
  baselinePerQuery?: readonly Pick<QueryOutcome, 'queryId' | 'ndcg10'>[];
  /** Query texts by id, to name the weakest queries. */
  queryTexts?: ReadonlyMap<string, string>;
  /** How many of the weakest queries to list. */
  worst?: number;
  gate?: GateResult;
}

const NDCG_BINS = { bins: 10, min: 0, max: 1 };

function summaryRows(report: EvalHtmlReport): { name: string; service: number; baseline: number | undefined }[] {
  const r = report.retrieval;
  const b = report.baseline?.retrieval;
  return [
    { name: 'nDCG@10', service: r.ndcgAt10, baseline: b?.ndcgAt10 },
    ...Object.entries(r.recall).map(([k, value]) => ({ name: `Recall@${k}`, service: value, baseline: b?.recall[k] })),
    { name: 'MRR@10', service: r.mrrAt10, baseline: b?.mrrAt10 },
    { name: 'MAP@100', service: r.mapAt100, baseline: b?.mapAt100 },
  ];
}

const relative = (ours: number, theirs: number | undefined): Cell =>
  theirs !== undefined && theirs > 0 && Number.isFinite(ours) ? `${ours >= theirs ? '+' : ''}${(((ours - theirs) / theirs) * 100).toFixed(1)}%` : undefined;

function retrievalSection(input: EvalHtmlInput): PageSection {
  const { report } = input;
  const baselineName = report.baseline ? 'BM25 baseline' : undefined;
  const rows = summaryRows(report);
  const series = [{ name: 'service', values: rows.map((row) => row.service) }];
  if (report.baseline) series.push({ name: baselineName as string, values: rows.map((row) => row.baseline ?? Number.NaN) });
  const histogramSeries = [{ name: 'service', values: report.perQuery.map((q) => q.ndcg10) }];
  if (input.baselinePerQuery) histogramSeries.push({ name: baselineName ?? 'baseline', values: input.baselinePerQuery.map((q) => q.ndcg10) });
  const charts = [
    histogramChart(
      {
        title: 'Per-query nDCG@10',
        xLabel: 'nDCG@10 of a query',
        yLabel: 'queries',
        caption: `${report.perQuery.length} judged queries${input.baselinePerQuery ? `; the baseline scored on the same queries and judgements` : report.baseline ? '; the baseline per-query scores were not available' : ''}. Bins of 0.1, the last includes 1.`,
      },
      histogramSeries,
      NDCG_BINS,
    ),
    groupedBarChart(
      { title: 'Retrieval metrics', xLabel: 'metric (document level, trec_eval definitions)', yLabel: 'score' },
      rows.map((row) => row.name),
      series,
    ),
  ];
  const headers = ['metric', 'service', ...(report.baseline ? ['BM25 baseline', 'service vs baseline'] : [])];
  const table = dataTable(
    'Summary',
    headers,
    rows.map((row) => [row.name, row.service, ...(report.baseline ? [row.baseline, relative(row.service, row.baseline)] : [])]),
  );
  const note = report.baseline
    ? `Baseline: ${report.baseline.name}, on the same files.`
    : 'No baseline in this run (npm run eval -- --baseline bm25 adds one).';
  return { heading: 'Retrieval', note, html: chartRow(charts) + table };
}

/** Per query, the service against the baseline on the queries both scored: how often each is ahead, and the largest losses. */
export function compareWithBaseline(
  perQuery: EvalHtmlReport['perQuery'],
  baselinePerQuery: NonNullable<EvalHtmlInput['baselinePerQuery']>,
): { higher: number; same: number; lower: number; losses: { queryId: string; service: number; baseline: number }[] } {
  const baseline = new Map(baselinePerQuery.map((q) => [q.queryId, q.ndcg10]));
  const pairs = perQuery.flatMap((q) => {
    const theirs = baseline.get(q.queryId);
    return theirs === undefined ? [] : [{ queryId: q.queryId, service: q.ndcg10, baseline: theirs }];
  });
  const same = (p: { service: number; baseline: number }): boolean => Math.abs(p.service - p.baseline) < 1e-9;
  return {
    higher: pairs.filter((p) => !same(p) && p.service > p.baseline).length,
    same: pairs.filter(same).length,
    lower: pairs.filter((p) => !same(p) && p.service < p.baseline).length,
    losses: pairs
      .filter((p) => !same(p) && p.service < p.baseline)
      .sort((a, b) => a.service - a.baseline - (b.service - b.baseline) || a.queryId.localeCompare(b.queryId)),
  };
}

function queriesSection(input: EvalHtmlInput): PageSection {
  const limit = input.worst ?? 10;
  const text = (id: string): Cell => input.queryTexts?.get(id);
  const baseline = new Map((input.baselinePerQuery ?? []).map((q) => [q.queryId, q.ndcg10]));
  const worst = [...input.report.perQuery].sort((a, b) => a.ndcg10 - b.ndcg10 || a.queryId.localeCompare(b.queryId)).slice(0, limit);
  let html = dataTable(
    `The ${worst.length} queries with the lowest nDCG@10`,
    ['query id', 'text', 'nDCG@10', ...(input.baselinePerQuery ? ['BM25 nDCG@10'] : []), 'error'],
    worst.map((q): Cell[] => [q.queryId, text(q.queryId), q.ndcg10, ...(input.baselinePerQuery ? [baseline.get(q.queryId)] : []), q.error ?? '']),
  );
  if (input.baselinePerQuery) {
    const c = compareWithBaseline(input.report.perQuery, input.baselinePerQuery);
    const chart = groupedBarChart(
      { title: 'Per-query nDCG@10 against BM25', xLabel: 'on the same query', yLabel: 'queries' },
      ['service higher', 'equal', 'BM25 higher'],
      [{ name: 'queries', values: [c.higher, c.same, c.lower] }],
    );
    const losses = c.losses.slice(0, limit);
    html =
      chartRow([chart]) +
      html +
      dataTable(
        `The ${losses.length} queries the service loses most to BM25`,
        ['query id', 'text', 'nDCG@10', 'BM25 nDCG@10', 'difference'],
        losses.map((l): Cell[] => [l.queryId, text(l.queryId), l.service, l.baseline, l.service - l.baseline]),
      );
  }
  return { heading: 'Queries', html };
}

function answersSection(report: EvalHtmlReport): PageSection | undefined {
  const rows: Cell[][] = [];
  if (report.qa) {
    const qa = report.qa;
    rows.push(
      ['answer containment', qa.answerContainment, `${qa.questions} questions`],
      ['citation precision', qa.citationPrecision, `${qa.citationPrecisionQuestions} questions with doc_ids and citations`],
      ['grounding rate', qa.groundingRate, ''],
      ['mean grounding score', qa.meanGroundingScore, ''],
      ['answered with citations', qa.answeredWithCitations, `of ${qa.questions}`],
      ['failed questions', qa.failedQuestions, ''],
    );
  }
  if (report.abstention) {
    const a = report.abstention;
    rows.push(
      ['answered when answerable', a.answeredWhenAnswerable, `${a.answerable} ${a.answerableSource === 'qa' ? 'QA questions' : 'judged queries'}`],
      [
        'abstained when not',
        a.unanswerable > 0 ? a.abstainedWhenNot : undefined,
        a.unanswerable > 0 ? `${a.unanswerable} from ${a.unanswerableFile ?? 'n/a'}` : 'no unanswerable questions',
      ],
      ['abstention failed questions', a.failedQuestions, ''],
    );
  }
  if (rows.length === 0) return undefined;
  return { heading: 'Answers and abstention', html: dataTable('Answer quality', ['measure', 'value', 'over'], rows) };
}

function latencySection(report: EvalHtmlReport): PageSection {
  const latencies = [
    { name: 'query (ranking path)', p: report.retrieval.latencyMs },
    ...(report.qa ? [{ name: 'answer (query state machine)', p: report.qa.latencyMs }] : []),
  ];
  const histogram = histogramChart(
    { title: 'Per-query latency', xLabel: 'ms (ranking path)', yLabel: 'queries', caption: 'Queries that failed are left out.' },
    [{ name: 'service', values: report.perQuery.filter((q) => q.error === undefined).map((q) => q.latencyMs) }],
    { bins: 20 },
  );
  const chart = groupedBarChart(
    { title: 'Latency percentiles', xLabel: 'percentile', yLabel: 'ms', caption: 'One query at a time, in-process: what a query costs, not a load test.' },
    ['p50', 'p95', 'p99'],
    latencies.map((l) => ({ name: l.name, values: [l.p.p50, l.p.p95, l.p.p99] })),
  );
  const table = dataTable(
    'Latency (ms)',
    ['path', 'p50', 'p95', 'p99', 'mean', 'max', 'n'],
    latencies.map((l) => [l.name, l.p.p50, l.p.p95, l.p.p99, l.p.mean, l.p.max, l.p.count]),
  );
  return { heading: 'Latency', html: chartRow([histogram, chart]) + table };
}

function setupSection(report: EvalHtmlReport, gate: GateResult | undefined): PageSection {
  const i = report.ingestion;
  return {
    heading: 'Ingestion and configuration',
    html:
      dataTable(
        'Ingestion',
        ['documents', 'skipped (empty)', 'chunks', 'seconds', 'chunks/s', 'embedding tokens'],
        [[i.documents, i.skippedDocuments, i.chunks, i.ms / 1000, i.chunksPerSecond, i.embeddingTokens]],
      ) +
      dataTable(
        'Configuration',
        ['setting', 'value'],
        [
          ...configurationRows(report),
          ['machine', `${report.machine.cpus} CPU cores, Node ${report.machine.node}, ${report.machine.platform}`],
          ['run', `${report.timing.startedAt} → ${report.timing.finishedAt} (${(report.timing.totalMs / 1000).toFixed(1)} s)`],
          ...(gate ? [['quality gate', `${gate.passed ? 'passed' : 'FAILED'}: nDCG@10 ${gate.ndcgAt10.toFixed(3)} vs ${gate.minNdcg}`] as Cell[]] : []),
        ],
      ),
  };
}

/** The complete page. */
export function renderEvalHtml(input: EvalHtmlInput): string {
  const { report } = input;
  const d = report.dataset;
  const sections = [retrievalSection(input), answersSection(report), latencySection(report), queriesSection(input), setupSection(report, input.gate)].filter(
    (s): s is PageSection => s !== undefined,
  );
  return htmlPage(
    `Evaluation of ${d.name} (split ${d.split})`,
    `${d.stats.documents} documents, ${d.evaluatedQueries} judged queries; ${report.timing.startedAt}`,
    sections,
  );
}
