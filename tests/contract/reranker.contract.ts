import type { ScoredChunk } from '../../shared/documents/chunk';
import type { Reranker } from '../../shared/rerank/reranker';
import { makeChunk } from './fixtures';

function candidate(id: string, text: string, score: number): ScoredChunk {
  const { vector: _vector, ...chunk } = makeChunk(4, { id, text, title: undefined, location: { start: 0, end: text.length } });
  return { chunk, score };
}

/** Behaviour every Reranker adapter must show; run it against each adapter. */
export function describeRerankerContract(name: string, makeReranker: () => Promise<Reranker>): void {
  describe(`Reranker contract: ${name}`, () => {
    let reranker: Reranker;
    const candidates: ScoredChunk[] = [
      candidate('lunch', 'The cafeteria serves vegetarian lunch on Fridays and pasta on Mondays.', 0.9),
      candidate('parking', 'Visitor parking is behind building B, next to the loading dock.', 0.8),
      candidate('vpn', 'To connect to the VPN, install the client and sign in with your corporate account.', 0.7),
      candidate('holidays', 'Public holidays are listed on the intranet calendar each January.', 0.6),
    ];

    beforeAll(async () => {
      reranker = await makeReranker();
    });

    it('exposes a model id', () => {
      expect(reranker.modelId.length).toBeGreaterThan(0);
    });

    it('returns at most topN results, sorted by descending score, with ids from the input only', async () => {
      const result = await reranker.rerank('how do I connect to the VPN', candidates, 2);

      expect(result.length).toBeLessThanOrEqual(2);
      expect(result.length).toBeGreaterThan(0);
      const inputIds = new Set(candidates.map((c) => c.chunk.id));
      for (const item of result) expect(inputIds.has(item.chunk.id)).toBe(true);
      for (let i = 1; i < result.length; i += 1) {
        expect((result[i - 1] as ScoredChunk).score).toBeGreaterThanOrEqual((result[i] as ScoredChunk).score);
      }
    });

    it('promotes the relevant candidate over irrelevant ones ranked above it', async () => {
      const result = await reranker.rerank('how do I connect to the VPN client', candidates, candidates.length);

      expect(result[0]?.chunk.id).toBe('vpn');
    });

    it('returns nothing for no candidates', async () => {
      const result = await reranker.rerank('anything', [], 5);

      expect(result).toEqual([]);
    });
  });
}
