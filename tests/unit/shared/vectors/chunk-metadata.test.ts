import { keySegments, planKeyPrefix } from '../../../../shared/vectors/chunk-metadata';

describe('chunk metadata of an S3 Vectors index', () => {
  it('stores the first four directory segments of a key as p1..p4', () => {
    // Act / Assess
    expect(keySegments('acme/policies/hr/2026/leave.md')).toEqual({ p1: 'acme', p2: 'policies', p3: 'hr', p4: '2026' });
    expect(keySegments('acme/a/b/c/d/e.md')).toEqual({ p1: 'acme', p2: 'a', p3: 'b', p4: 'c' });
    expect(keySegments('leave.md')).toEqual({});
  });

  it('turns a prefix of whole segments into exact conditions, with no post-filter', () => {
    // Act
    const plan = planKeyPrefix('acme/policies/');
    // Assess
    expect(plan).toEqual({
      segments: [
        { field: 'p1', value: 'acme' },
        { field: 'p2', value: 'policies' },
      ],
      needsPostFilter: false,
    });
  });

  it('post-filters a prefix that ends inside a segment or goes deeper than four levels', () => {
    // Act
    const partial = planKeyPrefix('acme/pol');
    const deep = planKeyPrefix('acme/a/b/c/d/');
    // Assess
    expect(partial).toEqual({ segments: [{ field: 'p1', value: 'acme' }], needsPostFilter: true });
    expect(deep.segments.map((s) => s.field)).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(deep.needsPostFilter).toBe(true);
  });
});
