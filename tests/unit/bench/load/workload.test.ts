import { seededRandom, SyntheticText } from '../../../../bench/synthetic';
import { type IngestionStep, ingestionStep, pickRoute, seedPath } from '../../../../bench/load/workload';

describe('pickRoute', () => {
  it('sends mostly queries, some streams and some listings, the same for the same seed', () => {
    const routes = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 10_000 }, () => pickRoute(random));
    };
    const drawn = routes(5);
    const share = (route: string) => drawn.filter((r) => r === route).length / drawn.length;
    expect(share('query')).toBeCloseTo(0.7, 1);
    expect(share('stream')).toBeCloseTo(0.15, 1);
    expect(share('documents')).toBeCloseTo(0.15, 1);
    expect(routes(5)).toEqual(drawn);
  });
});

describe('ingestionStep', () => {
  const steps = (count: number, seedDocuments: number): IngestionStep[] => {
    const text = new SyntheticText(seededRandom(1), 200);
    return Array.from({ length: count }, (_, n) => ingestionStep(n, seedDocuments, text, 200));
  };

  it('writes and uploads new documents under distinct paths, and rewrites and deletes seed documents', () => {
    const plan = steps(150, 40);
    const kinds = new Set(plan.map((s) => s.kind));
    expect(kinds).toEqual(new Set(['write', 'upload', 'rewrite', 'delete']));
    const created = plan.filter((s) => s.kind === 'write' || s.kind === 'upload').map((s) => s.path);
    expect(new Set(created).size).toBe(created.length);
    const seeds = new Set(Array.from({ length: 40 }, (_, n) => seedPath(n)));
    for (const step of plan.filter((s) => s.kind === 'rewrite' || s.kind === 'delete')) expect(seeds.has(step.path)).toBe(true);
  });

  it('never deletes a seed document twice nor rewrites one it deletes, so each key has one known final state', () => {
    const plan = steps(2000, 40);
    const deletes = plan.filter((s) => s.kind === 'delete').map((s) => s.path);
    const rewrites = new Set(plan.filter((s) => s.kind === 'rewrite').map((s) => s.path));
    expect(deletes.length).toBe(20);
    expect(new Set(deletes).size).toBe(deletes.length);
    for (const path of deletes) expect(rewrites.has(path)).toBe(false);
  });
});
