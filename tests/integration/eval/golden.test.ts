import * as path from 'node:path';
import { evaluate, type EvalReport } from '../../../eval/evaluate';

/**
 * Quality floor on the golden set (tests/fixtures/golden): the real eval pipeline — bulk ingestion with the
 * service's chunker and embedder, then validate/guard/retrieve/rerank and generate/cite per question — over
 * the embedded default adapters. The floors sit a little under what the current pipeline measures (see
 * docs/evaluation.md), so a retrieval or answer regression fails CI while harmless noise does not.
 */
const GOLDEN = path.resolve(__dirname, '..', '..', 'fixtures', 'golden');

// Measured with the embedded defaults (local-hash-v1, recursive-v1:1000:150, local-rerank-v1, local-extractive-v1):
// nDCG@10 0.887, Recall@10 0.917, MRR@10 0.890, containment 0.95, citation precision 0.946, grounding 1.0.
const FLOORS = {
  ndcgAt10: 0.85,
  recallAt10: 0.88,
  mrrAt10: 0.85,
  answerContainment: 0.85,
  citationPrecision: 0.85,
  groundingRate: 0.9,
};

describe('golden dataset quality floor', () => {
  let report: EvalReport;

  beforeAll(async () => {
    report = await evaluate({ datasetDir: GOLDEN, env: {} });
  });

  it('evaluates every judged query and every QA question without failures', () => {
    expect(report.dataset.stats.documents).toBe(36);
    expect(report.retrieval.queries).toBe(36);
    expect(report.retrieval.failedQueries).toBe(0);
    expect(report.ingestion.documents).toBe(36);
    expect(report.ingestion.chunks).toBeGreaterThanOrEqual(36);
    expect(report.qa?.questions).toBe(20);
    expect(report.qa?.failedQuestions).toBe(0);
  });

  it('keeps retrieval quality above the floor', () => {
    expect(report.retrieval.ndcgAt10).toBeGreaterThanOrEqual(FLOORS.ndcgAt10);
    expect(report.retrieval.recall['10']).toBeGreaterThanOrEqual(FLOORS.recallAt10);
    expect(report.retrieval.mrrAt10).toBeGreaterThanOrEqual(FLOORS.mrrAt10);
    // Metrics are means of per-query values in [0, 1].
    expect(report.retrieval.mapAt100).toBeGreaterThan(0);
    expect(report.retrieval.mapAt100).toBeLessThanOrEqual(1);
  });

  it('keeps answer quality above the floor', () => {
    const qa = report.qa;
    if (!qa) throw new Error('the golden set has questions.jsonl, QA metrics are expected');
    expect(qa.answerContainment).toBeGreaterThanOrEqual(FLOORS.answerContainment);
    expect(qa.citationPrecisionQuestions).toBeGreaterThan(0);
    expect(qa.citationPrecision).toBeGreaterThanOrEqual(FLOORS.citationPrecision);
    expect(qa.groundingRate).toBeGreaterThanOrEqual(FLOORS.groundingRate);
  });

  it('reports the configuration under test', () => {
    expect(report.configuration.embedder.modelId).toBeTruthy();
    expect(report.configuration.embedder.dimensions).toBeGreaterThan(0);
    expect(report.configuration.chunker.configId).toBeTruthy();
    expect(report.configuration.retrievalDepth).toBe(100);
    expect(report.perQuery).toHaveLength(36);
  });
});
