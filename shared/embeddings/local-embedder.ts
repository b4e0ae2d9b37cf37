import type { Embedder, EmbeddingPurpose, EmbeddingResult } from './embedder';
import { DEFAULT_FEATURE_WEIGHTS, type FeatureWeights, extractFeatures, hashFeatures } from './text-features';
import { estimateTokens } from './tokenizer';

export interface LocalEmbedderOptions {
  /** Vector length; 512 keeps hash collisions rare for chunk-sized texts while matching Titan's 512 option. */
  dimensions?: number;
  /** Texts per `embed` call that callers should batch to. */
  batchSize?: number;
  /** Feature family weights; changing them changes vectors, so the model id records them when not default. */
  weights?: Partial<FeatureWeights>;
}

const MODEL_ID = 'local-hash-v1';

/**
 * Self-contained lexical embedder: stemmed unigrams, bigrams and character n-grams, signed-hashed into a
 * fixed-size L2-normalised vector. A pure function of each text (no corpus statistics), so documents can be
 * embedded independently in parallel batches and always land on the same vector.
 */
export class LocalEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly batchSize: number;
  private readonly weights: FeatureWeights;

  constructor(options: LocalEmbedderOptions = {}) {
    const dimensions = options.dimensions ?? 512;
    if (!Number.isInteger(dimensions) || dimensions < 8) throw new RangeError('dimensions must be an integer >= 8');
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be an integer >= 1');
    this.dimensions = dimensions;
    this.batchSize = batchSize;
    this.weights = { ...DEFAULT_FEATURE_WEIGHTS, ...options.weights };
    const custom = options.weights !== undefined && Object.keys(options.weights).length > 0;
    this.modelId = custom ? `${MODEL_ID}+${weightsTag(this.weights)}` : MODEL_ID;
  }

  // Queries and documents share one feature space: cosine between them is a weighted term overlap.
  async embed(texts: string[], _purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    let inputTokens = 0;
    const vectors = texts.map((text) => {
      inputTokens += estimateTokens(text);
      return hashFeatures(extractFeatures(text, this.weights), this.dimensions);
    });
    return { vectors, inputTokens };
  }
}

function weightsTag(weights: FeatureWeights): string {
  return `u${weights.unigram}b${weights.bigram}c${weights.charGram}n${weights.charGramSize}`;
}
