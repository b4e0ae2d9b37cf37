import { analyze } from '../embeddings/tokenizer';
import { stripCitationMarkers } from '../prompts/citation-markers';

/**
 * Lexical grounding, a cheap stand-in for Bedrock's contextual grounding check, which scores both whether an
 * answer is supported by its sources and whether it is relevant to the question:
 * - support: the share of the answer's content terms (stemmed, stopwords removed, citation markers ignored)
 *   that occur in its sources; an extractive answer scores 1, a hallucinated claim low;
 * - relevance: the share of the question's content terms the answer itself contains, each weighted by its
 *   IDF over the sources, so an answer copied from an unrelated chunk scores low even though it is verbatim.
 *   Terms no source contains weigh their IDF only: whether the index knows them at all is the relevance
 *   floor's question (shared/pipeline/relevance-floor.ts), and counting them twice here blocked fair answers
 *   phrased in other words ("minimum password length" answered by "at least 16 characters long").
 * The score is the weaker of the two.
 */
export interface GroundingAssessment {
  /** In [0, 1]: min(support, relevance); support alone without a question. 1 when the answer has no content terms. */
  score: number;
  /** Share of the answer's content terms found in the sources. */
  support: number;
  /** Weighted share of the question's content terms in the answer; 1 without a question or when it has no content term. */
  relevance: number;
  /** Content terms in the answer (with repeats). */
  answerTerms: number;
  /** How many of them occur in the sources. */
  supportedTerms: number;
}

/** A question term that no document contains weighs this many times its IDF. */
export const MISSING_TERM_FACTOR = 2;

/**
 * IDF weights of `terms` over `documents` (each a set of analysed terms), smoothed so every weight is positive:
 * log(1 + (n + 1) / (df + 1)), times `missingTermFactor` for a term no document contains.
 */
export function termWeights(terms: readonly string[], documents: readonly ReadonlySet<string>[], missingTermFactor = MISSING_TERM_FACTOR): number[] {
  const n = documents.length;
  return terms.map((term) => {
    let df = 0;
    for (const document of documents) if (document.has(term)) df += 1;
    const idf = Math.log(1 + (n + 1) / (df + 1));
    return df === 0 ? idf * missingTermFactor : idf;
  });
}

/** Weighted share of `terms` present in `present`, in [0, 1]. */
export function weightedShare(terms: readonly string[], weights: readonly number[], present: ReadonlySet<string>): number {
  let total = 0;
  let covered = 0;
  terms.forEach((term, i) => {
    const weight = weights[i] ?? 0;
    total += weight;
    if (present.has(term)) covered += weight;
  });
  return total > 0 ? covered / total : 1;
}

export function assessGrounding(answer: string, sources: readonly string[], question?: string): GroundingAssessment {
  const answerTerms = analyze(stripCitationMarkers(answer));
  if (answerTerms.length === 0) return { score: 1, support: 1, relevance: 1, answerTerms: 0, supportedTerms: 0 };
  const sourceSets = sources.map((source) => new Set(analyze(source)));
  const sourceTerms = new Set<string>();
  for (const set of sourceSets) for (const term of set) sourceTerms.add(term);
  const supportedTerms = answerTerms.filter((term) => sourceTerms.has(term)).length;
  const support = supportedTerms / answerTerms.length;
  const questionTerms = question === undefined ? [] : [...new Set(analyze(question))];
  const relevance = questionTerms.length === 0 ? 1 : weightedShare(questionTerms, termWeights(questionTerms, sourceSets, 1), new Set(answerTerms));
  return { score: Math.min(support, relevance), support, relevance, answerTerms: answerTerms.length, supportedTerms };
}

export function groundingScore(answer: string, sources: readonly string[], question?: string): number {
  return assessGrounding(answer, sources, question).score;
}
