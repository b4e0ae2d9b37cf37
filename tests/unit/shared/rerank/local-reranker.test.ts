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

describe('LocalReranker depth', () => {
  it('re-scores only the first `depth` candidates and keeps the rest in first-stage order, scored below them', async () => {
    const reranker = new LocalReranker({ depth: 2 });
    const input = [
      candidate('a', 'lunch menu of the day'),
      candidate('b', 'heat transfer in nozzles'),
      candidate('c', 'heat transfer heat transfer nozzles'),
      candidate('d', 'lunch menu again'),
    ];

    const result = await reranker.rerank('heat transfer', input, 4);

    // 'b' outranks 'a' within the head; 'c' matches better still but lies past the depth, so it is not read.
    expect(result.map((item) => item.chunk.id)).toEqual(['b', 'a', 'c', 'd']);
    const scores = result.map((item) => item.score);
    expect(scores[2]).toBeLessThan(scores[1] as number);
    expect(scores[3]).toBeLessThan(scores[2] as number);
    expect(scores.every((score) => score >= 0 && score <= 1)).toBe(true);
  });

  it('returns at most topN, taking the tail only when the head is shorter than topN', async () => {
    const reranker = new LocalReranker({ depth: 2 });
    const input = ['a', 'b', 'c'].map((id) => candidate(id, `text ${id}`));

    expect((await reranker.rerank('text', input, 1)).length).toBe(1);
    expect((await reranker.rerank('text', input, 3)).map((item) => item.chunk.id).slice(2)).toEqual(['c']);
  });

  it('rejects a depth below 1', () => {
    expect(() => new LocalReranker({ depth: 0 })).toThrow(RangeError);
    expect(() => new LocalReranker({ depth: 1.5 })).toThrow(RangeError);
  });
});
