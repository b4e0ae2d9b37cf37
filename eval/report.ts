import type { EvalReport } from './evaluate';
import type { Percentiles } from './metrics';

/** Human-readable summary and the JSON document written by `npm run eval`. */

export interface GateResult {
  minNdcg: number;
  ndcgAt10: number;
  passed: boolean;
}

export function checkGate(report: EvalReport, minNdcg: number | undefined): GateResult | undefined {
  if (minNdcg === undefined) return undefined;
  return { minNdcg, ndcgAt10: report.retrieval.ndcgAt10, passed: report.retrieval.ndcgAt10 >= minNdcg };
}

const fixed = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');
const seconds = (value: number): string => `${(value / 1000).toFixed(1)} s`;

/** Rows as two aligned columns. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join('\n');
}

function latencyRow(label: string, p: Percentiles): [string, string] {
  return [label, `p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  p99 ${ms(p.p99)}  (n=${p.count})`];
}

/** The run's configuration as (setting, value) rows: the text table and the HTML report show the same. */
export function configurationRows(report: Pick<EvalReport, 'configuration'>): [string, string][] {
  const c = report.configuration;
  const hybrid = c.hybrid
    ? ` hybrid ${Object.entries(c.hybrid)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ')}`
    : '';
  return [
    ['embedder', `${c.embedder.modelId} (${c.embedder.dimensions} dimensions)`],
    ['chunker', `${c.chunker.configId} (size ${c.chunker.size}, overlap ${c.chunker.overlap})`],
    ['vector store', `${c.vectorStore}${hybrid}`],
    ['reranker', c.reranker],
    ['retrieval', `candidates ${c.candidates}, depth ${c.retrievalDepth}, min relevance ${c.minRelevance}`],
    ['generator', `${c.generator} (topK ${c.qaTopK}, prompt ${c.promptVersion}, guardrail ${c.guardrail})`],
  ];
}

export function formatReport(report: EvalReport, gate?: GateResult): string {
  const { dataset, ingestion, retrieval, qa } = report;
  const out: string[] = [];
  out.push(`Evaluation of ${dataset.name} (split ${dataset.split}): ${dataset.stats.documents} documents, ${dataset.evaluatedQueries} judged queries`);
  out.push('');
  out.push('Retrieval (trec_eval definitions, document level)');
  out.push(
    table([
      ['nDCG@10', fixed(retrieval.ndcgAt10)],
      ...Object.entries(retrieval.recall).map(([k, value]): [string, string] => [`Recall@${k}`, fixed(value)]),
      ['MRR@10', fixed(retrieval.mrrAt10)],
      ['MAP@100', fixed(retrieval.mapAt100)],
      latencyRow('query latency', retrieval.latencyMs),
      ['query CPU', `${retrieval.cpuMsPerQuery.toFixed(1)} ms a query (process, every thread; validate, guard, retrieve, rank)`],
      ...(retrieval.failedQueries > 0 ? [['failed queries', String(retrieval.failedQueries)] as [string, string]] : []),
    ]),
  );
  if (report.baseline) {
    const b = report.baseline.retrieval;
    const lead = (ours: number, theirs: number) =>
      theirs > 0 ? `  (service ${ours >= theirs ? '+' : ''}${(((ours - theirs) / theirs) * 100).toFixed(1)}%)` : '';
    out.push('');
    out.push(`Baseline on the same files: ${report.baseline.name}`);
    out.push(
      table([
        ['nDCG@10', `${fixed(b.ndcgAt10)}${lead(retrieval.ndcgAt10, b.ndcgAt10)}`],
        ...Object.entries(b.recall).map(([k, value]): [string, string] => [`Recall@${k}`, `${fixed(value)}${lead(retrieval.recall[k] ?? 0, value)}`]),
        ['MRR@10', `${fixed(b.mrrAt10)}${lead(retrieval.mrrAt10, b.mrrAt10)}`],
      ]),
    );
  }
  if (qa) {
    out.push('');
    out.push(`Answers (${qa.questions} questions)`);
    out.push(
      table([
        ['answer containment', fixed(qa.answerContainment)],
        ['citation precision', `${fixed(qa.citationPrecision)}  (${qa.citationPrecisionQuestions} questions with doc_ids and citations)`],
        ['grounding rate', fixed(qa.groundingRate)],
        ...(qa.meanGroundingScore !== undefined ? [['mean grounding score', fixed(qa.meanGroundingScore)] as [string, string]] : []),
        ['answered with citations', `${qa.answeredWithCitations}/${qa.questions}`],
        latencyRow('answer latency', qa.latencyMs),
        ...(qa.failedQuestions > 0 ? [['failed questions', String(qa.failedQuestions)] as [string, string]] : []),
      ]),
    );
  }
  if (report.abstention) {
    const a = report.abstention;
    const count = (rate: number, n: number) => `${Math.round(rate * n)}/${n}`;
    out.push('');
    out.push('Abstention (knows when it does not know)');
    out.push(
      table([
        [
          'answered when answerable',
          `${fixed(a.answeredWhenAnswerable)}  (${count(a.answeredWhenAnswerable, a.answerable)} ${a.answerableSource === 'qa' ? 'QA questions' : 'judged queries'})`,
        ],
        [
          'abstained when not',
          a.unanswerable > 0
            ? `${fixed(a.abstainedWhenNot)}  (${count(a.abstainedWhenNot, a.unanswerable)} from ${a.unanswerableFile ?? 'n/a'})`
            : 'n/a (no unanswerable questions)',
        ],
        ...(a.failedQuestions > 0 ? [['failed questions', String(a.failedQuestions)] as [string, string]] : []),
      ]),
    );
  }
  out.push('');
  out.push('Ingestion');
  out.push(
    table([
      ['documents', `${ingestion.documents}${ingestion.skippedDocuments > 0 ? ` (${ingestion.skippedDocuments} empty, skipped)` : ''}`],
      ['chunks', String(ingestion.chunks)],
      ['time', `${seconds(ingestion.ms)}  (${ingestion.chunksPerSecond.toFixed(0)} chunks/s)`],
    ]),
  );
  out.push('');
  out.push('Configuration');
  out.push(table([...configurationRows(report)]));
  out.push('');
  out.push(`Took ${seconds(report.timing.totalMs)} on ${report.machine.cpus} CPU cores (Node ${report.machine.node}).`);
  if (gate) {
    out.push(
      gate.passed
        ? `Quality gate passed: nDCG@10 ${fixed(gate.ndcgAt10)} >= ${gate.minNdcg}`
        : `Quality gate FAILED: nDCG@10 ${fixed(gate.ndcgAt10)} < ${gate.minNdcg}`,
    );
  }
  return out.join('\n');
}

export interface JsonOptions {
  /** Include per-query metrics and rankings (large for big datasets). */
  perQuery?: boolean;
}

/** The result document: every aggregate, the configuration, the gate, and per-query details on request. */
export function toJson(report: EvalReport, gate: GateResult | undefined, options: JsonOptions = {}): Record<string, unknown> {
  const { perQuery, perQuestion, perAbstention, ...summary } = report;
  return {
    ...summary,
    ...(gate ? { gate } : {}),
    ...(options.perQuery ? { perQuery, ...(perQuestion ? { perQuestion } : {}), ...(perAbstention ? { perAbstention } : {}) } : {}),
  };
}

/** TREC run format (qid Q0 docid rank score tag), for checking the figures with trec_eval or pytrec_eval. */
export function toTrecRun(report: EvalReport, tag = 'rag-eval'): string {
  return report.perQuery
    .flatMap((query) => query.ranking.map((entry, i) => `${query.queryId} Q0 ${entry.id} ${i + 1} ${entry.score} ${tag}`))
    .join('\n')
    .concat('\n');
}
