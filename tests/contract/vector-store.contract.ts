import type { IndexedChunk, StoredChunk } from '../../shared/documents/chunk';
import type { VectorStore } from '../../shared/vectors/vector-store';
import { makeChunk, nearOneHot, oneHot } from './fixtures';

interface StoreUnderTest {
  store: VectorStore;
  dimensions: number;
  cleanup: () => Promise<void>;
}

function withoutVector(chunk: IndexedChunk): StoredChunk {
  const { vector: _vector, ...stored } = chunk;
  return stored;
}

export interface VectorStoreContractOptions {
  /**
   * False for a backend that cannot answer similarity queries (moto's S3 Vectors has no QueryVectors):
   * the cases that call `query` are left out, every other case still runs. Defaults to true.
   */
  query?: boolean;
  /**
   * How the store ranks a query: 'vector' (default) by the query vector, 'text' by the query text for
   * a store that embeds text itself (`embedsText`, a Bedrock Knowledge Base), which ignores vectors.
   * The text cases rank by constructed texts instead of constructed vectors and check that chunks
   * without vectors are accepted; the vector cases are unchanged.
   */
  searchesBy?: 'vector' | 'text';
}

/**
 * Behaviour every VectorStore adapter must show. Uses constructed vectors (one-hot), so it also holds for
 * stores without text search.
 */
export function describeVectorStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>, options: VectorStoreContractOptions = {}): void {
  // Cases that call `query` are registered through itQuery: left out, not skipped, when the backend has none.
  const itQuery = (title: string, test: jest.ProvidesCallback): void => {
    if (options.query !== false) it(title, test);
  };
  const byText = options.searchesBy === 'text';
  // Cases registered for one way of searching only: left out, not skipped, for the other.
  const itText = (title: string, test: jest.ProvidesCallback): void => {
    if (byText) it(title, test);
  };
  const itQueryBy = (searchesBy: 'vector' | 'text', title: string, test: jest.ProvidesCallback): void => {
    if ((options.searchesBy ?? 'vector') === searchesBy) itQuery(title, test);
  };
  describe(`VectorStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: VectorStore;
    let dims: number;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
      dims = subject.dimensions;
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    it('round-trips every field of a chunk through upsert and getChunks', async () => {
      const full = makeChunk(dims, { id: 'full', index: 2, title: 'Guide', location: { start: 10, end: 20, page: 3, section: 'A > B' } });
      const bare = makeChunk(dims, { id: 'bare', index: 3, title: undefined, location: { start: 0, end: 5 } });

      await store.upsert([full, bare]);
      const found = await store.getChunks('tenant-a', ['full', 'bare', 'missing']);

      const byId = new Map(found.map((chunk) => [chunk.id, chunk]));
      expect(found).toHaveLength(2);
      expect(byId.get('full')).toEqual(withoutVector(full));
      expect(byId.get('bare')).toEqual(withoutVector(bare));
    });

    it('is idempotent: the same id upserted twice is one row holding the latest content', async () => {
      const first = makeChunk(dims, { id: 'same', text: 'first version' });

      await store.upsert([first]);
      await store.upsert([{ ...first, text: 'second version' }]);

      expect(await store.count('tenant-a')).toBe(1);
      const [stored] = await store.getChunks('tenant-a', ['same']);
      expect(stored?.text).toBe('second version');
    });

    itQuery('only returns the querying tenant’s chunks, even for identical texts and vectors', async () => {
      const shared = { text: 'quarterly revenue report', vector: oneHot(dims, 1), documentId: 'doc-x' };
      await store.upsert([makeChunk(dims, { ...shared, id: 'a-1', tenant: 'tenant-a' }), makeChunk(dims, { ...shared, id: 'b-1', tenant: 'tenant-b' })]);

      const forA = await store.query({ tenant: 'tenant-a', vector: oneHot(dims, 1), text: 'quarterly revenue', topK: 10 });
      const forB = await store.query({ tenant: 'tenant-b', vector: oneHot(dims, 1), text: 'quarterly revenue', topK: 10 });

      expect(forA.map((hit) => hit.chunk.id)).toEqual(['a-1']);
      expect(forB.map((hit) => hit.chunk.id)).toEqual(['b-1']);
      expect(await store.getChunks('tenant-b', ['a-1'])).toEqual([]);
    });

    it('getChunks only returns the asking tenant’s chunks, even for identical texts and vectors', async () => {
      const shared = { text: 'quarterly revenue report', vector: oneHot(dims, 1), documentId: 'doc-x' };
      await store.upsert([makeChunk(dims, { ...shared, id: 'a-1', tenant: 'tenant-a' }), makeChunk(dims, { ...shared, id: 'b-1', tenant: 'tenant-b' })]);

      const forA = await store.getChunks('tenant-a', ['a-1', 'b-1']);
      const forB = await store.getChunks('tenant-b', ['a-1', 'b-1']);

      expect(forA.map((chunk) => chunk.id)).toEqual(['a-1']);
      expect(forB.map((chunk) => chunk.id)).toEqual(['b-1']);
    });

    itQuery('applies documentIds, keyPrefix and contentTypes filters', async () => {
      await store.upsert([
        makeChunk(dims, { id: 'p1', documentId: 'd1', key: 'tenant-a/policies/leave.md', contentType: 'text/markdown' }),
        makeChunk(dims, { id: 'p2', documentId: 'd2', key: 'tenant-a/policies/travel.pdf', contentType: 'application/pdf' }),
        makeChunk(dims, { id: 'g1', documentId: 'd3', key: 'tenant-a/guides/setup.md', contentType: 'text/markdown' }),
      ]);
      const ids = async (filter: Parameters<VectorStore['query']>[0]['filter']): Promise<string[]> =>
        (await store.query({ tenant: 'tenant-a', vector: oneHot(dims, 0), ...(byText ? { text: 'chunk' } : {}), topK: 10, filter }))
          .map((hit) => hit.chunk.id)
          .sort();

      expect(await ids({ documentIds: ['d1', 'd3'] })).toEqual(['g1', 'p1']);
      expect(await ids({ keyPrefix: 'tenant-a/policies/' })).toEqual(['p1', 'p2']);
      expect(await ids({ contentTypes: ['application/pdf'] })).toEqual(['p2']);
      expect(await ids({ keyPrefix: 'tenant-a/policies/', contentTypes: ['text/markdown'] })).toEqual(['p1']);
    });

    it('deletes every chunk of a document, or keeps / only removes one fingerprint', async () => {
      const chunk = (id: string, documentId: string, fingerprint: string): IndexedChunk => makeChunk(dims, { id, documentId, fingerprint });
      await store.upsert([chunk('o1', 'doc', 'old'), chunk('o2', 'doc', 'old'), chunk('n1', 'doc', 'new'), chunk('x1', 'other', 'old')]);

      await store.deleteDocument('tenant-a', 'doc', { keepFingerprint: 'new' });
      expect(await store.countDocument('tenant-a', 'doc')).toBe(1);
      expect(await store.countDocument('tenant-a', 'doc', 'new')).toBe(1);

      await store.upsert([chunk('o3', 'doc', 'old')]);
      await store.deleteDocument('tenant-a', 'doc', { onlyFingerprint: 'old' });
      expect((await store.getChunks('tenant-a', ['n1', 'o3'])).map((c) => c.id)).toEqual(['n1']);

      await store.deleteDocument('tenant-a', 'doc');
      expect(await store.countDocument('tenant-a', 'doc')).toBe(0);
      expect(await store.countDocument('tenant-a', 'other')).toBe(1);
    });

    it('deletes chunks by id within the tenant only, ignoring missing ids', async () => {
      await store.upsert([
        makeChunk(dims, { id: 'k1', documentId: 'doc' }),
        makeChunk(dims, { id: 'k2', documentId: 'doc' }),
        makeChunk(dims, { id: 'k3', documentId: 'doc' }),
        makeChunk(dims, { id: 'b1', documentId: 'doc', tenant: 'tenant-b' }),
      ]);

      await store.deleteChunks('tenant-a', ['k1', 'k3', 'missing', 'b1']);

      expect((await store.getChunks('tenant-a', ['k1', 'k2', 'k3'])).map((c) => c.id)).toEqual(['k2']);
      expect((await store.getChunks('tenant-b', ['b1'])).map((c) => c.id)).toEqual(['b1']);
    });

    it('counts per document (optionally per fingerprint), per tenant and in total', async () => {
      await store.upsert([
        makeChunk(dims, { id: 'a1', documentId: 'd1', fingerprint: 'f1' }),
        makeChunk(dims, { id: 'a2', documentId: 'd1', fingerprint: 'f2' }),
        makeChunk(dims, { id: 'b1', documentId: 'd1', tenant: 'tenant-b', fingerprint: 'f1' }),
      ]);

      expect(await store.countDocument('tenant-a', 'd1')).toBe(2);
      expect(await store.countDocument('tenant-a', 'd1', 'f1')).toBe(1);
      expect(await store.countDocument('tenant-a', 'missing')).toBe(0);
      expect(await store.count('tenant-a')).toBe(2);
      expect(await store.count('tenant-b')).toBe(1);
      expect(await store.count()).toBe(3);
    });

    itText('takes chunks without vectors and says it embeds text itself', async () => {
      await store.upsert([makeChunk(dims, { id: 'no-vector', vector: [] })]);

      expect(store.embedsText).toBe(true);
      expect((await store.getChunks('tenant-a', ['no-vector'])).map((c) => c.id)).toEqual(['no-vector']);
    });

    itQueryBy('text', 'respects topK and ranks the closest text first', async () => {
      const texts = ['apples and pears', 'copper wire gauge', 'river delta silt', 'orbit telescope mirror lens', 'orbit telescope'];
      await store.upsert(texts.map((text, position) => makeChunk(dims, { id: `t${position}`, index: position, text, vector: [] })));

      const hits = await store.query({ tenant: 'tenant-a', vector: [], text: 'orbit telescope mirror lens', topK: 2 });

      expect(hits.map((hit) => hit.chunk.id)).toEqual(['t3', 't4']);
      expect(hits[0]?.score ?? 0).toBeGreaterThanOrEqual(hits[1]?.score ?? 0);
    });

    itQueryBy('vector', 'respects topK and ranks the nearest vector first', async () => {
      await store.upsert([0, 1, 2, 3, 4].map((position) => makeChunk(dims, { id: `v${position}`, index: position, vector: oneHot(dims, position) })));

      const hits = await store.query({ tenant: 'tenant-a', vector: nearOneHot(dims, 3, 4), topK: 2 });

      expect(hits).toHaveLength(2);
      expect(hits[0]?.chunk.id).toBe('v3');
      expect(hits[1]?.chunk.id).toBe('v4');
      expect(hits[0]?.score ?? 0).toBeGreaterThanOrEqual(hits[1]?.score ?? 0);
    });
  });
}
