import type { ScoredChunk } from '../documents/chunk';
import { analyze } from '../embeddings/tokenizer';
import type { Reranker } from './reranker';

/** Weights of the reranking signals; each signal is scaled to [0, 1] over the candidate set first. */
export interface RerankWeights {
  /** First-stage rank as a prior, (k + 1) / (k + rank): keeps what the retriever got right. */
  prior: number;
  /** BM25 of the query over the candidates (statistics of the candidate set). */
  bm25: number;
  /** Share of the query's IDF mass present in the candidate. */
  coverage: number;
  /** Query term pairs found close together (phrase evidence). */
  proximity: number;
  /** Share of the query's IDF mass in the title / section heading. */
  title: number;
  /** Similarity to a relevance model built from the best first-pass candidates (pseudo-relevance feedback). */
  feedback: number;
}

export interface LocalRerankerOptions {
  weights?: Partial<RerankWeights>;
  /** Damping of the rank prior; larger k flattens it. */
  priorK?: number;
  /** BM25 parameters (Robertson defaults). */
  k1?: number;
  b?: number;
  /** Candidates used as pseudo-relevant, and expansion terms taken from them. */
  feedbackDocuments?: number;
  feedbackTerms?: number;
  /**
   * Candidates re-scored, from the top of the first-stage list; the rest keep their first-stage order below
   * them. Analysing a candidate's text is most of the reranker's cost, but fewer candidates also weaken its
   * candidate-set statistics: depth 30-50 lowered nDCG@10 on Cranfield and NFCorpus (docs/adr/0007).
   */
  depth?: number;
}

export const DEFAULT_RERANK_DEPTH = 100;

export const DEFAULT_RERANK_WEIGHTS: RerankWeights = { prior: 1, bm25: 0.25, coverage: 0.25, proximity: 0.25, title: 0.1, feedback: 1 };

interface Candidate {
  input: ScoredChunk;
  rank: number;
  length: number;
  tf: Map<string, number>;
  positions: Map<string, number[]>;
  titleTerms: Set<string>;
}

/**
 * Deterministic lexical reranker over a first-stage candidate list: adds term statistics of the candidate set,
 * query-term coverage, proximity and title evidence, and one round of pseudo-relevance feedback, on top of the
 * first-stage rank (a reranker that loses to its input is worse than none).
 */
export class LocalReranker implements Reranker {
  readonly modelId = 'local-rerank-v1';
  private readonly weights: RerankWeights;
  private readonly priorK: number;
  private readonly k1: number;
  private readonly b: number;
  private readonly feedbackDocuments: number;
  private readonly feedbackTerms: number;
  private readonly depth: number;

  constructor(options: LocalRerankerOptions = {}) {
    this.weights = { ...DEFAULT_RERANK_WEIGHTS, ...options.weights };
    for (const [name, weight] of Object.entries(this.weights)) {
      if (!(weight >= 0)) throw new RangeError(`weight ${name} must be >= 0`);
    }
    this.priorK = options.priorK ?? 10;
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.feedbackDocuments = options.feedbackDocuments ?? 5;
    this.feedbackTerms = options.feedbackTerms ?? 20;
    this.depth = options.depth ?? DEFAULT_RERANK_DEPTH;
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new RangeError('depth must be an integer >= 1');
  }

  async rerank(query: string, candidates: ScoredChunk[], topN: number): Promise<ScoredChunk[]> {
    return this.rerankSync(query, candidates, topN);
  }

  rerankSync(query: string, candidates: ScoredChunk[], topN: number): ScoredChunk[] {
    if (topN <= 0 || candidates.length === 0) return [];
    const unique = dedupe(candidates);
    const head = this.rescore(query, unique.slice(0, this.depth), topN);
    return head.concat(belowHead(unique.slice(this.depth), head, topN - head.length));
  }

  private rescore(query: string, unique: ScoredChunk[], topN: number): ScoredChunk[] {
    const queryTerms = [...new Set(analyze(query))];
    const prepared = unique.map((input, rank) => prepare(input, rank + 1));
    const prior = prepared.map((candidate) => (this.priorK + 1) / (this.priorK + candidate.rank));
    if (queryTerms.length === 0) return finish(prepared, prior, topN, 1);

    const idf = candidateIdf(prepared);
    const queryIdf = queryTerms.map((term) => idf(term));
    const queryMass = queryIdf.reduce((sum, value) => sum + value, 0) || 1;
    const averageLength = prepared.reduce((sum, candidate) => sum + candidate.length, 0) / prepared.length || 1;

    const bm25 = scaleToUnit(prepared.map((candidate) => this.bm25(candidate, queryTerms, queryIdf, averageLength)));
    const coverage = prepared.map((candidate) => massPresent(queryTerms, queryIdf, (term) => candidate.tf.has(term)) / queryMass);
    const title = prepared.map((candidate) => massPresent(queryTerms, queryIdf, (term) => candidate.titleTerms.has(term)) / queryMass);
    const proximity = scaleToUnit(prepared.map((candidate) => proximityScore(candidate, queryTerms, queryIdf)));

    const w = this.weights;
    const firstPass = prepared.map(
      (_, i) =>
        w.prior * (prior[i] as number) +
        w.bm25 * (bm25[i] as number) +
        w.coverage * (coverage[i] as number) +
        w.proximity * (proximity[i] as number) +
        w.title * (title[i] as number),
    );
    // Every signal is in [0, 1], so the sum of weights is the best possible score.
    const total = w.prior + w.bm25 + w.coverage + w.proximity + w.title + w.feedback || 1;
    if (w.feedback === 0) return finish(prepared, firstPass, topN, total);
    const feedback = scaleToUnit(this.feedbackScores(prepared, firstPass, idf, averageLength));
    return finish(
      prepared,
      firstPass.map((score, i) => score + w.feedback * (feedback[i] as number)),
      topN,
      total,
    );
  }

  private bm25(candidate: Candidate, terms: string[], termIdf: number[], averageLength: number): number {
    let score = 0;
    const norm = this.k1 * (1 - this.b + (this.b * candidate.length) / averageLength);
    terms.forEach((term, i) => {
      const tf = candidate.tf.get(term) ?? 0;
      if (tf > 0) score += (termIdf[i] as number) * ((tf * (this.k1 + 1)) / (tf + norm));
    });
    return score;
  }

  /**
   * RM-style relevance model: terms weighted by their share of the top first-pass candidates and their
   * candidate-set IDF; every candidate is then scored by BM25 against those expansion terms.
   */
  private feedbackScores(prepared: Candidate[], firstPass: number[], idf: (term: string) => number, averageLength: number): number[] {
    const order = prepared.map((_, i) => i).sort((a, b) => (firstPass[b] as number) - (firstPass[a] as number) || a - b);
    const model = new Map<string, number>();
    for (const i of order.slice(0, this.feedbackDocuments)) {
      const candidate = prepared[i] as Candidate;
      for (const [term, tf] of candidate.tf) model.set(term, (model.get(term) ?? 0) + tf / Math.max(1, candidate.length));
    }
    const expansion = [...model]
      .map(([term, weight]) => ({ term, weight: weight * idf(term) }))
      .filter((entry) => entry.weight > 0)
      .sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1))
      .slice(0, this.feedbackTerms);
    const terms = expansion.map((entry) => entry.term);
    const weights = expansion.map((entry) => entry.weight);
    return prepared.map((candidate) => this.bm25(candidate, terms, weights, averageLength));
  }
}

/**
 * The candidates past the rerank depth, in first-stage order, scored strictly below the lowest reranked score so
 * that any consumer sorting by score keeps them after the reranked head.
 */
function belowHead(tail: ScoredChunk[], head: ScoredChunk[], count: number): ScoredChunk[] {
  if (count <= 0) return [];
  const kept = tail.slice(0, count);
  const floor = head.length > 0 ? Math.min(...head.map((entry) => entry.score)) : 1;
  return kept.map((entry, i) => ({ chunk: entry.chunk, score: (floor * (kept.length - i)) / (kept.length + 1) }));
}

function dedupe(candidates: ScoredChunk[]): ScoredChunk[] {
  const seen = new Set<string>();
  return candidates.filter((candidate) => {
    if (seen.has(candidate.chunk.id)) return false;
    seen.add(candidate.chunk.id);
    return true;
  });
}

function prepare(input: ScoredChunk, rank: number): Candidate {
  const { chunk } = input;
  const heading = [chunk.title, chunk.location.section].filter((part): part is string => typeof part === 'string').join('\n');
  const titleTerms = new Set(analyze(heading));
  // Title first, as the store indexes it, so title words count as occurrences too.
  const terms = [...analyze(heading), ...analyze(chunk.text)];
  const tf = new Map<string, number>();
  const positions = new Map<string, number[]>();
  terms.forEach((term, position) => {
    tf.set(term, (tf.get(term) ?? 0) + 1);
    const list = positions.get(term);
    if (list) list.push(position);
    else positions.set(term, [position]);
  });
  return { input, rank, length: terms.length, tf, positions, titleTerms };
}

/** Robertson-Sparck Jones IDF over the candidate set (always positive). */
function candidateIdf(candidates: Candidate[]): (term: string) => number {
  const df = new Map<string, number>();
  for (const candidate of candidates) for (const term of candidate.tf.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const n = candidates.length;
  return (term: string): number => {
    const count = df.get(term) ?? 0;
    return Math.log(1 + (n - count + 0.5) / (count + 0.5));
  };
}

function massPresent(terms: string[], termIdf: number[], present: (term: string) => boolean): number {
  let mass = 0;
  terms.forEach((term, i) => {
    if (present(term)) mass += termIdf[i] as number;
  });
  return mass;
}

/** Sum over pairs of distinct query terms of their mean IDF divided by their closest distance in the text. */
function proximityScore(candidate: Candidate, terms: string[], termIdf: number[]): number {
  let score = 0;
  for (let i = 0; i < terms.length; i += 1) {
    const a = candidate.positions.get(terms[i] as string);
    if (!a) continue;
    for (let j = i + 1; j < terms.length; j += 1) {
      const b = candidate.positions.get(terms[j] as string);
      if (!b) continue;
      const distance = closestDistance(a, b);
      score += ((termIdf[i] as number) + (termIdf[j] as number)) / 2 / distance;
    }
  }
  return score;
}

/** Smallest |x - y| over two sorted position lists (merge walk). */
function closestDistance(a: number[], b: number[]): number {
  let i = 0;
  let j = 0;
  let best = Number.POSITIVE_INFINITY;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    best = Math.min(best, Math.abs(x - y));
    if (x < y) i += 1;
    else j += 1;
  }
  return Math.max(1, best);
}

function scaleToUnit(values: number[]): number[] {
  const max = Math.max(0, ...values);
  return max > 0 ? values.map((value) => value / max) : values.map(() => 0);
}

/** Sorts by score (ties: first-stage rank) and divides by the best possible score, giving [0, 1]. */
function finish(prepared: Candidate[], scores: number[], topN: number, bestPossible: number): ScoredChunk[] {
  const order = prepared.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return order.slice(0, topN).map((i) => ({
    chunk: (prepared[i] as Candidate).input.chunk,
    score: Math.min(1, Math.max(0, scores[i] as number) / bestPossible),
  }));
}
