/**
 * Retrieval metrics with trec_eval's definitions (the ones pytrec_eval and BEIR report), as pure functions.
 * A ranking is a list of document ids, best first; `grades` maps judged documents to their relevance grade.
 * A document is relevant when its grade is > 0; unjudged documents count as grade 0. Ids repeated in a ranking
 * count once, at their first position.
 */
export type Grades = ReadonlyMap<string, number>;

export interface ScoredDocument {
  id: string;
  score: number;
}

/**
 * Orders a run the way trec_eval does: score descending, ties broken by document id descending (string
 * comparison), so a metric never depends on the order in which tied documents were produced.
 */
export function rankByScore(run: readonly ScoredDocument[]): string[] {
  return [...run].sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((entry) => entry.id);
}

function uniqueTop(ranking: readonly string[], k: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ranking) {
    if (out.length >= k) break;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

function gradeOf(grades: Grades, id: string): number {
  return Math.max(0, grades.get(id) ?? 0);
}

function relevantCount(grades: Grades): number {
  let count = 0;
  for (const grade of grades.values()) if (grade > 0) count += 1;
  return count;
}

function assertCutoff(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`cut-off k must be a positive integer, got ${k}`);
}

/**
 * nDCG@k (trec_eval ndcg_cut): linear gain (the grade) discounted by log2(rank + 1); the ideal DCG orders every
 * judged grade of the query, best first. 0 when the query has no relevant document.
 */
export function ndcgAtK(ranking: readonly string[], grades: Grades, k: number): number {
  assertCutoff(k);
  let dcg = 0;
  uniqueTop(ranking, k).forEach((id, i) => {
    dcg += gradeOf(grades, id) / Math.log2(i + 2);
  });
  const ideal = [...grades.values()]
    .filter((grade) => grade > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  let idcg = 0;
  ideal.forEach((grade, i) => {
    idcg += grade / Math.log2(i + 2);
  });
  return idcg > 0 ? dcg / idcg : 0;
}

/** Recall@k: relevant documents in the top k over all relevant documents of the query (0 when there are none). */
export function recallAtK(ranking: readonly string[], grades: Grades, k: number): number {
  assertCutoff(k);
  const relevant = relevantCount(grades);
  if (relevant === 0) return 0;
  const found = uniqueTop(ranking, k).filter((id) => gradeOf(grades, id) > 0).length;
  return found / relevant;
}

/** MRR@k (reciprocal rank cut at k): 1 / rank of the first relevant document in the top k, else 0. */
export function mrrAtK(ranking: readonly string[], grades: Grades, k: number): number {
  assertCutoff(k);
  const index = uniqueTop(ranking, k).findIndex((id) => gradeOf(grades, id) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}

/**
 * AP@k (trec_eval map_cut): the sum of precision at the rank of every relevant document retrieved in the top k,
 * divided by the number of relevant documents of the query (retrieved or not).
 */
export function mapAtK(ranking: readonly string[], grades: Grades, k: number): number {
  assertCutoff(k);
  const relevant = relevantCount(grades);
  if (relevant === 0) return 0;
  let hits = 0;
  let sum = 0;
  uniqueTop(ranking, k).forEach((id, i) => {
    if (gradeOf(grades, id) > 0) {
      hits += 1;
      sum += hits / (i + 1);
    }
  });
  return sum / relevant;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
  count: number;
}

/**
 * Percentile q (0..100) with linear interpolation between the closest ranks (numpy's default), so p50 of an
 * even-sized sample is the mean of the middle two. NaN for an empty sample.
 */
export function percentile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile must be within 0..100, got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

export function percentiles(values: readonly number[]): Percentiles {
  const count = values.length;
  const sum = values.reduce((total, value) => total + value, 0);
  return {
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    mean: count > 0 ? sum / count : Number.NaN,
    min: count > 0 ? Math.min(...values) : Number.NaN,
    max: count > 0 ? Math.max(...values) : Number.NaN,
    count,
  };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((total, value) => total + value, 0) / values.length;
}

/**
 * Folds chunk hits into a document run: a document scores the best of its chunks, and keeps the position of its
 * first (best-ranked) chunk. Hits whose chunk maps to no document of the dataset are dropped.
 */
export function aggregateByDocument(hits: readonly { documentId: string | undefined; score: number }[]): ScoredDocument[] {
  const best = new Map<string, number>();
  for (const hit of hits) {
    if (hit.documentId === undefined) continue;
    const previous = best.get(hit.documentId);
    if (previous === undefined || hit.score > previous) best.set(hit.documentId, hit.score);
  }
  return [...best].map(([id, score]) => ({ id, score }));
}

/** Process CPU time (user + system, every thread) since `start` (a process.cpuUsage() reading), per item, in ms. */
export function cpuMsPer(start: NodeJS.CpuUsage, items: number): number {
  const cpu = process.cpuUsage(start);
  return items > 0 ? (cpu.user + cpu.system) / 1000 / items : 0;
}
