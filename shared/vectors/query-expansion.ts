import { STOPWORDS, stem, tokenize } from '../embeddings/tokenizer';

/**
 * RM3 pseudo-relevance feedback (Lavrenko & Croft 2001; Abdul-Jaleel et al. 2004). The defaults are the ones
 * Anserini/Pyserini ship for every collection (fbDocs 10, fbTerms 10, original query weight 0.5), not tuned here.
 */
export interface FeedbackOptions {
  /** Top first-pass documents taken as relevant. */
  documents: number;
  /** Expansion terms kept from the relevance model. */
  terms: number;
  /** Share of the final query mass given to the original terms (1 = no expansion). */
  originalWeight: number;
}

export const DEFAULT_FEEDBACK: FeedbackOptions = { documents: 10, terms: 10, originalWeight: 0.5 };

/** A document of the first pass: its indexed text and its retrieval score (higher is better). */
export interface FeedbackDocument {
  text: string;
  score: number;
}

/**
 * A query term with its weight. `term` is a surface word (not a stem), so the full-text index applies its own
 * analyzer (stemming) to it exactly as it did to the documents.
 */
export interface WeightedTerm {
  term: string;
  weight: number;
}

/**
 * The `count` best documents, ties broken by id. A search engine's top-k cuts ties arbitrarily (duplicate chunks score
 * the same), which made the expansion, and so the ranking, differ from one process to the next; callers fetch a few
 * more than `count` and let this choose.
 */
export function topFeedbackDocuments<T extends { id: string; score: number }>(documents: readonly T[], count: number): T[] {
  return [...documents].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, count);
}

export function validateFeedbackOptions(options: FeedbackOptions): void {
  if (!Number.isInteger(options.documents) || options.documents < 1) throw new RangeError('feedback documents must be an integer >= 1');
  if (!Number.isInteger(options.terms) || options.terms < 0) throw new RangeError('feedback terms must be an integer >= 0');
  if (!(options.originalWeight >= 0 && options.originalWeight <= 1)) throw new RangeError('feedback originalWeight must be in [0, 1]');
}

interface AnalyzedToken {
  stem: string;
  surface: string;
}

// Content words: not stopwords, not single letters; bare numbers only from the question (page and figure numbers
// in feedback documents are noise, numbers the user typed are not).
function contentTokens(text: string, keepNumbers: boolean): AnalyzedToken[] {
  const tokens: AnalyzedToken[] = [];
  for (const token of tokenize(text)) {
    const isNumber = /^\d+$/.test(token);
    if (STOPWORDS.has(token) || (isNumber ? !keepNumbers : token.length < 2)) continue;
    tokens.push({ stem: stem(token), surface: token });
  }
  return tokens;
}

/**
 * Weighted query: original content words (each 1/|q| of `originalWeight`) interpolated with the top terms of a
 * relevance model, P(w|R) ~ sum over feedback documents of P(w|D) * normalised score(D). Needs only the feedback
 * documents' text, no index statistics, so it runs on any store that returns the text of its hits.
 * Returns an empty list when the question has no content words; terms are in descending weight order.
 */
export function expandQuery(question: string, feedback: FeedbackDocument[], options: FeedbackOptions = DEFAULT_FEEDBACK): WeightedTerm[] {
  validateFeedbackOptions(options);
  const original = contentTokens(question, true);
  if (original.length === 0) return [];
  const byStem = new Map<string, WeightedTerm>();
  const originalStems = new Set(original.map((token) => token.stem));
  for (const token of original) {
    if (!byStem.has(token.stem)) byStem.set(token.stem, { term: token.surface, weight: options.originalWeight / originalStems.size });
  }

  const expansion = relevanceModel(feedback.slice(0, options.documents), options.terms);
  const mass = expansion.reduce((sum, entry) => sum + entry.weight, 0);
  if (mass > 0 && options.originalWeight < 1) {
    for (const entry of expansion) {
      const weight = ((1 - options.originalWeight) * entry.weight) / mass;
      const existing = byStem.get(entry.stem);
      if (existing) existing.weight += weight;
      else byStem.set(entry.stem, { term: entry.surface, weight });
    }
  }
  return [...byStem.values()].sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
}

interface ModelTerm {
  stem: string;
  surface: string;
  weight: number;
}

function relevanceModel(documents: FeedbackDocument[], limit: number): ModelTerm[] {
  if (limit === 0 || documents.length === 0) return [];
  const best = Math.max(...documents.map((document) => document.score));
  const weights = new Map<string, number>();
  // The most frequent surface form stands for its stem in the expanded query.
  const surfaces = new Map<string, Map<string, number>>();
  for (const document of documents) {
    const tokens = contentTokens(document.text, false);
    if (tokens.length === 0) continue;
    // Scores of one ranking are comparable; scaling by the best keeps weights in [0, 1] whatever the scorer.
    const documentWeight = best > 0 ? Math.max(0, document.score) / best : 1;
    const counts = new Map<string, number>();
    for (const token of tokens) {
      counts.set(token.stem, (counts.get(token.stem) ?? 0) + 1);
      const forms = surfaces.get(token.stem) ?? new Map<string, number>();
      forms.set(token.surface, (forms.get(token.surface) ?? 0) + 1);
      surfaces.set(token.stem, forms);
    }
    for (const [term, count] of counts) weights.set(term, (weights.get(term) ?? 0) + (count / tokens.length) * documentWeight);
  }
  return [...weights]
    .filter(([, weight]) => weight > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([term, weight]) => ({ stem: term, surface: mostFrequent(surfaces.get(term)) ?? term, weight }));
}

function mostFrequent(forms: Map<string, number> | undefined): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [form, count] of forms ?? []) {
    if (count > bestCount || (count === bestCount && best !== undefined && form < best)) {
      best = form;
      bestCount = count;
    }
  }
  return best;
}
