import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Table } from '@lancedb/lancedb';
import { LanceDbVectorStore, cleanupCutoff, optimisationDue } from '../../../../shared/vectors/lancedb-store';
import { makeChunk } from '../../../contract/fixtures';
import { inspectChunksTable } from './lancedb-table';

/**
 * Disk upkeep of the LanceDB store under many small commits: when it optimises (a budget that grows with the
 * table, so rewriting stays a constant per row), which old versions a cleanup may drop (none a reader can still
 * be on), and that superseded versions and their files are gone from disk once cleaned up.
 */
const DIMENSIONS = 16;
const POLICY = { everyRows: 10_000, everyWrites: 5, growth: 0.25 };

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lancedb-maintenance-'));
});

afterEach(async () => {
  jest.useRealTimers();
  await rm(directory, { recursive: true, force: true });
});

const inspect = <T>(read: (table: Table) => Promise<T>): Promise<T> => inspectChunksTable(directory, read);

/** Files of the table's `folder` whose names end with `suffix`. */
async function filesIn(folder: string, suffix: string): Promise<number> {
  return (await readdir(join(directory, 'chunks.lance', folder)).catch(() => [])).filter((name) => name.endsWith(suffix)).length;
}

const chunk = (id: string) => makeChunk(DIMENSIONS, { id, documentId: `doc-${id}`, text: `note ${id} on wing flutter` });

/** `commits` single-chunk upserts, one after the other (each its own commit). */
async function writeOneByOne(store: LanceDbVectorStore, commits: number, prefix = 'c'): Promise<void> {
  for (let i = 0; i < commits; i += 1) await store.upsert([chunk(`${prefix}${i}`)]);
}

const at = (version: number, seconds: number) => ({ version, timestamp: new Date(seconds * 1000) });

describe('optimisationDue', () => {
  it('waits for both the commit floor and the table-relative rows, so a large table is rewritten rarely', () => {
    expect(optimisationDue({ rows: 5, writes: 5, tableRows: 20 }, POLICY)).toBe(true);
    // 5 commits, but 5 rows are under a quarter of 1,000.
    expect(optimisationDue({ rows: 5, writes: 5, tableRows: 1_000 }, POLICY)).toBe(false);
    expect(optimisationDue({ rows: 250, writes: 5, tableRows: 1_000 }, POLICY)).toBe(true);
    // Enough rows, too few commits: the fragments are still few.
    expect(optimisationDue({ rows: 250, writes: 4, tableRows: 1_000 }, POLICY)).toBe(false);
  });

  it('folds a bulk of rows at once, and forces an optimisation when commits pile up whatever their rows', () => {
    expect(optimisationDue({ rows: 10_000, writes: 1, tableRows: 0 }, POLICY)).toBe(true);
    // The bulk threshold grows with the table too.
    expect(optimisationDue({ rows: 10_000, writes: 1, tableRows: 100_000 }, POLICY)).toBe(false);
    expect(optimisationDue({ rows: 99, writes: 99, tableRows: 1_000 }, POLICY)).toBe(false);
    expect(optimisationDue({ rows: 100, writes: 100, tableRows: 1_000_000 }, POLICY)).toBe(true);
  });
});

describe('cleanupCutoff', () => {
  const now = 1_000;

  it('keeps the version that was latest when the retention began, and every later one', () => {
    // Version 2 (t=900) was the latest 60 s ago (t=940): a read could have begun on it then; 1 was superseded at 900.
    const cut = cleanupCutoff([at(1, 800), at(2, 900), at(3, 950), at(4, 990)], now * 1000, 60_000, 0);

    expect(cut.getTime()).toBeLessThan(900_000);
    expect(cut.getTime()).toBeGreaterThan(800_000);
  });

  it('protects a version that stayed latest through an idle period from the write that supersedes it', () => {
    // Version 1 was written an hour ago and was the latest until version 2 a second ago.
    const cut = cleanupCutoff([at(1, now - 3600), at(2, now - 1)], now * 1000, 30_000, 0);

    expect(cut.getTime()).toBeLessThan((now - 3600) * 1000);
  });

  it('moves the cut earlier by the time the same call may spend committing its compaction first', () => {
    const versions = [at(1, 800), at(2, 900), at(3, 990)];

    const quick = cleanupCutoff(versions, now * 1000, 60_000, 0);
    const slow = cleanupCutoff(versions, now * 1000, 60_000, 20_000);

    expect(quick.getTime() - slow.getTime()).toBe(20_000);
    expect(slow.getTime()).toBeLessThan(900_000);
  });

  it('drops every superseded version when the latest is older than the retention and nothing commits first', () => {
    const versions = [at(3, 990), at(1, 800), at(2, 900)];

    expect(cleanupCutoff(versions, (now + 60) * 1000, 30_000, 0).getTime()).toBe((now + 60) * 1000);
    // A compaction first would supersede the latest: it stays.
    expect(cleanupCutoff(versions, (now + 60) * 1000, 30_000, 5_000).getTime()).toBeLessThan(990_000);
  });

  it('drops nothing while every version is younger than the retention, and everything but the latest at 0', () => {
    const versions = [at(1, 990), at(2, 995)];

    expect(cleanupCutoff(versions, now * 1000, 30_000, 0).getTime()).toBeLessThan(990_000);
    expect(cleanupCutoff(versions, now * 1000, 0, 0).getTime()).toBe(now * 1000);
  });
});

describe('LanceDbVectorStore disk upkeep', () => {
  it('optimises a growing table a logarithmic number of times, not once per N commits', async () => {
    const extraVersions = async (optimizeGrowth: number): Promise<number> => {
      const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, optimizeEveryWrites: 4, optimizeGrowth, retainVersionsMs: 0 });
      await writeOneByOne(store, 120);
      await store.close();
      // Each commit is one version; whatever is beyond them was made by optimisations (compaction, index).
      const latest = await inspect((table) => table.version());
      await rm(directory, { recursive: true, force: true });
      return latest - 120;
    };

    const everyFourCommits = await extraVersions(0);
    const growing = await extraVersions(0.25);

    // 30 optimisations against 12 (at 4, 8, 12, 16, 20, 25, 32, 40, 50, 63, 79 and 99 rows).
    expect(growing).toBeLessThan(everyFourCommits / 2);
    // 240 commits: ~10 s on a quiet machine, 40 s on the shared 2-core box under load.
  }, 120_000);

  it('keeps fragments and versions on disk bounded through many small commits, and leaves no old files', async () => {
    const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, optimizeEveryWrites: 5, optimizeGrowth: 0.25, retainVersionsMs: 0 });
    await writeOneByOne(store, 100);
    await store.close();

    const { fragments, versions, rows } = await inspect(async (table) => ({
      fragments: (await table.stats()).fragmentStats.numFragments,
      versions: (await table.listVersions()).length,
      rows: await table.countRows(),
    }));

    expect(rows).toBe(100);
    // At most the commits since the last optimisation (a quarter of the table: < 25 at 100 rows) and its two.
    expect(fragments).toBeLessThanOrEqual(27);
    expect(versions).toBeLessThanOrEqual(27);
    // One data file per live fragment: every rewritten fragment's file was deleted with its version.
    expect(await filesIn('data', '.lance')).toBe(fragments);
    expect(await filesIn('_versions', '.manifest')).toBe(versions);
  });

  it('indexes and merges what the budget left once writes pause, then drops the superseded versions once aged', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'performance', 'hrtime'] });
    const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, optimizeEveryWrites: 50, retainVersionsMs: 50 });
    await writeOneByOne(store, 12);
    const beforePause = await inspect(async (table) => ({
      fragments: (await table.stats()).fragmentStats.numFragments,
      unindexed: (await table.indexStats('search_text_idx'))?.numUnindexedRows,
    }));

    // The pause: the idle optimisation runs.
    jest.advanceTimersByTime(2_000);
    await store.settled();
    const afterPause = await inspect(async (table) => ({
      fragments: (await table.stats()).fragmentStats.numFragments,
      unindexed: (await table.indexStats('search_text_idx'))?.numUnindexedRows,
      versions: (await table.listVersions()).length,
    }));

    // Let the superseded versions age past the 50 ms retention (real time: LanceDB stamps versions with it).
    await sleep(200);
    jest.advanceTimersByTime(60_000);
    await store.settled();
    await store.close();
    const afterCleanup = await inspect(async (table) => ({ versions: (await table.listVersions()).length, rows: await table.countRows() }));

    expect(beforePause.fragments).toBeGreaterThanOrEqual(11);
    expect(beforePause.unindexed).toBeGreaterThan(0);
    expect(afterPause).toMatchObject({ fragments: 1, unindexed: 0 });
    // The 50 ms retention keeps what the pause superseded until the cleanup.
    expect(afterPause.versions).toBeGreaterThan(1);
    expect(afterCleanup).toEqual({ versions: 1, rows: 12 });
    expect(await filesIn('data', '.lance')).toBe(1);
  });

  it('lets concurrent queries that find unindexed rows share one optimisation', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'performance', 'hrtime'] });
    const versionsAfterQueries = async (queries: number): Promise<number> => {
      const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, optimizeEveryWrites: 50, retainVersionsMs: 0 });
      await writeOneByOne(store, 6);
      const question = { tenant: 'tenant-a', vector: new Array<number>(DIMENSIONS).fill(0.1), text: 'wing flutter', topK: 3 };
      await Promise.all(Array.from({ length: queries }, () => store.query(question)));
      await store.close();
      const latest = await inspect((table) => table.version());
      await rm(directory, { recursive: true, force: true });
      return latest;
    };

    const one = await versionsAfterQueries(1);
    const five = await versionsAfterQueries(5);

    // Each queued optimisation beyond the first would merge the fragment the first one wrote: more versions.
    expect(five).toBe(one);
  });

  it('holds LanceDB’s caches in its own session, bounded by the configured bytes', async () => {
    const cachedAfterWork = async (cacheBytes?: { index: number; metadata: number }): Promise<number> => {
      const store = await LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, ...(cacheBytes ? { cacheBytes } : {}) });
      for (let batch = 0; batch < 20; batch += 1) {
        await store.upsert(Array.from({ length: 100 }, (_, i) => chunk(`b${batch}-${i}`)));
      }
      for (let i = 0; i < 20; i += 1) {
        await store.query({ tenant: 'tenant-a', vector: new Array<number>(DIMENSIONS).fill(0.1), text: `note b${i}-${i} flutter`, topK: 5 });
      }
      const cached = store.cacheSizeBytes();
      await store.close();
      await rm(directory, { recursive: true, force: true });
      return cached;
    };
    const limit = 128 * 1024;

    const bounded = await cachedAfterWork({ index: limit, metadata: limit });
    const roomy = await cachedAfterWork();

    // A session LanceDB did not use would hold nothing (connect() drops one passed as its third argument).
    expect(bounded).toBeGreaterThan(50_000);
    // LanceDB's caches keep to their capacity approximately (measured 0.35-0.6 MB at 2 x 256 KiB).
    expect(bounded).toBeLessThanOrEqual(4 * limit);
    expect(roomy).toBeGreaterThan(2 * bounded);
  });

  it('rejects an invalid growth', async () => {
    await expect(LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, optimizeGrowth: -0.1 })).rejects.toThrow(RangeError);
    await expect(LanceDbVectorStore.open({ directory, dimensions: DIMENSIONS, optimizeGrowth: Number.NaN })).rejects.toThrow(RangeError);
  });
});
