import type { ScoredChunk } from '../documents/chunk';
import { analyze, termsPresent } from '../embeddings/tokenizer';
import { MISSING_TERM_FACTOR, termWeights, weightedShare } from '../guardrails/grounding';

/**
 * The relevance floor: decides whether the retrieved chunks can answer the question at all, before anything
 * is generated. A reranker score cannot do this on its own: it is scaled over the candidate set, so the best
 * candidate of an unanswerable question scores as high as the best of an answerable one.
 *
 * The evidence is lexical coverage: the share of the question's content terms (stemmed, stopwords removed)
 * that the best of the top chunks contains, each term weighted by its IDF over the retrieved candidates, so
 * the rare term that says what is asked ("CEO", "parental") outweighs the ones every candidate shares
 * ("Northwind", "policy"). A term that no candidate contains - on a small index, one the tenant's documents
 * never mention - weighs `missingTermFactor` times its IDF: the question asks about something the index
 * does not know. The share is a ratio in [0, 1] whatever the collection, its size or the scorer's scale,
 * which is why one setting can serve every collection.
 * The floor is all or nothing: either the question passes and the ranking is kept as it is (so the retrieval
 * metrics of an answerable question do not change), or nothing is kept and the answer is "not found".
 */
export interface RelevanceFloorOptions {
  /** Absolute least score of a kept chunk (RAG_MIN_RELEVANCE), in the reranker's scale. Default 0 (off). */
  minRelevance?: number;
  /** Least weighted coverage of the question by the best top chunk, in [0, 1]; 0 turns the floor off. */
  minCoverage?: number;
  /** Top chunks examined for the coverage (the ones an answer is mostly drawn from). */
  topChunks?: number;
  /** How much more a question term that no reference chunk contains weighs than its IDF alone. */
  missingTermFactor?: number;
  /** Chunks the term weights are estimated on (the retrieval candidates); default: `ranked`. */
  reference?: readonly ScoredChunk[];
}

/**
 * One setting for every collection, measured 2026-12-01 with the embedded defaults (100 candidates, top 3 chunks):
 * share of answerable questions kept / unanswerable ones refused, the unanswerable ones being the other BEIR
 * collection's queries and the golden set's unanswerable.jsonl:
 *   Cranfield test   0.95 kept;  NFCorpus queries 0.91 refused, golden unanswerable 1.00 refused
 *   NFCorpus dev     0.82 kept;  Cranfield queries 0.89 refused, golden unanswerable 0.60 refused
 *   golden set       queries 0.89, QA questions 1.00 kept;  golden unanswerable 0.60 refused
 *   sample corpus    8/8 QUESTIONS.md kept (the closest at 0.29); the CEO (0.22) and parental leave questions refused
 * Variants on the same runs, balanced accuracy Cranfield / NFCorpus: IDF without the missing-term factor at 0.30,
 * 0.90 / 0.865; IDF squared at 0.30, 0.83 / 0.845; factor 2 at 0.25, 0.93 / 0.855 (chosen); factor 3 at 0.25,
 * 0.935 / 0.855, but it refuses the sample "minimum password length" question (0.249: "minimum" and "length"
 * are in no document). The golden unanswerable questions the floor keeps are near misses ("How deep is Jezero
 * Crater?" over a text that names the crater): term coverage cannot tell them apart; the grounding score's
 * relevance then does.
 */
export const DEFAULT_MIN_COVERAGE = 0.25;
export const DEFAULT_TOP_CHUNKS = 3;
export const DEFAULT_MISSING_TERM_FACTOR = MISSING_TERM_FACTOR;

export interface QuestionCoverage {
  /** Weighted share of the question's terms in the best top chunk, in [0, 1]; 1 when the question has no content term. */
  coverage: number;
  /** Index in `ranked` of the chunk that covers the most; -1 when nothing was ranked. */
  bestChunk: number;
}

/** Which of the question's terms the chunk (title, section, text) contains: all the coverage needs of it. */
function chunkTerms(scored: ScoredChunk, questionTerms: ReadonlySet<string>): Set<string> {
  const { chunk } = scored;
  return termsPresent([chunk.title ?? '', chunk.location.section ?? '', chunk.text].join('\n'), questionTerms);
}

/** How much of the question the best of the top `topChunks` chunks covers, terms weighted by IDF over `reference`. */
export function questionCoverage(
  question: string,
  ranked: readonly ScoredChunk[],
  reference: readonly ScoredChunk[],
  topChunks = DEFAULT_TOP_CHUNKS,
  missingTermFactor = DEFAULT_MISSING_TERM_FACTOR,
): QuestionCoverage {
  const terms = [...new Set(analyze(question))];
  if (terms.length === 0) return { coverage: 1, bestChunk: ranked.length > 0 ? 0 : -1 };
  if (ranked.length === 0) return { coverage: 0, bestChunk: -1 };
  const wanted = new Set(terms);
  const weights = termWeights(
    terms,
    (reference.length > 0 ? reference : ranked).map((scored) => chunkTerms(scored, wanted)),
    missingTermFactor,
  );
  let coverage = 0;
  let bestChunk = 0;
  ranked.slice(0, Math.max(1, topChunks)).forEach((scored, index) => {
    const covered = weightedShare(terms, weights, chunkTerms(scored, wanted));
    if (covered > coverage) {
      coverage = covered;
      bestChunk = index;
    }
  });
  return { coverage, bestChunk };
}

/** The chunks an answer may use: all of `ranked` above `minRelevance` when the question passes the coverage floor, else none. */
export function applyRelevanceFloor(question: string, ranked: readonly ScoredChunk[], options: RelevanceFloorOptions = {}): ScoredChunk[] {
  const minRelevance = options.minRelevance ?? 0;
  const minCoverage = options.minCoverage ?? DEFAULT_MIN_COVERAGE;
  const topChunks = options.topChunks ?? DEFAULT_TOP_CHUNKS;
  const missingTermFactor = options.missingTermFactor ?? DEFAULT_MISSING_TERM_FACTOR;
  if (!(minCoverage >= 0 && minCoverage <= 1)) throw new RangeError('minCoverage must be in [0, 1]');
  if (!Number.isInteger(topChunks) || topChunks < 1) throw new RangeError('topChunks must be a positive integer');
  if (!(missingTermFactor >= 1)) throw new RangeError('missingTermFactor must be >= 1');
  const kept = ranked.filter((r) => r.score >= minRelevance);
  if (minCoverage === 0 || kept.length === 0) return kept;
  const { coverage } = questionCoverage(question, kept, options.reference ?? ranked, topChunks, missingTermFactor);
  return coverage >= minCoverage ? kept : [];
}
