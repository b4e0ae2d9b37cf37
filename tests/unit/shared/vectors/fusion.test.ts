import { reciprocalRankFusion, weightedScoreFusion } from '../../../../shared/vectors/fusion';

describe('reciprocalRankFusion', () => {
  it('ranks items found high in both lists first and scales the best possible score to 1', () => {
    const fused = reciprocalRankFusion(
      [
        { ids: ['a', 'b', 'c'], weight: 1 },
        { ids: ['a', 'c', 'd'], weight: 1 },
      ],
      60,
    );

    expect(fused.map((item) => item.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0]?.score).toBeCloseTo(1, 10);
    expect(fused[1]?.score).toBeCloseTo((1 / 62 + 1 / 63) / (2 / 61), 10);
  });

  it('applies weights, ignores lists with weight 0 or no hits, and counts an id once per list', () => {
    const fused = reciprocalRankFusion([
      { ids: ['x', 'x', 'y'], weight: 2 },
      { ids: ['z'], weight: 0 },
      { ids: [], weight: 1 },
    ]);

    expect(fused.map((item) => item.id)).toEqual(['x', 'y']);
    expect(fused[0]?.score).toBeCloseTo(1, 10);
  });

  it('rejects a negative k', () => {
    expect(() => reciprocalRankFusion([], -1)).toThrow(RangeError);
  });
});

describe('weightedScoreFusion', () => {
  it('combines min-max normalised scores by weight', () => {
    const fused = weightedScoreFusion([
      {
        items: [
          { id: 'a', score: 10 },
          { id: 'b', score: 0 },
        ],
        weight: 1,
      },
      {
        items: [
          { id: 'b', score: 0.9 },
          { id: 'a', score: 0.1 },
        ],
        weight: 3,
      },
    ]);

    expect(fused.map((item) => item.id)).toEqual(['b', 'a']);
    expect(fused[0]?.score).toBeCloseTo(0.75, 10);
    expect(fused[1]?.score).toBeCloseTo(0.25, 10);
  });
});
