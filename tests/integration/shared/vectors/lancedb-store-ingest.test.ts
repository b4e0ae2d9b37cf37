import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from '@lancedb/lancedb';
import { LanceDbVectorStore } from '../../../../shared/vectors/lancedb-store';
import { makeChunk } from '../../../contract/fixtures';
import { inspectChunksTable } from './lancedb-table';

/**
 * The write side of the LanceDB store under many small documents: group commit, ordering against deletes,
 * bounded fragments and versions, and the id index that keeps lookups and merge-inserts off a full scan.
 */
const DIMENSIONS = 16;
const QUIET = { optimizeEveryRows: 100_000, optimizeEveryWrites: 100_000 };

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lancedb-ingest-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The table as another reader sees it. */
const inspect = <T>(read: (table: Table) => Promise<T>): Promise<T> => inspectChunksTable(directory, read);

const chunk = (id: string, text = `text of ${id}`) => makeChunk(DIMENSIONS, { id, documentId: `doc-${id}`, text });

describe('LanceDbVectorStore writes', () => {
  it('commits concurrent upserts together, and each caller resolves with its rows stored', async () => {
    const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, ...QUIET });
    await store.upsert([chunk('first')]);
    const before = await inspect((table) => table.version());

    await Promise.all(Array.from({ length: 8 }, (_, i) => store.upsert([chunk(`c${i}`)])));
    const after = await inspect((table) => table.version());
    const count = await store.count('tenant-a');
    await store.close();

    // One commit per upsert would add 8 versions.
    expect(after - before).toBeLessThanOrEqual(2);
    expect(count).toBe(9);
  });

  it('keeps the order of an upsert made after a delete of the same id', async () => {
    const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, ...QUIET });
    await store.upsert([chunk('x', 'old text')]);

    // Same tick: the second upsert must not join the first one's commit, which runs before the delete.
    await Promise.all([store.upsert([chunk('other')]), store.deleteChunks('tenant-a', ['x']), store.upsert([chunk('x', 'new text')])]);
    const kept = await store.getChunks('tenant-a', ['x']);
    await store.close();

    expect(kept.map((stored) => stored.text)).toEqual(['new text']);
  });

  it('rejects one caller’s bad chunk without failing the others sharing the commit', async () => {
    const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, ...QUIET });

    const [good, bad] = await Promise.allSettled([store.upsert([chunk('good')]), store.upsert([makeChunk(3, { id: 'short' })])]);
    const count = await store.count('tenant-a');
    await store.close();

    expect(good.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    expect(count).toBe(1);
  });

  it('bounds the fragments of many small commits by optimising every N writes', async () => {
    const compacting = await LanceDbVectorStore.open({
      directory,
      dimensions: DIMENSIONS,
      optimizeEveryRows: 100_000,
      optimizeEveryWrites: 5,
      retainVersionsMs: 0,
    });
    for (let i = 0; i < 21; i += 1) await compacting.upsert([chunk(`a${i}`)]);
    await compacting.close();
    const compacted = await inspect(async (table) => ({
      fragments: (await table.stats()).fragmentStats.numFragments,
      versions: (await table.listVersions()).length,
    }));

    await rm(directory, { recursive: true, force: true });
    const plain = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, ...QUIET });
    for (let i = 0; i < 21; i += 1) await plain.upsert([chunk(`a${i}`)]);
    await plain.close();
    const uncompacted = await inspect(async (table) => ({
      fragments: (await table.stats()).fragmentStats.numFragments,
      versions: (await table.listVersions()).length,
    }));

    expect(uncompacted.fragments).toBeGreaterThanOrEqual(20);
    expect(compacted.fragments).toBeLessThanOrEqual(6);
    // Superseded versions are dropped at each optimisation when the retention is 0.
    expect(compacted.versions).toBeLessThan(uncompacted.versions / 2);
  });

  it('counts deletes as commits towards the next optimisation, so their versions are dropped too', async () => {
    const versionsAfterDeletes = async (options: { optimizeEveryWrites: number; retainVersionsMs: number }): Promise<number> => {
      const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, optimizeEveryRows: 100_000, ...options });
      await store.upsert(Array.from({ length: 20 }, (_, i) => chunk(`d${i}`)));
      for (let i = 0; i < 20; i += 1) await store.deleteChunks('tenant-a', [`d${i}`]);
      await store.close();
      const versions = await inspect(async (table) => (await table.listVersions()).length);
      await rm(directory, { recursive: true, force: true });
      return versions;
    };

    const counted = await versionsAfterDeletes({ optimizeEveryWrites: 5, retainVersionsMs: 0 });
    const never = await versionsAfterDeletes({ optimizeEveryWrites: 100_000, retainVersionsMs: 0 });

    expect(never).toBeGreaterThanOrEqual(20);
    expect(counted).toBeLessThan(10);
  });

  it('indexes chunk ids (merge-inserts, lookups by id) and tenants (every query prefilters on it) on the first write', async () => {
    const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, ...QUIET });
    await store.upsert([chunk('one')]);
    await store.close();

    const indices = await inspect((table) => table.listIndices());

    expect(indices.map((index) => index.name)).toContain('id_idx');
    expect(indices.find((index) => index.name === 'id_idx')?.columns).toEqual(['id']);
    expect(indices.find((index) => index.name === 'tenant_idx')).toMatchObject({ columns: ['tenant'], indexType: 'Bitmap' });
  });

  it('rejects invalid optimisation options', async () => {
    await expect(LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, optimizeEveryWrites: 0 })).rejects.toThrow(RangeError);
    await expect(LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, retainVersionsMs: -1 })).rejects.toThrow(RangeError);
  });
});
