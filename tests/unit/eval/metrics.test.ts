import { aggregateByDocument, mapAtK, mean, mrrAtK, ndcgAtK, percentile, percentiles, rankByScore, recallAtK } from '../../../eval/metrics';

// Judged: A=3, B=2, C=1 relevant; D=0 judged non-relevant. X, Y are unjudged.
const grades = new Map([
  ['A', 3],
  ['B', 2],
  ['C', 1],
  ['D', 0],
]);
const ranking = ['D', 'A', 'X', 'C'];

describe('ndcgAtK', () => {
  it('uses linear gain over log2(rank + 1) and the ideal order of the judged grades', () => {
    // Prepare: DCG = 3/log2(3) + 1/log2(5) = 1.892789 + 0.430677 = 2.323466
    //          IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.261860 + 0.5 = 4.761860
    // Act
    const value = ndcgAtK(ranking, grades, 10);
    // Assess
    expect(value).toBeCloseTo(2.323466 / 4.76186, 6);
    expect(value).toBeCloseTo(0.487932, 6);
  });

  it('cuts both the run and the ideal list at k', () => {
    // DCG@2 = 3/log2(3) = 1.892789; IDCG@2 = 3 + 2/log2(3) = 4.261860
    expect(ndcgAtK(ranking, grades, 2)).toBeCloseTo(1.892789 / 4.26186, 6);
  });

  it('scores 1 for every order of documents with tied grades', () => {
    const tied = new Map([
      ['A', 2],
      ['B', 2],
    ]);
    expect(ndcgAtK(['A', 'B'], tied, 10)).toBeCloseTo(1, 10);
    expect(ndcgAtK(['B', 'A'], tied, 10)).toBeCloseTo(1, 10);
  });

  it('is 0 when no relevant document is retrieved, and when the query has none', () => {
    expect(ndcgAtK(['X', 'Y', 'D'], grades, 10)).toBe(0);
    expect(ndcgAtK(['A'], new Map([['A', 0]]), 10)).toBe(0);
  });

  it('treats negative grades as not relevant', () => {
    expect(
      ndcgAtK(
        ['N', 'A'],
        new Map([
          ['N', -1],
          ['A', 1],
        ]),
        10,
      ),
    ).toBeCloseTo(1 / Math.log2(3), 10);
  });

  it('counts a repeated document once, at its first position', () => {
    // B at 1, B again ignored, C at 2: DCG = 2 + 1/log2(3) = 2.630930; IDCG@10 = 4.761860
    expect(ndcgAtK(['B', 'B', 'C'], grades, 10)).toBeCloseTo(2.63093 / 4.76186, 5);
  });

  it('rejects a cut-off that is not a positive integer', () => {
    expect(() => ndcgAtK(ranking, grades, 0)).toThrow(RangeError);
    expect(() => ndcgAtK(ranking, grades, 2.5)).toThrow(RangeError);
  });
});

describe('recallAtK', () => {
  it('divides relevant documents found in the top k by all relevant documents', () => {
    expect(recallAtK(ranking, grades, 1)).toBe(0);
    expect(recallAtK(ranking, grades, 2)).toBeCloseTo(1 / 3, 10);
    expect(recallAtK(ranking, grades, 4)).toBeCloseTo(2 / 3, 10);
    expect(recallAtK(ranking, grades, 100)).toBeCloseTo(2 / 3, 10);
  });

  it('is 0 when no relevant document is retrieved or none exists', () => {
    expect(recallAtK(['X', 'D'], grades, 10)).toBe(0);
    expect(recallAtK(['X'], new Map([['X', 0]]), 10)).toBe(0);
  });

  it('finds a relevant document at rank 11 only from k = 11 on', () => {
    const deep = [...Array.from({ length: 10 }, (_, i) => `x${i}`), 'C'];
    const single = new Map([['C', 1]]);
    expect(recallAtK(deep, single, 10)).toBe(0);
    expect(recallAtK(deep, single, 11)).toBe(1);
    expect(mrrAtK(deep, single, 10)).toBe(0);
  });
});

describe('mrrAtK', () => {
  it('is the reciprocal rank of the first relevant document within k', () => {
    expect(mrrAtK(ranking, grades, 10)).toBe(0.5);
    expect(mrrAtK(ranking, grades, 1)).toBe(0);
    expect(mrrAtK(['C', 'A'], grades, 10)).toBe(1);
  });

  it('is 0 when nothing relevant is retrieved', () => {
    expect(mrrAtK(['X', 'Y', 'D'], grades, 10)).toBe(0);
    expect(mrrAtK([], grades, 10)).toBe(0);
  });
});

describe('mapAtK', () => {
  it('averages precision at each relevant hit over all relevant documents', () => {
    // Hits at rank 2 (P = 1/2) and rank 4 (P = 2/4); 3 relevant in total: (0.5 + 0.5) / 3
    expect(mapAtK(ranking, grades, 100)).toBeCloseTo(1 / 3, 10);
  });

  it('ignores hits below the cut-off', () => {
    // Only the hit at rank 2 counts at k = 3: 0.5 / 3
    expect(mapAtK(ranking, grades, 3)).toBeCloseTo(0.5 / 3, 10);
  });

  it('is 1 for a perfect ranking and 0 when nothing relevant is retrieved', () => {
    expect(mapAtK(['A', 'B', 'C'], grades, 100)).toBeCloseTo(1, 10);
    expect(mapAtK(['X', 'D'], grades, 100)).toBe(0);
    expect(mapAtK(['X'], new Map([['X', 0]]), 100)).toBe(0);
  });
});

describe('rankByScore', () => {
  it('orders by score and breaks ties by document id descending, as trec_eval does', () => {
    // Prepare: b and a tie; trec_eval puts "b" before "a".
    const run = [
      { id: 'a', score: 1 },
      { id: 'c', score: 2 },
      { id: 'b', score: 1 },
      { id: 'd', score: 0.5 },
    ];
    // Act
    const ordered = rankByScore(run);
    // Assess
    expect(ordered).toEqual(['c', 'b', 'a', 'd']);
  });

  it('makes metrics independent of the order tied documents were produced in', () => {
    const single = new Map([['a', 1]]);
    const one = rankByScore([
      { id: 'a', score: 1 },
      { id: 'b', score: 1 },
    ]);
    const other = rankByScore([
      { id: 'b', score: 1 },
      { id: 'a', score: 1 },
    ]);
    expect(mrrAtK(one, single, 10)).toBe(0.5);
    expect(mrrAtK(other, single, 10)).toBe(0.5);
  });
});

describe('aggregateByDocument', () => {
  it('keeps the best chunk score per document in first-occurrence order and drops unknown documents', () => {
    const hits = [
      { documentId: 'd1', score: 0.9 },
      { documentId: 'd2', score: 0.8 },
      { documentId: 'd1', score: 0.95 },
      { documentId: undefined, score: 1 },
      { documentId: 'd3', score: 0.1 },
    ];
    expect(aggregateByDocument(hits)).toEqual([
      { id: 'd1', score: 0.95 },
      { id: 'd2', score: 0.8 },
      { id: 'd3', score: 0.1 },
    ]);
  });
});

describe('percentile', () => {
  it('interpolates linearly between the closest ranks', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    // position 0.95 * 99 = 94.05 -> 95 + 0.05 * (96 - 95)
    expect(percentile(hundred, 95)).toBeCloseTo(95.05, 10);
    expect(percentile(hundred, 99)).toBeCloseTo(99.01, 10);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN for an empty sample and rejects q outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarises a sample', () => {
    const summary = percentiles([10, 20, 30, 40]);
    expect(summary).toMatchObject({ p50: 25, mean: 25, min: 10, max: 40, count: 4 });
    expect(summary.p95).toBeCloseTo(38.5, 10);
    expect(mean([])).toBe(0);
  });
});
