import { LocalEmbedder } from '../../../../shared/embeddings/local-embedder';
import { describeEmbedderContract } from '../../../contract/embedder.contract';

describeEmbedderContract('LocalEmbedder', async () => new LocalEmbedder());

describe('LocalEmbedder', () => {
  it('defaults to 512 dimensions and a versioned model id', () => {
    const embedder = new LocalEmbedder();

    expect(embedder.dimensions).toBe(512);
    expect(embedder.modelId).toBe('local-hash-v1');
  });

  it('honours the dimensions option and records custom weights in the model id', async () => {
    const embedder = new LocalEmbedder({ dimensions: 64, weights: { charGram: 0 } });

    const { vectors } = await embedder.embed(['wing flutter'], 'document');

    expect(vectors[0]).toHaveLength(64);
    expect(embedder.modelId).not.toBe('local-hash-v1');
  });

  it('returns unit-length vectors, and a zero vector for text without words', async () => {
    const embedder = new LocalEmbedder();

    const { vectors } = await embedder.embed(['Supersonic flow over a cone', '...'], 'document');

    const norm = Math.sqrt((vectors[0] as number[]).reduce((sum, value) => sum + value * value, 0));
    expect(norm).toBeCloseTo(1, 6);
    expect((vectors[1] as number[]).every((value) => value === 0)).toBe(true);
  });

  it('matches inflected forms through stemming', async () => {
    const embedder = new LocalEmbedder();
    const dot = (a: number[], b: number[]): number => a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);

    const { vectors } = await embedder.embed(['heated cylinders', 'heating of a cylinder', 'annual budget review'], 'document');

    expect(dot(vectors[0] as number[], vectors[1] as number[])).toBeGreaterThan(0.5);
    expect(dot(vectors[0] as number[], vectors[2] as number[])).toBeLessThan(0.2);
  });

  it('rejects invalid options', () => {
    expect(() => new LocalEmbedder({ dimensions: 0 })).toThrow(RangeError);
    expect(() => new LocalEmbedder({ batchSize: 0 })).toThrow(RangeError);
  });
});
