import { analyze } from './tokenizer';

/** Weights of the lexical feature families hashed into a vector. */
export interface FeatureWeights {
  /** Stemmed words. */
  unigram: number;
  /** Adjacent stemmed words (after stopword removal): phrase evidence such as "boundary layer". */
  bigram: number;
  /** Character n-grams of each word: robustness to spelling variants and compounds. */
  charGram: number;
  /** Length of the character n-grams. */
  charGramSize: number;
}

export const DEFAULT_FEATURE_WEIGHTS: FeatureWeights = { unigram: 1, bigram: 0.5, charGram: 0.25, charGramSize: 4 };

/**
 * Weighted sparse features of a text. Term frequency is sublinear (1 + ln tf) so one repeated word
 * cannot dominate a chunk.
 */
export function extractFeatures(text: string, weights: FeatureWeights = DEFAULT_FEATURE_WEIGHTS): Map<string, number> {
  const terms = analyze(text);
  const counts = new Map<string, number>();
  const bump = (feature: string): void => {
    counts.set(feature, (counts.get(feature) ?? 0) + 1);
  };
  for (let i = 0; i < terms.length; i += 1) {
    const term = terms[i] as string;
    bump(`w:${term}`);
    if (weights.bigram > 0 && i + 1 < terms.length) bump(`b:${term} ${terms[i + 1] as string}`);
  }
  const features = new Map<string, number>();
  for (const [feature, tf] of counts) {
    const family = feature.startsWith('w:') ? weights.unigram : weights.bigram;
    features.set(feature, family * (1 + Math.log(tf)));
  }
  if (weights.charGram > 0) addCharGrams(features, counts, weights);
  return features;
}

function addCharGrams(features: Map<string, number>, counts: Map<string, number>, weights: FeatureWeights): void {
  const size = weights.charGramSize;
  for (const [feature, tf] of counts) {
    if (!feature.startsWith('w:')) continue;
    const padded = `<${feature.slice(2)}>`;
    if (padded.length <= size) continue;
    const grams = padded.length - size + 1;
    // Each word spends the same char-gram budget whatever its length, so long words do not dominate.
    const share = (weights.charGram * (1 + Math.log(tf))) / grams;
    for (let i = 0; i < grams; i += 1) {
      const gram = `c:${padded.slice(i, i + size)}`;
      features.set(gram, (features.get(gram) ?? 0) + share);
    }
  }
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across platforms and releases. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Murmur3 finaliser: decorrelates the sign bit from the bucket bits. */
function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Signed feature hashing (Weinberger et al.): collisions cancel out in expectation instead of
 * piling up, so inner products stay unbiased. The result is L2-normalised (all zeros when empty).
 */
export function hashFeatures(features: Map<string, number>, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const [feature, weight] of features) {
    const hash = fnv1a(feature);
    const bucket = hash % dimensions;
    const sign = (mix(hash) & 1) === 0 ? 1 : -1;
    vector[bucket] = (vector[bucket] as number) + sign * weight;
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  return vector.map((value) => value * scale);
}
