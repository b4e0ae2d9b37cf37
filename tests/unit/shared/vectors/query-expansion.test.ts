import { DEFAULT_FEEDBACK, expandQuery, topFeedbackDocuments } from '../../../../shared/vectors/query-expansion';

const weightOf = (terms: Array<{ term: string; weight: number }>, term: string): number => terms.find((entry) => entry.term === term)?.weight ?? 0;

describe('expandQuery (RM3)', () => {
  it('keeps every original content word at originalWeight / |q| and adds feedback terms with the rest of the mass', () => {
    const feedback = [
      { text: 'Panel flutter at supersonic speeds: flutter boundaries of panels.', score: 10 },
      { text: 'Aeroelastic panel oscillations in supersonic flow.', score: 8 },
    ];

    const terms = expandQuery('What is panel flutter?', feedback, { documents: 10, terms: 3, originalWeight: 0.5 });

    const total = terms.reduce((sum, entry) => sum + entry.weight, 0);
    expect(total).toBeCloseTo(1, 10);
    expect(weightOf(terms, 'panel')).toBeGreaterThan(0.25);
    expect(weightOf(terms, 'flutter')).toBeGreaterThan(0.25);
    expect(weightOf(terms, 'supersonic')).toBeGreaterThan(0);
    expect(terms.some((entry) => entry.term === 'what' || entry.term === 'is')).toBe(false);
  });

  it('represents a stem by its most frequent surface word, so the index analyzer can stem it again', () => {
    const feedback = [{ text: 'heated heated heating wall', score: 1 }];

    const terms = expandQuery('wall', feedback, { documents: 1, terms: 5, originalWeight: 0.5 });

    expect(terms.map((entry) => entry.term)).toContain('heated');
    expect(terms.map((entry) => entry.term)).not.toContain('heating');
  });

  it('weights terms of better-scored documents higher and ignores documents past the feedback depth', () => {
    const feedback = [
      { text: 'alpha wing', score: 10 },
      { text: 'beta wing', score: 1 },
      { text: 'gamma wing', score: 0.5 },
    ];

    const terms = expandQuery('wing', feedback, { documents: 2, terms: 10, originalWeight: 0.5 });

    expect(weightOf(terms, 'alpha')).toBeGreaterThan(weightOf(terms, 'beta'));
    expect(weightOf(terms, 'gamma')).toBe(0);
  });

  it('skips bare numbers from feedback documents but keeps numbers the user typed', () => {
    const terms = expandQuery('mach 3 cone', [{ text: 'cone at mach 3 figure 12 page 7', score: 1 }], DEFAULT_FEEDBACK);

    expect(weightOf(terms, '3')).toBeGreaterThan(0);
    expect(weightOf(terms, '12')).toBe(0);
    expect(weightOf(terms, '7')).toBe(0);
  });

  it('returns only the original words when nothing is to be learnt, and nothing for a question without content', () => {
    expect(expandQuery('drag of cones', [], DEFAULT_FEEDBACK).map((entry) => entry.term)).toEqual(['cones', 'drag']);
    expect(expandQuery('drag', [{ text: 'lift', score: 1 }], { documents: 1, terms: 5, originalWeight: 1 })).toEqual([{ term: 'drag', weight: 1 }]);
    expect(expandQuery('what is it', [{ text: 'lift', score: 1 }], DEFAULT_FEEDBACK)).toEqual([]);
  });

  it('is deterministic and rejects invalid options', () => {
    const feedback = [{ text: 'shock wave boundary layer interaction', score: 2 }];

    expect(expandQuery('shock', feedback)).toEqual(expandQuery('shock', feedback));
    expect(() => expandQuery('shock', feedback, { documents: 0, terms: 5, originalWeight: 0.5 })).toThrow(RangeError);
    expect(() => expandQuery('shock', feedback, { documents: 1, terms: 5, originalWeight: 1.5 })).toThrow(RangeError);
  });
});

describe('topFeedbackDocuments', () => {
  it('keeps the best documents and breaks ties at the cut by id, whatever order they arrive in', () => {
    const documents = [
      { id: 'd', score: 2, text: '' },
      { id: 'c', score: 1, text: '' },
      { id: 'a', score: 1, text: '' },
      { id: 'b', score: 1, text: '' },
    ];

    const forward = topFeedbackDocuments(documents, 3).map((document) => document.id);
    const backward = topFeedbackDocuments([...documents].reverse(), 3).map((document) => document.id);

    expect(forward).toEqual(['d', 'a', 'b']);
    expect(backward).toEqual(forward);
    expect(documents.map((document) => document.id)).toEqual(['d', 'c', 'a', 'b']);
  });
});
