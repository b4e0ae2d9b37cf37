import { stemmer } from 'porter-stemmer';

/**
 * English stopwords (close to the NLTK/SMART core lists). Broader than Lucene's 33 words because the
 * hashing embedder has no IDF to damp function words such as "what", "which" or "can".
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing done down during each either else etc ever few for from further had has have having he her here ' +
    'hers herself him himself his how however i if in into is it its itself just let may me might more most much must my myself ' +
    'neither no nor not now of off on once only or other ought our ours ourselves out over own per rather same shall she should so ' +
    'some such than that the their theirs them themselves then there these they this those through thus to too under until up upon ' +
    'us very via was we were what whatever when where whether which while who whom whose why will with within without would yet you ' +
    'your yours yourself yourselves also been being get got like made make many one ones onto since unto whereas whereby'
  ).split(' '),
);

// Letters and digits of any script; everything else separates tokens.
const TOKEN_PATTERN = /[\p{L}\p{N}]+/gu;
const MAX_TOKEN_LENGTH = 40;

/** Lower-cased word tokens, in order. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const match of text.toLowerCase().matchAll(TOKEN_PATTERN)) {
    const token = match[0];
    if (token.length <= MAX_TOKEN_LENGTH) tokens.push(token);
  }
  return tokens;
}

const stemCache = new Map<string, string>();
const STEM_CACHE_LIMIT = 200_000;

/** Porter stem of a lower-cased token; digits and non-Latin words pass through unchanged. */
export function stem(token: string): string {
  const cached = stemCache.get(token);
  if (cached !== undefined) return cached;
  const stemmed = /^[a-z]+$/.test(token) && token.length > 2 ? stemmer(token) : token;
  if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
  stemCache.set(token, stemmed);
  return stemmed;
}

/** Analyzed terms for lexical matching: tokens without stopwords (and single letters), stemmed, in order. */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const token of tokenize(text)) {
    if (STOPWORDS.has(token)) continue;
    if (token.length < 2 && !/\d/.test(token)) continue;
    terms.push(stem(token));
  }
  return terms;
}

/**
 * The members of `wanted` (analysed terms: stems) that `analyze(text)` would produce, without stemming every
 * token: Porter only rewrites a word's ending, so a token can stem to a wanted term only if it shares that
 * term's first two characters (or, for a two-letter stem ending in "i", the token has "y" there: "aying" ->
 * "ai"; a one-letter stem, its first). Tokens that cannot match are skipped before the stemmer, which is most
 * of a chunk for a question's handful of terms. Same result as
 * `new Set(analyze(text).filter((t) => wanted.has(t)))` (tests/unit/shared/embeddings/tokenizer.test.ts
 * checks it over whole corpora).
 */
export function termsPresent(text: string, wanted: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  if (wanted.size === 0) return found;
  const prefixes = new Set<string>();
  for (const term of wanted) {
    if (term.length < 2) prefixes.add(term);
    else {
      prefixes.add(term.slice(0, 2));
      if (term.length === 2 && term[1] === 'i') prefixes.add(`${term[0]}y`);
    }
  }
  for (const match of text.toLowerCase().matchAll(TOKEN_PATTERN)) {
    const token = match[0];
    if (token.length > MAX_TOKEN_LENGTH) continue;
    if (!prefixes.has(token.slice(0, 2)) && !prefixes.has(token.slice(0, 1))) continue;
    if (STOPWORDS.has(token)) continue;
    if (token.length < 2 && !/\d/.test(token)) continue;
    const term = stem(token);
    if (wanted.has(term)) {
      found.add(term);
      if (found.size === wanted.size) break;
    }
  }
  return found;
}

/**
 * Rough sub-word token count as billed by BPE-style models: about 4 characters per token for
 * English, at least one token per word or symbol run.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const words = text.match(/\S+/g)?.length ?? 0;
  return Math.max(1, words, Math.ceil(text.length / 4));
}
