import type { ScoredChunk } from '../../../../shared/documents/chunk';
import { LocalReranker } from '../../../../shared/rerank/local-reranker';
import { describeRerankerContract } from '../../../contract/reranker.contract';
import { makeChunk } from '../../../contract/fixtures';

describeRerankerContract('LocalReranker', async () => new LocalReranker());

function candidate(id: string, text: string, title?: string): ScoredChunk {
  const { vector: _vector, ...chunk } = makeChunk(4, { id, text, title, location: { start: 0, end: text.length } });
  return { chunk, score: 0.5 };
}

describe('LocalReranker', () => {
  it('keeps the first-stage order when the query has no content words', async () => {
    const reranker = new LocalReranker();
    const input = [candidate('a', 'alpha text'), candidate('b', 'beta text'), candidate('c', 'gamma text')];

    const result = await reranker.rerank('what is the', input, 3);

    expect(result.map((item) => item.chunk.id)).toEqual(['a', 'b', 'c']);
  });

  it('prefers a candidate where the query terms occur close together', async () => {
    const reranker = new LocalReranker({ weights: { prior: 0, feedback: 0, bm25: 0, coverage: 0, title: 0, proximity: 1 } });
    const far = candidate('far', 'heat is discussed first. many unrelated words follow here before we reach the transfer topic.');
    const near = candidate('near', 'this paper measures heat transfer in nozzles.');

    const result = await reranker.rerank('heat transfer', [far, near], 2);

    expect(result[0]?.chunk.id).toBe('near');
  });

  it('uses title matches', async () => {
    const reranker = new LocalReranker({ weights: { prior: 0, feedback: 0, bm25: 0, coverage: 0, proximity: 0, title: 1 } });

    const result = await reranker.rerank('flutter', [candidate('plain', 'flutter of panels'), candidate('titled', 'flutter of panels', 'Panel flutter')], 2);

    expect(result[0]?.chunk.id).toBe('titled');
  });

  it('ignores duplicate candidates, scores in [0, 1] and is deterministic', async () => {
    const reranker = new LocalReranker();
    const input = [candidate('a', 'wing lift'), candidate('a', 'wing lift'), candidate('b', 'drag')];

    const first = await reranker.rerank('wing lift drag', input, 10);
    const second = await reranker.rerank('wing lift drag', input, 10);

    expect(first.map((item) => item.chunk.id).sort()).toEqual(['a', 'b']);
    expect(first.every((item) => item.score >= 0 && item.score <= 1)).toBe(true);
    expect(second).toEqual(first);
  });

  it('rejects negative weights', () => {
    expect(() => new LocalReranker({ weights: { prior: -1 } })).toThrow(RangeError);
  });
});
