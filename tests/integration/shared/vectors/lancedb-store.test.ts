import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexedChunk } from '../../../../shared/documents/chunk';
import { LocalEmbedder } from '../../../../shared/embeddings/local-embedder';
import { LanceDbVectorStore, buildPredicate, sqlLikePrefix, sqlString, textQuery } from '../../../../shared/vectors/lancedb-store';
import { describeVectorStoreContract } from '../../../contract/vector-store.contract';
import { makeChunk, nearOneHot, oneHot } from '../../../contract/fixtures';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lancedb-store-'));
}

describeVectorStoreContract('LanceDbVectorStore', async () => {
  const directory = await tempDir();
  const store = await LanceDbVectorStore.open({ directory, dimensions: 8 });
  return {
    store,
    dimensions: 8,
    cleanup: async () => {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

describe('SQL literals', () => {
  it('doubles single quotes and escapes LIKE wildcards', () => {
    expect(sqlString("o'brien")).toBe("'o''brien'");
    expect(sqlLikePrefix("a_b%'c")).toBe("'a\\_b\\%''c%' ESCAPE '\\'");
  });

  it('always puts the tenant first in the predicate', () => {
    expect(buildPredicate("t'1", { documentIds: [], contentTypes: ['text/plain'] })).toBe("(tenant = 't''1') AND (FALSE) AND (content_type IN ('text/plain'))");
  });

  it('strips question words from the text query, unless nothing else is left', () => {
    expect(textQuery('What is the drag of a cone?')).toBe('drag cone');
    expect(textQuery('what is it')).toBe('what is it');
  });
});

describe('LanceDbVectorStore', () => {
  let directory: string;
  let store: LanceDbVectorStore;
  const embedder = new LocalEmbedder({ dimensions: 64 });
  const embedOne = async (text: string): Promise<number[]> => (await embedder.embed([text], 'document')).vectors[0] as number[];

  beforeEach(async () => {
    directory = await tempDir();
    store = await LanceDbVectorStore.open({ directory, dimensions: 64 });
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('finds a just-upserted chunk by text and by vector, also after the text index exists', async () => {
    await store.upsert([makeChunk(64, { id: 'first', text: 'Rotating the API keys every ninety days.', vector: await embedOne('rotating api keys') })]);
    const text = 'Flutter of supersonic panels at high dynamic pressure.';
    const vector = await embedOne(text);

    await store.upsert([makeChunk(64, { id: 'second', text, vector, title: undefined })]);
    const byText = await store.query({ tenant: 'tenant-a', vector: oneHot(64, 5), text: 'panel flutter', topK: 1 });
    const byVector = await store.query({ tenant: 'tenant-a', vector, topK: 1 });

    expect(byText[0]?.chunk.id).toBe('second');
    expect(byVector[0]?.chunk.id).toBe('second');
  });

  it('handles tenants, keys and filters containing quotes and LIKE wildcards', async () => {
    const tenant = "o'brien";
    await store.upsert([
      makeChunk(64, { id: 'q1', tenant, key: "o'brien/it's_100%/a.md", text: 'quoted key' }),
      makeChunk(64, { id: 'q2', tenant, key: "o'brien/itXs_100%/b.md", text: 'quoted key' }),
    ]);

    const hits = await store.query({ tenant, vector: oneHot(64, 0), text: "it's quoted", topK: 10, filter: { keyPrefix: "o'brien/it's_100%/" } });

    expect(hits.map((hit) => hit.chunk.id)).toEqual(['q1']);
    expect(await store.count(tenant)).toBe(2);
    expect(await store.count('o')).toBe(0);
  });

  it.each(['score', 'rrf'] as const)('fuses text and vector rankings (%s): a chunk matching both outranks chunks matching one', async (fusion) => {
    const question = 'boundary layer transition on cones';
    const fused = await LanceDbVectorStore.open({ directory, dimensions: 64, hybrid: { fusion, vectorWeight: 0.25 } });
    await fused.upsert([
      makeChunk(64, { id: 'both', text: 'Boundary layer transition measured on cones.', vector: oneHot(64, 1) }),
      makeChunk(64, { id: 'text-only', text: 'Transition of the boundary layer on flat plates.', vector: oneHot(64, 2) }),
      makeChunk(64, { id: 'vector-only', text: 'Lunch menu.', vector: oneHot(64, 3) }),
    ]);
    const vector = new Array<number>(64).fill(0);
    vector[1] = 0.8;
    vector[3] = 0.6;

    const hits = await fused.query({ tenant: 'tenant-a', vector, text: question, topK: 3 });
    await fused.close();

    expect(hits[0]?.chunk.id).toBe('both');
    expect(hits[0]?.score).toBeCloseTo(1, 6);
    expect(hits.map((hit) => hit.chunk.id).sort()).toEqual(['both', 'text-only', 'vector-only']);
    expect(hits.every((hit) => hit.score >= 0 && hit.score <= 1)).toBe(true);
  });

  it('by default (lexical embedder) ranks by text alone when the text search has matches, and by vector when it has none', async () => {
    await store.upsert([
      // No shared title or section, which RM3 would otherwise expand into.
      makeChunk(64, {
        id: 'text-match',
        text: 'Boundary layer transition measured on cones.',
        title: undefined,
        location: { start: 0, end: 44 },
        vector: oneHot(64, 2),
      }),
      makeChunk(64, { id: 'vector-match', text: 'Lunch menu.', title: undefined, location: { start: 0, end: 11 }, vector: oneHot(64, 1) }),
    ]);

    const withText = await store.query({ tenant: 'tenant-a', vector: oneHot(64, 1), text: 'boundary layer transition', topK: 2 });
    const noText = await store.query({ tenant: 'tenant-a', vector: oneHot(64, 1), text: '', topK: 1 });
    const noWordMatches = await store.query({ tenant: 'tenant-a', vector: oneHot(64, 1), text: 'quasar', topK: 1 });

    expect(withText.map((hit) => hit.chunk.id)).toEqual(['text-match']);
    expect(noText.map((hit) => hit.chunk.id)).toEqual(['vector-match']);
    expect(noWordMatches.map((hit) => hit.chunk.id)).toEqual(['vector-match']);
  });

  it('expands the text query from its top hits (RM3): finds a relevant chunk that lacks the question word', async () => {
    // No shared title or section: every chunk's indexed text is its own.
    const chunk = (id: string, text: string): IndexedChunk => makeChunk(64, { id, text, title: undefined, location: { start: 0, end: text.length } });
    const chunks = [
      chunk('a', 'Panel flutter at supersonic speed: aeroelastic oscillation of thin panels.'),
      chunk('b', 'Flutter of skin panels, an aeroelastic oscillation seen in supersonic wind tunnels.'),
      chunk('c', 'Aeroelastic oscillation of thin panels in supersonic wind tunnel tests.'),
      chunk('d', 'Heat transfer to a blunt body in hypersonic flow.'),
    ];
    const textOnly = (feedback: false | undefined) =>
      LanceDbVectorStore.open({ directory, dimensions: 64, hybrid: { vectorWeight: 0, ...(feedback === false ? { feedback } : {}) } });
    const plain = await textOnly(false);
    const expanded = await textOnly(undefined);
    await plain.upsert(chunks);

    const plainIds = (await plain.query({ tenant: 'tenant-a', vector: oneHot(64, 0), text: 'flutter', topK: 10 })).map((hit) => hit.chunk.id);
    const expandedIds = (await expanded.query({ tenant: 'tenant-a', vector: oneHot(64, 0), text: 'flutter', topK: 10 })).map((hit) => hit.chunk.id);
    await plain.close();
    await expanded.close();

    expect(plainIds.sort()).toEqual(['a', 'b']);
    expect(expandedIds.sort()).toEqual(['a', 'b', 'c']);
  });

  it('picks RM3 feedback documents that tie on score by id, whatever order they were written in', async () => {
    const chunk = (id: string, tenant: string, text: string): IndexedChunk =>
      makeChunk(64, { id: `${tenant}-${id}`, tenant, text, title: undefined, location: { start: 0, end: text.length } });
    const tied = (tenant: string): IndexedChunk[] => [chunk('a', tenant, 'flutter alpha'), chunk('b', tenant, 'flutter bravo')];
    const others = (tenant: string): IndexedChunk[] => [chunk('x', tenant, 'alpha again'), chunk('y', tenant, 'bravo again')];
    const oneDocument = await LanceDbVectorStore.open({
      directory,
      dimensions: 64,
      hybrid: { vectorWeight: 0, feedback: { documents: 1, terms: 2, originalWeight: 0.5 } },
    });
    await oneDocument.upsert([...tied('forward'), ...others('forward')]);
    await oneDocument.upsert([...[...tied('backward')].reverse(), ...others('backward')]);

    const idsFor = async (tenant: string): Promise<string[]> =>
      (await oneDocument.query({ tenant, vector: oneHot(64, 0), text: 'flutter', topK: 10 })).map((hit) => hit.chunk.id).sort();
    const forward = await idsFor('forward');
    const backward = await idsFor('backward');
    await oneDocument.close();

    // 'a' < 'b': the feedback document is 'flutter alpha', so the expansion reaches 'alpha again', not 'bravo again'.
    expect(forward).toEqual(['forward-a', 'forward-b', 'forward-x']);
    expect(backward).toEqual(['backward-a', 'backward-b', 'backward-x']);
  });

  it('uses a text index created by another instance after this one opened the empty table', async () => {
    const reader = await LanceDbVectorStore.open({ directory, dimensions: 64, hybrid: { vectorWeight: 0 } });
    await store.upsert([
      makeChunk(64, { id: 'match', text: 'Nozzle exit pressure.', title: undefined, location: { start: 0, end: 21 }, vector: oneHot(64, 1) }),
      makeChunk(64, { id: 'other', text: 'Cafeteria opening hours.', title: undefined, location: { start: 0, end: 24 }, vector: oneHot(64, 0) }),
    ]);

    const hits = await reader.query({ tenant: 'tenant-a', vector: oneHot(64, 0), text: 'nozzle pressure', topK: 5 });
    await reader.close();

    expect(hits.map((hit) => hit.chunk.id)).toEqual(['match']);
  });

  it('rejects invalid hybrid and maintenance options', async () => {
    await expect(LanceDbVectorStore.open({ directory, dimensions: 64, hybrid: { vectorWeight: 0, textWeight: 0 } })).rejects.toThrow(RangeError);
    await expect(LanceDbVectorStore.open({ directory, dimensions: 64, hybrid: { fusion: 'max' as 'rrf' } })).rejects.toThrow(RangeError);
    await expect(
      LanceDbVectorStore.open({ directory, dimensions: 64, hybrid: { feedback: { documents: 0, terms: 10, originalWeight: 0.5 } } }),
    ).rejects.toThrow(RangeError);
    await expect(LanceDbVectorStore.open({ directory, dimensions: 64, optimizeEveryRows: 0 })).rejects.toThrow(RangeError);
  });

  it('keeps bulk upserts and unoptimised rows searchable between index refreshes', async () => {
    const bulk = await LanceDbVectorStore.open({ directory, dimensions: 64, optimizeEveryRows: 50 });
    const many = Array.from({ length: 120 }, (_, index) =>
      makeChunk(64, { id: `bulk-${index}`, documentId: `doc-${index}`, text: `report number ${index} on topic t${index}` }),
    );

    await bulk.upsert(many.slice(0, 1));
    await bulk.upsert(many.slice(1, 100));
    for (const chunk of many.slice(100)) await bulk.upsert([chunk]);
    const found = await bulk.query({ tenant: 'tenant-a', vector: oneHot(64, 0), text: 't119', topK: 1 });
    const early = await bulk.query({ tenant: 'tenant-a', vector: oneHot(64, 0), text: 't42', topK: 1 });
    const count = await bulk.count('tenant-a');
    await bulk.close();

    expect(count).toBe(120);
    expect(found[0]?.chunk.id).toBe('bulk-119');
    expect(early[0]?.chunk.id).toBe('bulk-42');
  });

  it('serialises concurrent upserts so none is lost', async () => {
    const batches = [0, 1, 2, 3, 4, 5, 6, 7].map((batch) =>
      [0, 1, 2].map((index) => makeChunk(64, { id: `c${batch}-${index}`, documentId: `d${batch}`, index, text: `batch ${batch} chunk ${index}` })),
    );

    await Promise.all(batches.map((chunks) => store.upsert(chunks)));

    expect(await store.count('tenant-a')).toBe(24);
    expect(await store.countDocument('tenant-a', 'd5')).toBe(3);
  });

  it('reopens an existing table and sees its rows; rejects a table of another dimension', async () => {
    await store.upsert([makeChunk(64, { id: 'kept' })]);

    const reopened = await LanceDbVectorStore.open({ directory, dimensions: 64 });
    const count = await reopened.count();
    await reopened.close();

    expect(count).toBe(1);
    await expect(LanceDbVectorStore.open({ directory, dimensions: 32 })).rejects.toThrow(RangeError);
  });

  it('scores a vector-only query by cosine similarity', async () => {
    await store.upsert([makeChunk(64, { id: 'along', vector: oneHot(64, 1) }), makeChunk(64, { id: 'across', vector: oneHot(64, 7) })]);

    // No text: the vector search alone answers, and its score is the cosine similarity (0.9 and 0 by construction).
    const hits = await store.query({ tenant: 'tenant-a', vector: nearOneHot(64, 1, 2), topK: 2 });

    expect(hits.map((hit) => hit.chunk.id)).toEqual(['along', 'across']);
    expect(hits[0]?.score).toBeCloseTo(0.9, 5);
    expect(hits[1]?.score).toBeCloseTo(0, 5);
  });

  it('returns chunks by id in the caller’s order, once each, leaving out missing ids', async () => {
    await store.upsert(['a', 'b', 'c'].map((id, index) => makeChunk(64, { id, index })));

    const chunks = await store.getChunks('tenant-a', ['c', 'missing', 'a', 'c', 'b']);

    expect(chunks.map((chunk) => chunk.id)).toEqual(['c', 'a', 'b']);
  });

  it('rejects vectors of the wrong size', async () => {
    await expect(store.upsert([makeChunk(8, { id: 'short' })])).rejects.toThrow(RangeError);
    await expect(store.query({ tenant: 'tenant-a', vector: [1, 0], topK: 1 })).rejects.toThrow(RangeError);
  });
});
