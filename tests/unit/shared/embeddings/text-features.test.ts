import { extractFeatures, fnv1a, hashFeatures } from '../../../../shared/embeddings/text-features';

describe('text features', () => {
  it('extracts stemmed unigrams, adjacent bigrams and character n-grams with sublinear term frequency', () => {
    const features = extractFeatures('layer layer flow', { unigram: 1, bigram: 0.5, charGram: 0.2, charGramSize: 4 });

    expect(features.get('w:layer')).toBeCloseTo(1 + Math.log(2), 10);
    expect(features.get('w:flow')).toBeCloseTo(1, 10);
    expect(features.get('b:layer layer')).toBeCloseTo(0.5, 10);
    expect(features.get('b:layer flow')).toBeCloseTo(0.5, 10);
    expect(features.has('c:<lay')).toBe(true);
  });

  it('omits disabled feature families', () => {
    const features = extractFeatures('boundary layer', { unigram: 1, bigram: 0, charGram: 0, charGramSize: 4 });

    expect([...features.keys()].sort()).toEqual(['w:boundari', 'w:layer']);
  });

  it('hashes stably (FNV-1a reference values)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
  });

  it('produces an L2-normalised vector, or zeros for no features', () => {
    const vector = hashFeatures(
      new Map([
        ['w:a', 3],
        ['w:b', 4],
      ]),
      16,
    );

    expect(Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0))).toBeCloseTo(1, 10);
    expect(hashFeatures(new Map(), 8)).toEqual(new Array(8).fill(0));
  });
});
