import type { Embedder } from '../../shared/embeddings/embedder';

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  a.forEach((value, i) => {
    const other = b[i] ?? 0;
    dot += value * other;
    normA += value * value;
    normB += other * other;
  });
  return normA > 0 && normB > 0 ? dot / Math.sqrt(normA * normB) : 0;
}

/** Behaviour every Embedder adapter must show; run it against each adapter. */
export function describeEmbedderContract(name: string, makeEmbedder: () => Promise<Embedder>): void {
  describe(`Embedder contract: ${name}`, () => {
    let embedder: Embedder;

    beforeAll(async () => {
      embedder = await makeEmbedder();
    });

    it('exposes a model id, positive dimensions and a batch size of at least 1', () => {
      expect(embedder.modelId.length).toBeGreaterThan(0);
      expect(embedder.dimensions).toBeGreaterThan(0);
      expect(embedder.batchSize).toBeGreaterThanOrEqual(1);
    });

    it('returns one finite vector of the declared dimensions per text, with tokens counted', async () => {
      const texts = ['How do I rotate the API keys?', 'Keys are rotated every 90 days by the platform team.'];

      const result = await embedder.embed(texts, 'document');

      expect(result.vectors).toHaveLength(texts.length);
      for (const vector of result.vectors) {
        expect(vector).toHaveLength(embedder.dimensions);
        expect(vector.every((value) => Number.isFinite(value))).toBe(true);
        expect(vector.some((value) => value !== 0)).toBe(true);
      }
      expect(result.inputTokens).toBeGreaterThan(0);
    });

    it('is deterministic for the same input', async () => {
      const text = 'The boundary layer separates at high angles of attack.';

      const first = await embedder.embed([text], 'document');
      const second = await embedder.embed([text], 'document');

      expect(second.vectors).toEqual(first.vectors);
    });

    it('embeds queries as well as documents', async () => {
      const result = await embedder.embed(['what causes flow separation'], 'query');

      expect(result.vectors).toHaveLength(1);
      expect(result.vectors[0]).toHaveLength(embedder.dimensions);
      expect(result.inputTokens).toBeGreaterThan(0);
    });

    it('returns nothing for no texts', async () => {
      const result = await embedder.embed([], 'document');

      expect(result.vectors).toEqual([]);
    });

    it('puts a query closer to a related document than to an unrelated one', async () => {
      const [query] = (await embedder.embed(['How do I reset my password?'], 'query')).vectors;
      const [related, unrelated] = (
        await embedder.embed(
          ['To reset your password, open account settings and choose reset password.', 'The cafeteria serves vegetarian lunch on Fridays.'],
          'document',
        )
      ).vectors;

      expect(cosine(query as number[], related as number[])).toBeGreaterThan(cosine(query as number[], unrelated as number[]));
    });
  });
}
