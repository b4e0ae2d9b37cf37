import { randomUUID } from 'node:crypto';
import { type ChunkRef, guardInput, retrieveAndRank, validateQuery } from '../shared/pipeline/query';
import type { QueryWorkflowInput } from '../shared/contracts/query';
import type { Services } from '../shared/pipeline/services';
import type { BeirQuery, Qrels } from './beir';
import { aggregateByDocument, cpuMsPer, mapAtK, mean, mrrAtK, ndcgAtK, type Percentiles, percentiles, rankByScore, recallAtK } from './metrics';

/**
 * Retrieval metrics need the ranking, which the query state machine does not return (it answers), so every
 * judged query takes the fast path below: the state machine's Tasks up to RetrieveAndRank, called in-process with
 * the same services. tests/integration/eval/retrieval-equivalence.test.ts proves that it yields the ranking
 * the state machine hands to Generate (same chunk ids, order and scores). The document rankings are scored
 * with trec_eval's definitions.
 */

/** What the query state machine would rank for this input: `blocked` when its InputAllowed Choice skips retrieval. */
export type ChunkRanking = { blocked: true } | { blocked: false; chunks: ChunkRef[] };

/**
 * ValidateQuery → GuardInput → InputAllowed → RetrieveAndRank, as statemachines/query.asl.json chains them.
 * A knowledge-base generator retrieves inside Generate: there is no ranking of ours to measure.
 */
export async function rankChunks(services: Services, input: QueryWorkflowInput): Promise<ChunkRanking> {
  const query = validateQuery(services, input);
  const inputGuard = await guardInput(services, query);
  if (inputGuard.blocked) return { blocked: true };
  if (query.mode === 'knowledge-base') throw new Error('In knowledge-base mode the Knowledge Base retrieves inside Generate; nothing to rank here');
  const ranked = await retrieveAndRank(services, query, inputGuard.question);
  return { blocked: false, chunks: ranked.chunks.map((c) => ({ id: c.chunk.id, score: c.score })) };
}

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
  /**
   * Process CPU time (user + system, every thread: LanceDB searches on its own) per query over the ranking
   * path (ValidateQuery, GuardInput, RetrieveAndRank), queries run one at a time: what a query costs the machine.
   */
  cpuMsPerQuery: number;
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
  const cpuStart = process.cpuUsage();
  const perQuery: QueryOutcome[] = [];
  for (const query of queries) {
    const grades = qrels.get(query.id) ?? new Map<string, number>();
    const t0 = performance.now();
    let run: { id: string; score: number }[] = [];
    let error: string | undefined;
    try {
      const ranking = await rankChunks(services, { question: query.text, topK: options.depth, tenant: options.tenant, requestId: randomUUID() });
      if (ranking.blocked) error = 'BlockedByInputGuardrail';
      else run = aggregateByDocument(ranking.chunks.map((chunk) => ({ documentId: datasetIdByChunkId.get(chunk.id), score: chunk.score })));
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
  const cpuMsPerQuery = cpuMsPer(cpuStart, perQuery.length);
  return { metrics: summarize(perQuery, options.ks), perQuery, totalMs: performance.now() - started, cpuMsPerQuery };
}
