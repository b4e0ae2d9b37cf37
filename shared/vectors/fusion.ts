/** One ranked list from one retriever, best first. */
export interface RankedList {
  ids: string[];
  /** Relative importance of this list; 0 drops it. */
  weight: number;
}

export interface FusedResult {
  id: string;
  /** Fused score scaled to [0, 1]: 1 means first in every list with positive weight. */
  score: number;
}

/** Cormack et al. (2009): k = 60 works well across collections without tuning. */
export const DEFAULT_RRF_K = 60;

/**
 * Weighted reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d)), rank 1-based.
 * Uses ranks only, so lists with incomparable scores (cosine, BM25) fuse without calibration.
 * Ties keep the order of first appearance across lists.
 */
export function reciprocalRankFusion(lists: RankedList[], k: number = DEFAULT_RRF_K): FusedResult[] {
  if (!(k >= 0)) throw new RangeError('k must be >= 0');
  const scores = new Map<string, number>();
  let best = 0;
  for (const list of lists) {
    // A list with nothing to say (e.g. no text match) does not lower the others' scale.
    if (list.weight <= 0 || list.ids.length === 0) continue;
    best += list.weight / (k + 1);
    const seen = new Set<string>();
    list.ids.forEach((id, position) => {
      if (seen.has(id)) return;
      seen.add(id);
      scores.set(id, (scores.get(id) ?? 0) + list.weight / (k + position + 1));
    });
  }
  return sortByScore(scores, best);
}

/** One scored list for score-based fusion. */
export interface ScoredList {
  items: Array<{ id: string; score: number }>;
  weight: number;
}

/**
 * Weighted sum of min-max normalised scores (convex combination). Sensitive to score distributions,
 * so prefer RRF unless the weights were tuned on held-out data.
 */
export function weightedScoreFusion(lists: ScoredList[]): FusedResult[] {
  const scores = new Map<string, number>();
  let best = 0;
  for (const list of lists) {
    if (list.weight <= 0 || list.items.length === 0) continue;
    best += list.weight;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const item of list.items) {
      min = Math.min(min, item.score);
      max = Math.max(max, item.score);
    }
    const range = max - min;
    const seen = new Set<string>();
    for (const item of list.items) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      const normalised = range > 0 ? (item.score - min) / range : 1;
      scores.set(item.id, (scores.get(item.id) ?? 0) + list.weight * normalised);
    }
  }
  return sortByScore(scores, best);
}

function sortByScore(scores: Map<string, number>, best: number): FusedResult[] {
  const results = [...scores].map(([id, score]) => ({ id, score: best > 0 ? score / best : 0 }));
  // Equal scores are ordered by id: the stores return tied rows in no fixed order (LanceDB scans in parallel),
  // and the ranking must not depend on it (the reranker's prior and the eval read the order).
  return results.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
