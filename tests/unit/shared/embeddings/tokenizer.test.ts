import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, estimateTokens, stem, termsPresent, tokenize } from '../../../../shared/embeddings/tokenizer';

const root = path.resolve(__dirname, '..', '..', '..', '..');
/** Every text of the golden corpus and, where the datasets sit beside the repository (CI), of Cranfield and NFCorpus. */
function corpusTexts(): string[] {
  const files = [
    path.join(root, 'tests', 'fixtures', 'golden', 'corpus.jsonl'),
    path.join(root, '..', 'shared', 'datasets', 'cranfield', 'corpus.jsonl'),
    path.join(root, '..', 'shared', 'datasets', 'nfcorpus', 'corpus.jsonl'),
  ].filter((file) => existsSync(file));
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const record = JSON.parse(line) as { title?: string; text?: string };
        return `${record.title ?? ''}\n${record.text ?? ''}`;
      }),
  );
}

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

  describe('termsPresent', () => {
    it('finds the wanted terms analyze would produce, and no others', () => {
      const text = 'What are the effects of heated walls on the boundary layers? Heating the wall thins the layer.';
      expect(termsPresent(text, new Set(['heat', 'layer', 'shock', 'effect']))).toEqual(new Set(['heat', 'layer', 'effect']));
      // Stopwords and single letters are not terms, even when wanted.
      expect(termsPresent('the a of', new Set(['the', 'a']))).toEqual(new Set());
      expect(termsPresent('anything', new Set())).toEqual(new Set());
      // A two-letter stem ending in "i" from a word with "y" there.
      expect(termsPresent('aying', new Set([stem('aying')]))).toEqual(new Set([stem('aying')]));
    });

    it('never skips a token that stems to a wanted term: every word of the corpora is found by its own stem', () => {
      const texts = corpusTexts();
      expect(texts.length).toBeGreaterThan(40);
      const vocabulary = new Set(texts.flatMap((text) => tokenize(text)));
      const missed = [...vocabulary].filter((token) => {
        const terms = analyze(token);
        return terms.length > 0 && !termsPresent(token, new Set(terms)).has(terms[0] as string);
      });
      expect(missed).toEqual([]);
      // And over whole documents, against a question-sized set of wanted terms.
      for (const text of texts.slice(0, 300)) {
        const all = analyze(text);
        const wanted = new Set([...all.filter((_, i) => i % 7 === 0), 'zzzz', 'boundari']);
        expect(termsPresent(text, wanted)).toEqual(new Set(all.filter((term) => wanted.has(term))));
      }
    });
  });
});
