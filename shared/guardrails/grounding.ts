import { analyze } from '../embeddings/tokenizer';
import { stripCitationMarkers } from '../prompts/citation-markers';

/**
 * Lexical grounding: the share of an answer's content terms (stemmed, stopwords removed, citation
 * markers ignored) that occur in its sources. A cheap stand-in for Bedrock's contextual grounding
 * check: an extractive answer scores 1, a paraphrase scores high, a hallucinated claim scores low.
 */
export interface GroundingAssessment {
  /** In [0, 1]; 1 when the answer has no content terms (nothing to verify). */
  score: number;
  /** Content terms in the answer (with repeats). */
  answerTerms: number;
  /** How many of them occur in the sources. */
  supportedTerms: number;
}

export function assessGrounding(answer: string, sources: readonly string[]): GroundingAssessment {
  const answerTerms = analyze(stripCitationMarkers(answer));
  if (answerTerms.length === 0) return { score: 1, answerTerms: 0, supportedTerms: 0 };
  const sourceTerms = new Set<string>();
  for (const source of sources) for (const term of analyze(source)) sourceTerms.add(term);
  const supportedTerms = answerTerms.filter((term) => sourceTerms.has(term)).length;
  return { score: supportedTerms / answerTerms.length, answerTerms: answerTerms.length, supportedTerms };
}

export function groundingScore(answer: string, sources: readonly string[]): number {
  return assessGrounding(answer, sources).score;
}
