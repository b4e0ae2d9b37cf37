import type { ScoredChunk } from '../documents/chunk';

/** Port: re-scores candidates against the query; returns at most topN, best first. */
export interface Reranker {
  readonly modelId: string;
  rerank(query: string, candidates: ScoredChunk[], topN: number): Promise<ScoredChunk[]>;
}
