import { ValidationError } from '../../../../shared/errors';
import { filterableMetadata, keySegments, planKeyPrefix, S3_VECTORS_LIMITS, storedChunkFromMetadata } from '../../../../shared/vectors/chunk-metadata';
import { makeChunk } from '../../../contract/fixtures';

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

  it("holds a chunk's identity, the extra fields, then p1..p4 as its filterable metadata", () => {
    // Prepare
    const chunk = makeChunk(4, { key: 'tenant-a/policies/hr/leave.md' });
    // Act
    const filterable = filterableMetadata(chunk, { chunkId: chunk.id });
    // Assess
    expect(Object.keys(filterable)).toEqual(['tenant', 'documentId', 'key', 'contentType', 'fingerprint', 'version', 'chunkId', 'p1', 'p2', 'p3']);
    expect(filterable).toMatchObject({ tenant: 'tenant-a', key: chunk.key, chunkId: chunk.id, p3: 'hr' });
  });

  it('refuses a chunk whose filterable metadata is over the S3 Vectors limit, naming the chunk and the limit', () => {
    // Prepare: a key long enough to push the filterable fields past 2,048 bytes, and one well under
    const over = makeChunk(4, { key: `tenant-a/${'x'.repeat(1_000)}/${'y'.repeat(1_000)}.md` });
    const under = makeChunk(4, { key: `tenant-a/${'x'.repeat(500)}/${'y'.repeat(500)}.md` });
    // Act / Assess
    expect(() => filterableMetadata(over)).toThrow(ValidationError);
    expect(() => filterableMetadata(over)).toThrow(
      new RegExp(`^Filterable metadata of chunk ${over.id} is \\d+ bytes, over the S3 Vectors limit of ${S3_VECTORS_LIMITS.filterableMetadataBytes}`),
    );
    expect(() => filterableMetadata(under)).not.toThrow();
  });

  it('reads a chunk back from the metadata written for it, numbers sent as strings included', () => {
    // Prepare: what the adapters write, once as JSON numbers and once stringified as a store may return them
    const { vector: _vector, ...chunk } = makeChunk(4, { index: 2 });
    const { location } = chunk;
    const written = {
      ...filterableMetadata({ ...chunk, vector: [] }),
      chunkIndex: 2,
      start: location.start,
      end: location.end,
      page: location.page,
      section: location.section,
      title: chunk.title,
    };
    const stringified = Object.fromEntries(Object.entries(written).map(([k, v]) => [k, String(v)]));
    // Act
    const read = storedChunkFromMetadata(written, chunk.id, chunk.text);
    const readFromStrings = storedChunkFromMetadata(stringified, chunk.id, chunk.text);
    // Assess
    expect(read).toEqual(chunk);
    expect(readFromStrings).toEqual(chunk);
  });
});
