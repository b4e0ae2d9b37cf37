import { randomUUID } from 'node:crypto';
import type { Services } from '../shared/pipeline/services';
import { guardInput, rerank, retrieve, validateQuery } from '../shared/pipeline/query';
import type { BeirQuery, Qrels } from './beir';
import { aggregateByDocument, mapAtK, mean, mrrAtK, ndcgAtK, type Percentiles, percentiles, rankByScore, recallAtK } from './metrics';

/**
 * Runs every judged query through the service's own retrieval path — validateQuery, guardInput, retrieve,
 * rerank, exactly the use-cases the query state machine's Tasks call — folds chunk hits into documents and
 * scores the document ranking with trec_eval's definitions.
 */
export interface RetrievalRunOptions {
  tenant: string;
  /** Cut-offs for Recall@k; nDCG@10, MRR@10 and MAP@100 are always computed. */
  ks: number[];
  /** Chunks asked of the service per query (the request's topK): at least the largest cut-off. */
  depth: number;
  onProgress?: () => void;
}

export interface QueryOutcome {
  queryId: string;
  /** Dataset document ids, best first (trec_eval order: score, then id). */
  ranking: { id: string; score: number }[];
  ndcg10: number;
  mrr10: number;
  map100: number;
  recall: Record<string, number>;
  latencyMs: number;
  /** Set when the service refused or failed the query; the query then scores 0. */
  error?: string;
}

export interface RetrievalMetrics {
  queries: number;
  ndcgAt10: number;
  mrrAt10: number;
  mapAt100: number;
  recall: Record<string, number>;
  latencyMs: Percentiles;
  failedQueries: number;
}

export interface RetrievalRun {
  metrics: RetrievalMetrics;
  perQuery: QueryOutcome[];
  totalMs: number;
}

/** Scores one query's document run; pure, so the golden test and the CLI score the same way. */
export function scoreQuery(
  run: { id: string; score: number }[],
  grades: ReadonlyMap<string, number>,
  ks: number[],
): Omit<QueryOutcome, 'queryId' | 'latencyMs' | 'ranking'> {
  const ranking = rankByScore(run);
  return {
    ndcg10: ndcgAtK(ranking, grades, 10),
    mrr10: mrrAtK(ranking, grades, 10),
    map100: mapAtK(ranking, grades, 100),
    recall: Object.fromEntries(ks.map((k) => [String(k), recallAtK(ranking, grades, k)])),
  };
}

export function summarize(perQuery: QueryOutcome[], ks: number[]): RetrievalMetrics {
  return {
    queries: perQuery.length,
    ndcgAt10: mean(perQuery.map((q) => q.ndcg10)),
    mrrAt10: mean(perQuery.map((q) => q.mrr10)),
    mapAt100: mean(perQuery.map((q) => q.map100)),
    recall: Object.fromEntries(ks.map((k) => [String(k), mean(perQuery.map((q) => q.recall[String(k)] ?? 0))])),
    latencyMs: percentiles(perQuery.filter((q) => q.error === undefined).map((q) => q.latencyMs)),
    failedQueries: perQuery.filter((q) => q.error !== undefined).length,
  };
}

export async function runRetrieval(
  services: Services,
  queries: readonly BeirQuery[],
  qrels: Qrels,
  datasetIdByChunkId: ReadonlyMap<string, string>,
  options: RetrievalRunOptions,
): Promise<RetrievalRun> {
  const started = performance.now();
  const perQuery: QueryOutcome[] = [];
  for (const query of queries) {
    const grades = qrels.get(query.id) ?? new Map<string, number>();
    const t0 = performance.now();
    let run: { id: string; score: number }[] = [];
    let error: string | undefined;
    try {
      const validated = validateQuery(services, { question: query.text, topK: options.depth, tenant: options.tenant, requestId: randomUUID() });
      const guard = await guardInput(services, validated);
      if (guard.blocked) {
        error = 'BlockedByInputGuardrail';
      } else {
        const retrieval = await retrieve(services, validated, guard.question);
        const ranked = await rerank(services, validated, guard.question, retrieval);
        run = aggregateByDocument(ranked.chunks.map((chunk) => ({ documentId: datasetIdByChunkId.get(chunk.id), score: chunk.score })));
      }
    } catch (failure) {
      error = failure instanceof Error ? failure.name : 'UnknownError';
    }
    const latencyMs = performance.now() - t0;
    const scores = scoreQuery(run, grades, options.ks);
    const scoreById = new Map(run.map((entry) => [entry.id, entry.score]));
    perQuery.push({
      queryId: query.id,
      ranking: rankByScore(run).map((id) => ({ id, score: scoreById.get(id) ?? 0 })),
      ...scores,
      latencyMs,
      ...(error ? { error } : {}),
    });
    options.onProgress?.();
  }
  return { metrics: summarize(perQuery, options.ks), perQuery, totalMs: performance.now() - started };
}
