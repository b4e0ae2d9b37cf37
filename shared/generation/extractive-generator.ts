import type { ScoredChunk } from '../documents/chunk';
import { splitSentences } from '../documents/sentences';
import { analyze } from '../embeddings/tokenizer';
import { describeError } from '../errors';
import { formatCitationMarker } from '../prompts/citation-markers';
import type { GeneratedCitation, GenerationEvent, GenerationRequest, GenerationResult, Generator } from './generator';
import { estimateTokens } from './pricing';

/**
 * Local generator with no model: answers with the sentences of the ranked chunks that best match
 * the question, each followed by a "[n]" marker. It never writes a word of its own, so every
 * answer is grounded by construction and its citations are exact (sentence-level) spans.
 *
 * Sentence relevance is the IDF-weighted share of the question's (stemmed, stopword-free) terms the
 * sentence contains, plus a small prior for the chunk's rank. Up to `maxSentences` sentences are
 * picked, best first, skipping near-duplicates (overlapping chunks repeat sentences) and sentences
 * far weaker than the best; they are then read out grouped by chunk, in document order within a chunk.
 */

export const NO_ANSWER_TEXT = 'I could not find an answer in the documents.';
export const EXTRACTIVE_MODEL_ID = 'local-extractive-v1';

export interface ExtractiveGeneratorOptions {
  /** Most sentences in an answer. Default 4. */
  maxSentences?: number;
  /** Least share of the question's weighted terms a sentence must cover, in [0, 1]. Default 0.2. */
  minSentenceScore?: number;
}

interface Candidate {
  chunkId: string;
  chunkRank: number;
  /** Sentence span in the chunk text, trimmed. */
  start: number;
  end: number;
  text: string;
  terms: Set<string>;
  relevance: number;
  score: number;
}

interface Composition {
  text: string;
  citations: GeneratedCitation[];
  /** Answer pieces for streaming; their concatenation is `text`. */
  pieces: string[];
}

// A near-duplicate shares this much of its vocabulary (Jaccard) with a sentence already picked.
const DUPLICATE_JACCARD = 0.7;
// Sentences scoring under this fraction of the best one dilute the answer.
const RELATIVE_CUTOFF = 0.5;
const RANK_PRIOR = 0.15;
// Headings and fragments ("VPN.") match a term but say nothing.
const SHORT_SENTENCE_TERMS = 3;

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const term of a) if (b.has(term)) shared += 1;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

function sentencesOf(scored: ScoredChunk, chunkRank: number): Candidate[] {
  const { text, id } = scored.chunk;
  const out: Candidate[] = [];
  for (const span of splitSentences(text)) {
    let start = Math.max(0, span.start);
    let end = Math.min(text.length, span.end);
    while (start < end && /\s/.test(text[start] ?? '')) start += 1;
    while (end > start && /\s/.test(text[end - 1] ?? '')) end -= 1;
    if (end <= start) continue;
    const sentence = text.slice(start, end);
    const terms = new Set(analyze(sentence));
    if (terms.size === 0) continue;
    out.push({ chunkId: id, chunkRank, start, end, text: sentence, terms, relevance: 0, score: 0 });
  }
  return out;
}

export class ExtractiveGenerator implements Generator {
  readonly mode = 'own-retrieval' as const;
  readonly modelId = EXTRACTIVE_MODEL_ID;
  private readonly maxSentences: number;
  private readonly minSentenceScore: number;

  constructor(options: ExtractiveGeneratorOptions = {}) {
    const maxSentences = options.maxSentences ?? 4;
    const minSentenceScore = options.minSentenceScore ?? 0.2;
    if (!Number.isInteger(maxSentences) || maxSentences < 1) throw new RangeError('maxSentences must be a positive integer');
    if (!(minSentenceScore >= 0 && minSentenceScore <= 1)) throw new RangeError('minSentenceScore must be in [0, 1]');
    this.maxSentences = maxSentences;
    this.minSentenceScore = minSentenceScore;
  }

  async generate(request: GenerationRequest): Promise<GenerationResult> {
    const composition = this.compose(request);
    return {
      text: composition.text,
      citations: composition.citations,
      usage: this.usage(request, composition.text),
      model: this.modelId,
      fallbackUsed: false,
    };
  }

  async *generateStream(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    let composition: Composition;
    try {
      composition = this.compose(request);
    } catch (error) {
      yield { type: 'error', error: describeError(error) };
      return;
    }
    for (const piece of composition.pieces) yield { type: 'delta', text: piece };
    yield { type: 'citations', citations: composition.citations };
    yield { type: 'done', usage: this.usage(request, composition.text), model: this.modelId, fallbackUsed: false };
  }

  private usage(request: GenerationRequest, answer: string): { inputTokens: number; outputTokens: number } {
    const context = request.chunks.map((c) => c.chunk.text).join('\n\n');
    return { inputTokens: estimateTokens(`${request.question}\n\n${context}`), outputTokens: estimateTokens(answer) };
  }

  private compose(request: GenerationRequest): Composition {
    const picked = this.pick(request);
    if (picked.length === 0) return { text: NO_ANSWER_TEXT, citations: [], pieces: [NO_ANSWER_TEXT] };

    // Read out chunk by chunk (the chunk of the best sentence first), in reading order within a chunk.
    const chunkOrder = new Map<string, number>();
    for (const c of picked) if (!chunkOrder.has(c.chunkId)) chunkOrder.set(c.chunkId, chunkOrder.size);
    const ordered = [...picked].sort((a, b) => (chunkOrder.get(a.chunkId) ?? 0) - (chunkOrder.get(b.chunkId) ?? 0) || a.start - b.start);

    const markers = new Map<string, number>();
    const citations: GeneratedCitation[] = [];
    const pieces: string[] = [];
    let text = '';
    for (const sentence of ordered) {
      let marker = markers.get(sentence.chunkId);
      if (marker === undefined) {
        marker = markers.size + 1;
        markers.set(sentence.chunkId, marker);
      }
      const separator = text.length === 0 ? '' : ' ';
      const start = text.length + separator.length;
      const piece = `${separator}${sentence.text} ${formatCitationMarker(marker)}`;
      text += piece;
      pieces.push(piece);
      citations.push({
        chunkId: sentence.chunkId,
        marker,
        answerSpan: { start, end: start + sentence.text.length },
        excerpt: sentence.text,
        excerptSpan: { start: sentence.start, end: sentence.end },
      });
    }
    return { text, citations, pieces };
  }

  /** The sentences worth saying, best first. */
  private pick(request: GenerationRequest): Candidate[] {
    const questionTerms = [...new Set(analyze(request.question))];
    if (questionTerms.length === 0 || request.chunks.length === 0) return [];
    const candidates = request.chunks.flatMap((chunk, rank) => sentencesOf(chunk, rank));
    if (candidates.length === 0) return [];

    // Smoothed IDF over the candidate sentences: rare question terms decide, common ones barely count.
    const n = candidates.length;
    const weights = questionTerms.map((term) => {
      const df = candidates.reduce((count, c) => count + (c.terms.has(term) ? 1 : 0), 0);
      return { term, weight: Math.log(1 + (n + 1) / (df + 1)) };
    });
    const totalWeight = weights.reduce((sum, w) => sum + w.weight, 0);
    for (const c of candidates) {
      const matched = weights.reduce((sum, w) => sum + (c.terms.has(w.term) ? w.weight : 0), 0);
      const lengthFactor = c.terms.size < SHORT_SENTENCE_TERMS ? 0.5 : 1;
      c.relevance = (matched / totalWeight) * lengthFactor;
      c.score = c.relevance + RANK_PRIOR / (1 + c.chunkRank);
    }

    const eligible = candidates
      .filter((c) => c.relevance > 0 && c.relevance >= this.minSentenceScore)
      .sort((a, b) => b.score - a.score || a.chunkRank - b.chunkRank || a.start - b.start);
    const best = eligible[0];
    if (!best) return [];
    const picked: Candidate[] = [];
    for (const c of eligible) {
      if (picked.length >= this.maxSentences) break;
      if (c.score < best.score * RELATIVE_CUTOFF) break;
      if (picked.some((p) => p.text === c.text || jaccard(p.terms, c.terms) >= DUPLICATE_JACCARD)) continue;
      picked.push(c);
    }
    return picked;
  }
}
