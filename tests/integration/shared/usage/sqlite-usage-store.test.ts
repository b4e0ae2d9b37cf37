import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DayUse } from '../../../../shared/usage/budget';
import { SqliteUsageStore } from '../../../../shared/usage/sqlite-usage-store';
import { aggregate, CONTRACT_NOW, describeUsageStoreContract } from '../../../contract/usage-store.contract';

/** SqliteUsageStore on a real database file in a fresh temp folder per case. */
async function tempFile(): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-usage-'));
  return { file: path.join(dir, 'nested', 'usage.sqlite'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const ROOT = path.resolve(__dirname, '../../../..');

describeUsageStoreContract('SqliteUsageStore (temp file)', async () => {
  const { file, cleanup } = await tempFile();
  const store = new SqliteUsageStore({ file, retentionDays: 90, now: () => CONTRACT_NOW });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await cleanup();
    },
  };
});

describe('SqliteUsageStore', () => {
  let file: string;
  let cleanup: () => Promise<void>;
  const stores: SqliteUsageStore[] = [];

  beforeEach(async () => {
    ({ file, cleanup } = await tempFile());
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await cleanup();
  });

  const open = (options: { retentionDays?: number; now?: () => Date } = {}): SqliteUsageStore => {
    const store = new SqliteUsageStore({ file, retentionDays: options.retentionDays ?? 90, ...(options.now ? { now: options.now } : {}) });
    stores.push(store);
    return store;
  };

  describe('retention', () => {
    it('deletes days older than the retention on the first write of a day, and keeps the rest', async () => {
      // Prepare: a 3-day retention; usage on 2030-01-05 .. 2030-01-08, written on 2030-01-08
      let now = new Date('2030-01-08T10:00:00Z');
      const store = open({ retentionDays: 3, now: () => now });
      for (const day of ['2030-01-05', '2030-01-06', '2030-01-07', '2030-01-08']) await store.add('tenant-a', day, [aggregate('tenant-a', day, 'query', 'm')]);
      // Act: two days later, one write
      now = new Date('2030-01-10T00:00:01Z');
      await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      // Assess: the days the report still accepts (2030-01-08 .. 10) and the one before them stay; older ones go,
      // aggregates and day totals alike
      const days = (await store.aggregates('tenant-a', '2030-01-01', '2030-01-10')).map((a) => a.day);
      expect(days).toEqual(['2030-01-07', '2030-01-08', '2030-01-10']);
      await expect(store.dayUse('tenant-a', '2030-01-06')).resolves.toEqual({ tokens: 0, costUsd: 0 });
      await expect(store.dayUse('tenant-a', '2030-01-07')).resolves.toEqual({ tokens: 120, costUsd: 1.5e-6 });
    });

    it('purges once per UTC day: a second write the same day deletes nothing, the first write of the next day does', async () => {
      // Prepare
      let now = new Date('2030-01-10T00:00:00Z');
      const store = open({ retentionDays: 3, now: () => now });
      await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      await store.add('tenant-a', '2030-01-01', [aggregate('tenant-a', '2030-01-01', 'query', 'm')]);
      // Act / Assess: the old day written after today's purge stays until tomorrow's
      now = new Date('2030-01-10T23:59:59Z');
      await store.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      await expect(store.dayUse('tenant-a', '2030-01-01')).resolves.toEqual({ tokens: 120, costUsd: 1.5e-6 });
      now = new Date('2030-01-11T00:00:00Z');
      await store.add('tenant-a', '2030-01-11', [aggregate('tenant-a', '2030-01-11', 'query', 'm')]);
      await expect(store.dayUse('tenant-a', '2030-01-01')).resolves.toEqual({ tokens: 0, costUsd: 0 });
    });
  });

  describe('two connections on one file (the server and the CLI)', () => {
    it("sees the other connection's additions in its own before/after totals", async () => {
      // Prepare
      const first = open();
      const second = open();
      // Act
      const a = await first.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      const b = await second.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'stream', 'm')]);
      const c = await first.add('tenant-a', '2030-01-10', [aggregate('tenant-a', '2030-01-10', 'query', 'm')]);
      // Assess
      expect([a.before.tokens, b.before.tokens, c.before.tokens, c.after.tokens]).toEqual([0, 120, 240, 360]);
      expect((await second.aggregates('tenant-a', '2030-01-10', '2030-01-10')).map((r) => [r.feature, r.calls])).toEqual([
        ['query', 2],
        ['stream', 1],
      ]);
    });

    it('loses nothing and chains before/after when two processes add to one tenant and day at the same time', async () => {
      // Prepare: the schema exists before both processes start (as `npm start` creates it)
      open();
      const perProcess = 300;
      const startAt = Date.now() + 3_000;
      // Act: two Node processes, each with its own connection, adding i + 1 tokens (process 0) or 1001 + i (process 1)
      const runs = await Promise.all([0, 1].map((p) => addInChildProcess(file, p, perProcess, startAt)));
      // Assess: exact sums
      const store = open();
      const expected = runs.flat().reduce((sum, r) => sum + r.added, 0);
      await expect(store.dayUse('tenant-a', '2030-01-10')).resolves.toEqual({ tokens: expected, costUsd: 0 });
      const [cell] = await store.aggregates('tenant-a', '2030-01-10', '2030-01-10');
      expect(cell?.calls).toBe(2 * perProcess);
      // Assess: one chain from 0 to the total across both processes, each link its own addition
      const chain = runs.flat().sort((x, y) => x.before.tokens - y.before.tokens);
      expect(chain[0]?.before.tokens).toBe(0);
      chain.forEach((link, n) => {
        expect(link.after.tokens - link.before.tokens).toBe(link.added);
        const next = chain[n + 1];
        if (next) expect(next.before.tokens).toBe(link.after.tokens);
      });
      // Assess: the two processes did interleave (else this case proved nothing about the lock); 6 switches seen here
      const switches = chain.filter((link, n) => n > 0 && link.process !== chain[n - 1]?.process).length;
      expect(switches).toBeGreaterThan(0);
    });
  });
});

interface ChildAddition {
  added: number;
  process: number;
  before: DayUse;
  after: DayUse;
}

/** Runs `count` additions in a separate Node process (through tsx, on the project's own store) and returns their results. */
function addInChildProcess(file: string, processIndex: number, count: number, startAt: number): Promise<ChildAddition[]> {
  const code = `
    import { SqliteUsageStore } from './shared/usage/sqlite-usage-store';
    const store = new SqliteUsageStore({ file: ${JSON.stringify(file)}, retentionDays: 90, now: () => new Date('2030-01-10T12:00:00Z') });
    async function main() {
      // Both processes start adding at the same moment, whatever their start-up times.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, ${startAt} - Date.now())));
      const results = [];
      for (let i = 0; i < ${count}; i++) {
        const added = ${processIndex} * 1000 + i + 1;
        const cell = { tenant: 'tenant-a', day: '2030-01-10', feature: 'query', modelId: 'm', calls: 1, inputTokens: added, outputTokens: 0,
          costNanoUsd: 0, unpricedCalls: 0, estimatedCalls: 0, throttles: 0, cacheHits: 0 };
        results.push({ added, process: ${processIndex}, ...(await store.add('tenant-a', '2030-01-10', [cell])) });
      }
      await store.close();
      process.stdout.write(JSON.stringify(results));
    }
    main();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), '--eval', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${processIndex} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out) as ChildAddition[]);
    });
  });
}
