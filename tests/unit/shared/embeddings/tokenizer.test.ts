import { analyze, estimateTokens, stem, tokenize } from '../../../../shared/embeddings/tokenizer';

describe('tokenizer', () => {
  it('lower-cases and splits on anything but letters and digits, across scripts', () => {
    expect(tokenize("Mach-2 flow, isn't it? Überschall")).toEqual(['mach', '2', 'flow', 'isn', 't', 'it', 'überschall']);
  });

  it('drops stopwords and single letters, and stems what remains', () => {
    expect(analyze('What are the effects of heated walls on the boundary layers?')).toEqual(['effect', 'heat', 'wall', 'boundari', 'layer']);
  });

  it('keeps numbers and short words unchanged', () => {
    expect(stem('2')).toBe('2');
    expect(stem('as')).toBe('as');
    expect(stem('running')).toBe('run');
  });

  it('estimates at least one token per word and about four characters per token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('a b c')).toBe(3);
    expect(estimateTokens('x'.repeat(400))).toBe(100);
  });
});
