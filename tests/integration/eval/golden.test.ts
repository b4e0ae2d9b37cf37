import * as path from 'node:path';
import { runBm25Retrieval, Bm25Index } from '../../../eval/baselines/bm25';
import { verbatimAnswerer } from '../../../eval/baselines/verbatim-answerer';
import { loadBeirDataset, loadQaFile, parseQueries } from '../../../eval/beir';
import { readFile } from 'node:fs/promises';
import { BM25_REFERENCE, DEFAULT_KS, EVAL_TENANT, type EvalReport, evaluate, MAX_DEPTH } from '../../../eval/evaluate';
import { formatReport } from '../../../eval/report';
import { type AbstentionMetrics, type QaMetrics, runAbstention, runQa, summarizeAbstention } from '../../../eval/run-qa';
import type { RetrievalMetrics } from '../../../eval/run-retrieval';

/**
 * Quality of the service on the golden set (tests/fixtures/golden, see its README), judged against baselines
 * computed here on the same files, so a floor means "better than something simple", not "above a number":
 * - retrieval: the service (bulk ingestion, then the query state machine's ranking path) against plain BM25
 *   (eval/baselines/bm25.ts: Lucene-style, k1 0.9, b 0.4, lower-cased tokens, Lucene's English stop words,
 *   no stemming), both scored by the same trec_eval code;
 * - answers: the service (each question one execution of the query state machine) against the answerer that
 *   returns BM25's top document verbatim and cites it (eval/baselines/verbatim-answerer.ts).
 *
 * Measured with the embedded defaults (local-hash-v1, recursive-v1:1000:150, LanceDB hybrid, local-rerank-v1,
 * local-extractive-v1) on 46 documents, 47 judged queries, 32 questions:
 *
 *   nDCG@10            service 0.900   BM25 0.890   (paired per-query difference +0.010, standard error 0.034;
 *                                                  the service wins 8 queries and loses 6)
 *   answer containment service 0.781   verbatim 0.875
 *   citation precision service 0.883   verbatim 0.938
 *   grounding rate     service 1.000   verbatim 1.000 (a verbatim answer is its own source: always grounded)
 *
 * So today the service is not clearly better than either baseline. What holds is asserted as a floor (the
 * service ranks above BM25 at all), what the service must reach is asserted with `it.failing`: those tests pass
 * while the gap exists and fail the day it closes, which is the signal to turn them into plain `it`.
 */
const GOLDEN = path.resolve(__dirname, '..', '..', 'fixtures', 'golden');

/**
 * The lead over BM25 that counts as "clearly better": 0.05 nDCG@10 is about 1.5 standard errors of the paired
 * per-query difference on this set (sd 0.23 over 47 queries), i.e. the smallest lead this small a set can tell
 * from query-by-query luck. For scale: on cranfield the service leads the same BM25 by 0.09 (0.406 vs 0.316).
 */
const TARGET_NDCG_LEAD = 0.05;
/**
 * Answers: "clearly below" means the verbatim answerer trails by at least 3 of the 32 questions (0.09) on
 * containment, and by 0.05 on citation precision (cited chunks, averaged per question).
 */
const TARGET_CONTAINMENT_LEAD = 3 / 32;
const TARGET_CITATION_PRECISION_LEAD = 0.05;

/** Breakage floors, a little under the measured values: they catch a broken path, not a weak one. */
const FLOORS = { recallAt10: 0.9, answerContainment: 0.75, citationPrecision: 0.85, groundingRate: 0.95, answeredWhenAnswerable: 0.95 };

describe('golden set: the service against baselines computed on the same set', () => {
  let report: EvalReport;
  let bm25: RetrievalMetrics;
  let verbatim: QaMetrics;
  let reference: RetrievalMetrics;
  let verbatimAbstention: AbstentionMetrics;

  beforeAll(async () => {
    report = await evaluate({ datasetDir: GOLDEN, env: {}, baseline: 'bm25' });
    const dataset = await loadBeirDataset(GOLDEN, 'test');
    reference = runBm25Retrieval(dataset, DEFAULT_KS, MAX_DEPTH, BM25_REFERENCE).metrics;
    bm25 = runBm25Retrieval(dataset, DEFAULT_KS, MAX_DEPTH).metrics;
    const keyPrefix = `${EVAL_TENANT}/${dataset.name}/`;
    const items = await loadQaFile(path.join(GOLDEN, 'questions.jsonl'));
    const answerer = verbatimAnswerer(new Bm25Index(dataset.corpus), dataset.corpus, keyPrefix);
    verbatim = (await runQa(answerer, items, { tenant: EVAL_TENANT, keyPrefix, datasetIdByChunkId: new Map() })).metrics;
    const unanswerable = parseQueries(await readFile(path.join(GOLDEN, 'unanswerable.jsonl'), 'utf8'));
    const asked = await runAbstention(
      answerer,
      [...items.map((q) => ({ id: q.id, text: q.question, answerable: true })), ...unanswerable.map((q) => ({ id: q.id, text: q.text, answerable: false }))],
      { tenant: EVAL_TENANT },
    );
    verbatimAbstention = summarizeAbstention(asked, 'qa');
  });

  it('evaluates every judged query and every question without failures', () => {
    expect(report.dataset.stats.documents).toBe(46);
    expect(report.retrieval.queries).toBe(47);
    expect(report.retrieval.failedQueries).toBe(0);
    expect(report.ingestion.documents).toBe(46);
    // The kettle guide and the tomato guide are long enough to be split: their answers span chunks.
    expect(report.ingestion.chunks).toBeGreaterThanOrEqual(50);
    expect(report.qa?.questions).toBe(32);
    expect(report.qa?.failedQuestions).toBe(0);
    expect(bm25.queries).toBe(47);
    expect(verbatim.questions).toBe(32);
  });

  it('reports the reference BM25 (--baseline bm25) beside the service, computed on the same files', () => {
    expect(report.baseline?.retrieval.ndcgAt10).toBe(reference.ndcgAt10);
    expect(report.baseline?.retrieval.recall).toEqual(reference.recall);
    expect(report.baseline?.name).toMatch(/k1 0\.9, b 0\.4, Porter/);
    expect(formatReport(report)).toMatch(/Baseline on the same files[\s\S]*nDCG@10\s+\d\.\d+\s+\(service [+-]\d+\.\d%\)/);
  });

  it('reports the CPU a query of the ranking path costs (process, every thread)', () => {
    expect(report.retrieval.cpuMsPerQuery).toBeGreaterThan(0);
    expect(formatReport(report)).toMatch(/query CPU\s+\d+\.\d ms a query/);
  });

  it('ranks better than plain BM25 on nDCG@10', () => {
    expect(report.retrieval.ndcgAt10).toBeGreaterThan(bm25.ndcgAt10);
  });

  it.failing(`TARGET (not met yet): beats plain BM25 by ${TARGET_NDCG_LEAD} nDCG@10`, () => {
    expect(report.retrieval.ndcgAt10).toBeGreaterThanOrEqual(bm25.ndcgAt10 + TARGET_NDCG_LEAD);
  });

  it.failing('TARGET (not met yet): answers clearly better than the verbatim top BM25 document', () => {
    const qa = report.qa as QaMetrics;
    expect(qa.answerContainment).toBeGreaterThanOrEqual(verbatim.answerContainment + TARGET_CONTAINMENT_LEAD);
    expect(qa.citationPrecision).toBeGreaterThanOrEqual(verbatim.citationPrecision + TARGET_CITATION_PRECISION_LEAD);
    expect(qa.groundingRate).toBeGreaterThanOrEqual(verbatim.groundingRate);
  });

  it('stays above the breakage floors', () => {
    const qa = report.qa;
    if (!qa) throw new Error('the golden set has questions.jsonl, QA metrics are expected');
    expect(report.retrieval.recall['10']).toBeGreaterThanOrEqual(FLOORS.recallAt10);
    expect(qa.answerContainment).toBeGreaterThanOrEqual(FLOORS.answerContainment);
    expect(qa.citationPrecisionQuestions).toBe(32);
    expect(qa.citationPrecision).toBeGreaterThanOrEqual(FLOORS.citationPrecision);
    expect(qa.groundingRate).toBeGreaterThanOrEqual(FLOORS.groundingRate);
  });

  it('knows when it does not know: declines unanswerable questions the verbatim answerer answers, and still answers the answerable ones', () => {
    const abstention = report.abstention;
    if (!abstention) throw new Error('the golden set has unanswerable.jsonl, abstention metrics are expected');
    expect(abstention.answerable).toBe(32);
    expect(abstention.unanswerable).toBe(10);
    expect(abstention.failedQuestions).toBe(0);
    // The verbatim answerer always answers: it never abstains, so it is the floor to beat, computed here.
    expect(verbatimAbstention.abstainedWhenNot).toBe(0);
    expect(abstention.abstainedWhenNot).toBeGreaterThanOrEqual(verbatimAbstention.abstainedWhenNot + 0.5);
    expect(abstention.answeredWhenAnswerable).toBeGreaterThanOrEqual(FLOORS.answeredWhenAnswerable);
    expect(formatReport(report)).toMatch(/answered when answerable\s+\d\.\d{3}[\s\S]*abstained when not\s+\d\.\d{3}/);
  });

  it('reports the configuration under test', () => {
    expect(report.configuration.embedder.modelId).toBeTruthy();
    expect(report.configuration.embedder.dimensions).toBeGreaterThan(0);
    expect(report.configuration.chunker.configId).toBeTruthy();
    expect(report.configuration.retrievalDepth).toBe(MAX_DEPTH);
    expect(report.perQuery).toHaveLength(47);
  });
});
