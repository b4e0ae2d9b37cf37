import type { ScoredChunk } from '../../../../shared/documents/chunk';
import { applyRelevanceFloor, DEFAULT_MIN_COVERAGE, questionCoverage } from '../../../../shared/pipeline/relevance-floor';
import { scoredChunk } from '../../../contract/generation-fixtures';

/** A small tenant index, as the sample corpus is: every chunk names the company and its robots, none names a CEO. */
const index: ScoredChunk[] = [
  scoredChunk('expenses', 'This policy explains which business expenses Northwind Robotics reimburses and how to claim them.', 0.9, 0),
  scoredChunk('security', 'Every Northwind Robotics employee must use passwords at least 16 characters long.', 0.8, 1),
  scoredChunk('faq', 'The Northwind R2 robot carries 180 kg. A fully charged R2 battery lasts 14 hours.', 0.7, 2),
  scoredChunk('oncall', 'A SEV1 page about a Northwind robot must be acknowledged within 5 minutes. The handoff happens every Monday.', 0.6, 3),
  scoredChunk('release', 'The Northwind REST API v1 for robot fleets will be switched off on 30 September 2024.', 0.5, 4),
  scoredChunk('dock', 'Northwind robots dock themselves below 20 percent charge.', 0.4, 5),
  scoredChunk('navigation', 'Northwind robots navigate with lidar and floor markers.', 0.3, 6),
  scoredChunk('warranty', 'Every Northwind robot ships with a 3-year limited warranty.', 0.2, 7),
];

describe('questionCoverage', () => {
  it('weights terms by rarity: the term every chunk shares counts little, a term no chunk has counts most', () => {
    // Act
    const ceo = questionCoverage('Who is the CEO of Northwind Robotics?', index, index);
    const battery = questionCoverage('How long does the R2 battery last?', index, index);
    // Assess
    expect(ceo.coverage).toBeGreaterThan(0);
    expect(ceo.coverage).toBeLessThan(DEFAULT_MIN_COVERAGE);
    expect(battery.coverage).toBeGreaterThan(0.7);
    expect(battery.bestChunk).toBe(2);
  });

  it('looks at the top chunks only, and needs a chunk to cover the terms together', () => {
    const question = 'When is the REST API switched off?';
    expect(questionCoverage(question, index, index, 3).coverage).toBe(0);
    expect(questionCoverage(question, index, index, 5).coverage).toBe(1);
  });

  it('covers a question with no content terms fully and nothing ranked not at all', () => {
    expect(questionCoverage('What is it?', index, index).coverage).toBe(1);
    expect(questionCoverage('battery', [], index).coverage).toBe(0);
  });

  it('counts words of the title and the section as words of the chunk', () => {
    const base = scoredChunk('titled', 'Employees get 25 days a year.', 1, 0);
    const titled = { ...base, chunk: { ...base.chunk, title: 'Annual leave' } };
    expect(questionCoverage('annual leave days', [titled], [titled]).coverage).toBe(1);
    expect(questionCoverage('annual leave days', [base], [base]).coverage).toBeLessThan(0.5);
  });
});

describe('applyRelevanceFloor', () => {
  it('keeps the whole ranking, order and scores, for a question the top chunks cover', () => {
    const kept = applyRelevanceFloor('How quickly must a SEV1 page be acknowledged?', index, { reference: index, topChunks: 5 });
    expect(kept).toEqual(index);
  });

  it('keeps nothing when the question asks about what no chunk mentions', () => {
    expect(applyRelevanceFloor('Who is the CEO of Northwind Robotics?', index, { reference: index })).toEqual([]);
    expect(applyRelevanceFloor('What is the parental leave policy?', index, { reference: index })).toEqual([]);
  });

  it('estimates the weights on the reference candidates, not only on the kept top chunks', () => {
    // Over the top chunk alone "Northwind" and "robotics" are as rare as "CEO"; over the candidates they are common.
    const top = index.slice(0, 1);
    expect(applyRelevanceFloor('Who is the CEO of Northwind Robotics?', top, { reference: top })).toEqual(top);
    expect(applyRelevanceFloor('Who is the CEO of Northwind Robotics?', top, { reference: index })).toEqual([]);
  });

  it('still applies the absolute score floor first, and can be turned off', () => {
    expect(applyRelevanceFloor('How long does the R2 battery last?', index, { minRelevance: 0.65, reference: index }).map((c) => c.chunk.id)).toEqual([
      'expenses',
      'security',
      'faq',
    ]);
    expect(applyRelevanceFloor('Who is the CEO of Northwind Robotics?', index, { minCoverage: 0 })).toEqual(index);
    expect(applyRelevanceFloor('anything', [], {})).toEqual([]);
  });

  it('rejects settings outside their range', () => {
    expect(() => applyRelevanceFloor('q', index, { minCoverage: 1.5 })).toThrow(RangeError);
    expect(() => applyRelevanceFloor('q', index, { topChunks: 0 })).toThrow(RangeError);
    expect(() => applyRelevanceFloor('q', index, { missingTermFactor: 0.5 })).toThrow(RangeError);
  });
});
