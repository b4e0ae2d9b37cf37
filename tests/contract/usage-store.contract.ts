import type { UsageFeature } from '../../shared/contracts/usage';
import type { DayUse } from '../../shared/usage/budget';
import type { UsageAggregate, UsageStore, UsageSums } from '../../shared/usage/usage-store';

/** What a contract case needs: a fresh, empty store whose retention keeps the days below (2030-01-01 .. 2030-01-20). */
export type MakeUsageStore = () => Promise<{ store: UsageStore; cleanup: () => Promise<void> }>;

export interface UsageStoreContractOptions {
  /**
   * Whether the backend behind the adapter applies concurrent writes to one item one after the other, as DynamoDB
   * and SQLite do. moto_server 5.2.1 does not: 1000 raw `UpdateItem ADD n :one` on one item, 25 at a time, left
   * n = 998 (measured 2026-12-01, with no adapter involved), so against it the additions run one at a time and
   * the concurrency case is not declared: it would test moto, not the adapter.
   */
  concurrentWrites?: boolean;
}

/** Far from the real clock, so that no TTL deletion on wall-clock time ever touches the items. */
export const CONTRACT_DAYS = ['2030-01-09', '2030-01-10', '2030-01-11', '2030-01-12'] as const;
const [DAY_BEFORE, DAY, DAY_AFTER, LAST_DAY] = CONTRACT_DAYS;
/** A clock for adapters that purge by age: the contract's days are all within a 90-day retention of it. */
export const CONTRACT_NOW = new Date('2030-01-20T12:00:00Z');

/** One aggregate with every counter set, so that a counter that is not stored or not added shows. */
export function aggregate(tenant: string, day: string, feature: UsageFeature, modelId: string, sums: Partial<UsageSums> = {}): UsageAggregate {
  return {
    tenant,
    day,
    feature,
    modelId,
    calls: 1,
    inputTokens: 100,
    outputTokens: 20,
    costNanoUsd: 1_500,
    unpricedCalls: 1,
    estimatedCalls: 1,
    throttles: 2,
    cacheHits: 1,
    ...sums,
  };
}

const tokensOf = (aggregates: readonly UsageAggregate[]): number => aggregates.reduce((sum, a) => sum + a.inputTokens + a.outputTokens, 0);

/** The store's rows in one order (the port does not promise one). */
const sorted = (rows: readonly UsageAggregate[]): UsageAggregate[] =>
  [...rows].sort((a, b) =>
    `${a.day}\u0000${a.tenant}\u0000${a.feature}\u0000${a.modelId}` < `${b.day}\u0000${b.tenant}\u0000${b.feature}\u0000${b.modelId}` ? -1 : 1,
  );

/** Runs `count` calls of `work`, at most `concurrency` at a time. */
async function inBatches<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let first = 0; first < count; first += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - first) }, (_, j) => work(first + j));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

/**
 * Behaviour every UsageStore adapter must show (shared/usage/usage-store.ts): exact sums per (tenant, day,
 * feature, model), the tenant's day total with its value before and after each addition, ranges that hold
 * their boundaries and no other tenant, and additions that lose nothing when they run at once.
 */
export function describeUsageStoreContract(name: string, makeStore: MakeUsageStore, options: UsageStoreContractOptions = {}): void {
  const concurrentWrites = options.concurrentWrites ?? true;
  describe(`UsageStore contract: ${name}`, () => {
    let store: UsageStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('adding', () => {
      it("adds to the tenant's day total, which dayUse reads, and to no other day or tenant", async () => {
        // Prepare
        const added = [aggregate('tenant-a', DAY, 'query', 'model-x'), aggregate('tenant-a', DAY, 'ingest', 'embed-y', { inputTokens: 7, outputTokens: 0 })];
        // Act
        await store.add('tenant-a', DAY, added);
        // Assess
        await expect(store.dayUse('tenant-a', DAY)).resolves.toEqual({ tokens: 127, costUsd: 3e-6 });
        await expect(store.dayUse('tenant-a', DAY_AFTER)).resolves.toEqual({ tokens: 0, costUsd: 0 });
        await expect(store.dayUse('tenant-b', DAY)).resolves.toEqual({ tokens: 0, costUsd: 0 });
      });

      it('returns the day total before and after each addition, from 0 before the first', async () => {
        // Act
        const first = await store.add('tenant-a', DAY, [aggregate('tenant-a', DAY, 'query', 'model-x')]);
        const second = await store.add('tenant-a', DAY, [
          aggregate('tenant-a', DAY, 'stream', 'model-x', { inputTokens: 30, outputTokens: 10, costNanoUsd: 500 }),
        ]);
        // Assess
        expect(first).toEqual({ before: { tokens: 0, costUsd: 0 }, after: { tokens: 120, costUsd: 1.5e-6 } });
        expect(second).toEqual({ before: { tokens: 120, costUsd: 1.5e-6 }, after: { tokens: 160, costUsd: 2e-6 } });
      });

      it('sums every counter per (tenant, day, feature, model) across additions', async () => {
        // Act
        await store.add('tenant-a', DAY, [aggregate('tenant-a', DAY, 'query', 'model-x'), aggregate('tenant-a', DAY, 'query', 'model-z')]);
        await store.add('tenant-a', DAY, [
          aggregate('tenant-a', DAY, 'query', 'model-x', {
            calls: 2,
            inputTokens: 5,
            outputTokens: 6,
            costNanoUsd: 7,
            unpricedCalls: 0,
            estimatedCalls: 3,
            throttles: 0,
            cacheHits: 4,
          }),
        ]);
        // Assess
        expect(sorted(await store.aggregates('tenant-a', DAY, DAY))).toEqual([
          {
            tenant: 'tenant-a',
            day: DAY,
            feature: 'query',
            modelId: 'model-x',
            calls: 3,
            inputTokens: 105,
            outputTokens: 26,
            costNanoUsd: 1_507,
            unpricedCalls: 1,
            estimatedCalls: 4,
            throttles: 2,
            cacheHits: 5,
          },
          aggregate('tenant-a', DAY, 'query', 'model-z'),
        ]);
      });

      it('keeps nano-USD exact: 1000 additions of 1e-9 USD are 1e-6 USD, 0.1 + 0.2 USD is 0.3 USD', async () => {
        // Act
        await inBatches(1000, concurrentWrites ? 25 : 1, () =>
          store.add('tenant-a', DAY, [aggregate('tenant-a', DAY, 'query', 'model-x', { costNanoUsd: 1, inputTokens: 0, outputTokens: 0 })]),
        );
        await store.add('tenant-b', DAY, [aggregate('tenant-b', DAY, 'query', 'model-x', { costNanoUsd: 100_000_000 })]);
        await store.add('tenant-b', DAY, [aggregate('tenant-b', DAY, 'query', 'model-x', { costNanoUsd: 200_000_000 })]);
        // Assess
        const [cell] = await store.aggregates('tenant-a', DAY, DAY);
        expect(cell?.costNanoUsd).toBe(1000);
        expect(cell?.calls).toBe(1000);
        expect((await store.dayUse('tenant-a', DAY)).costUsd).toBe(1e-6);
        expect((await store.dayUse('tenant-b', DAY)).costUsd).toBe(0.3);
        expect((await store.aggregates('tenant-b', DAY, DAY))[0]?.costNanoUsd).toBe(300_000_000);
      });
    });

    describe('reading ranges', () => {
      beforeEach(async () => {
        for (const day of CONTRACT_DAYS) {
          await store.add('tenant-a', day, [aggregate('tenant-a', day, 'query', 'model-x')]);
          await store.add('tenant-b', day, [aggregate('tenant-b', day, 'ingest', 'embed-y')]);
        }
      });

      it("returns one tenant's days from `from` to `to`, both included, and no other tenant's", async () => {
        // Act
        const rows = await store.aggregates('tenant-a', DAY, DAY_AFTER);
        // Assess
        expect(sorted(rows)).toEqual([aggregate('tenant-a', DAY, 'query', 'model-x'), aggregate('tenant-a', DAY_AFTER, 'query', 'model-x')]);
      });

      it('returns a single day when from and to are that day, and nothing for a range without usage', async () => {
        await expect(store.aggregates('tenant-a', LAST_DAY, LAST_DAY)).resolves.toEqual([aggregate('tenant-a', LAST_DAY, 'query', 'model-x')]);
        await expect(store.aggregates('tenant-a', '2030-01-13', '2030-01-19')).resolves.toEqual([]);
        await expect(store.aggregates('tenant-c', DAY_BEFORE, LAST_DAY)).resolves.toEqual([]);
      });

      it("returns every tenant's rows of the range for `*`", async () => {
        // Act
        const rows = await store.aggregates('*', DAY_BEFORE, DAY);
        // Assess
        expect(sorted(rows)).toEqual([
          aggregate('tenant-a', DAY_BEFORE, 'query', 'model-x'),
          aggregate('tenant-b', DAY_BEFORE, 'ingest', 'embed-y'),
          aggregate('tenant-a', DAY, 'query', 'model-x'),
          aggregate('tenant-b', DAY, 'ingest', 'embed-y'),
        ]);
      });
    });

    describe('tenants never see each other', () => {
      it('keeps a tenant apart from one whose name it prefixes, with model ids that hold "#"', async () => {
        // Prepare: `acme` is a prefix of `acme-2`; the model ids hold the key separator of a composite key
        const acme = [aggregate('acme', DAY, 'query', 'vendor#model:1'), aggregate('acme', DAY, 'query', 'model#FEATURE#stream')];
        const acme2 = [aggregate('acme-2', DAY, 'query', 'vendor#model:1', { inputTokens: 1, outputTokens: 1, costNanoUsd: 9 })];
        // Act
        await store.add('acme', DAY, acme);
        await store.add('acme-2', DAY, acme2);
        // Assess
        expect(sorted(await store.aggregates('acme', DAY, DAY))).toEqual(sorted(acme));
        expect(await store.aggregates('acme-2', DAY, DAY)).toEqual(acme2);
        await expect(store.dayUse('acme', DAY)).resolves.toEqual({ tokens: tokensOf(acme), costUsd: 3e-6 });
        await expect(store.dayUse('acme-2', DAY)).resolves.toEqual({ tokens: 2, costUsd: 9e-9 });
        expect(sorted(await store.aggregates('*', DAY, DAY))).toEqual(sorted([...acme, ...acme2]));
      });
    });

    if (!concurrentWrites) return;

    describe('concurrency', () => {
      it('loses nothing when 50 additions of one tenant and day run at once, and their before/after pairs form one chain', async () => {
        // Prepare: each addition a different size, so that a pair taken from another addition shows
        const size = (i: number) => ({ inputTokens: i + 1, outputTokens: 0, costNanoUsd: 1_000 * (i + 1) });
        // Act
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.add('tenant-a', DAY, [aggregate('tenant-a', DAY, 'query', 'model-x', { ...size(i), calls: 1, cacheHits: 0 })]).then((r) => ({ i, ...r })),
          ),
        );
        // Assess: exact sums
        const totalTokens = (50 * 51) / 2;
        const [cell] = await store.aggregates('tenant-a', DAY, DAY);
        expect(cell).toMatchObject({ calls: 50, inputTokens: totalTokens, costNanoUsd: 1_000 * totalTokens, throttles: 100 });
        await expect(store.dayUse('tenant-a', DAY)).resolves.toEqual({ tokens: totalTokens, costUsd: (1_000 * totalTokens) / 1e9 });
        // Assess: each addition saw its own step, and the steps chain from 0 to the total with no gap or overlap
        const chain = [...results].sort((a, b) => a.before.tokens - b.before.tokens);
        expect(chain[0]?.before).toEqual({ tokens: 0, costUsd: 0 });
        expect(chain.at(-1)?.after.tokens).toBe(totalTokens);
        chain.forEach((link, n) => {
          expect(link.after.tokens - link.before.tokens).toBe(link.i + 1);
          const next: DayUse | undefined = chain[n + 1]?.before;
          if (next) expect(next).toEqual(link.after);
        });
      });
    });
  });
}
