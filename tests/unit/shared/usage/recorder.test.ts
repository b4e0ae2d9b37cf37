import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DailyBudget } from '../../../../shared/config/config';
import { METRIC } from '../../../../shared/observability/metric-names';
import { logger, metrics } from '../../../../shared/observability/telemetry';
import { BudgetExceededError } from '../../../../shared/usage/budget';
import type { InvocationRecord } from '../../../../shared/usage/invocation-record';
import { emitRecord, UsageRecorder } from '../../../../shared/usage/recorder';
import { SqliteUsageStore } from '../../../../shared/usage/sqlite-usage-store';
import type { UsageContext } from '../../../../shared/usage/usage-scope';
import type { UsageStore } from '../../../../shared/usage/usage-store';

/** UsageRecorder on a real SqliteUsageStore in a temp folder, with an injected clock; logs and metrics are spied. */
const NOW = new Date('2030-01-10T18:30:00.000Z');
const DAY = '2030-01-10';

const record = (context: UsageContext, overrides: Partial<InvocationRecord> = {}): InvocationRecord => ({
  requestId: context.requestId,
  tenant: context.tenant,
  feature: context.feature,
  kind: 'generation',
  modelId: 'model-x',
  region: 'us-east-1',
  inputSha256: 'a'.repeat(16),
  inputTokens: 10,
  outputTokens: 5,
  tokensEstimated: false,
  latencyMs: 12,
  attempts: 1,
  throttles: 0,
  fallbackUsed: false,
  cacheHit: false,
  costUsd: 0.000_01,
  outcome: 'ok',
  at: NOW.toISOString(),
  ...overrides,
});

const context = (tenant: string, requestId = 'req-1'): UsageContext => ({ requestId, tenant, feature: 'query' });

describe('UsageRecorder', () => {
  let dir: string;
  let store: SqliteUsageStore;
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  let addMetric: jest.SpyInstance;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rag-recorder-'));
    store = new SqliteUsageStore({ file: path.join(dir, 'usage.sqlite'), retentionDays: 90, now: () => NOW });
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    addMetric = jest.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const recorder = (perTenant: Record<string, DailyBudget> = {}, usageStore: UsageStore = store, defaultBudget: DailyBudget = {}) =>
    new UsageRecorder({ store: usageStore, budgets: { default: defaultBudget, perTenant }, now: () => NOW });
  const metricCount = (name: string): number => addMetric.mock.calls.filter(([metric]) => metric === name).length;
  const warnings = (): string[] => warn.mock.calls.map(([message]) => String(message));

  /** One request of `tenant` whose model calls use `tokens` tokens in all (one record). */
  const spend = (usage: UsageRecorder, tenant: string, tokens: number, requestId = 'req-1') =>
    usage.run(context(tenant, requestId), async () => {
      emitRecord(record(context(tenant, requestId), { inputTokens: tokens, outputTokens: 0, costUsd: 0 }));
      return 'answer';
    });

  describe('run', () => {
    it("adds the scope's records to the store once, summed per (feature, model), on the clock's UTC day", async () => {
      // Prepare
      const add = jest.spyOn(store, 'add');
      const usage = recorder();
      const ctx = context('tenant-a');
      // Act
      const result = await usage.run(ctx, async () => {
        emitRecord(record(ctx));
        emitRecord(record(ctx, { inputTokens: 1, outputTokens: 2, costUsd: 0.000_002 }));
        emitRecord(record(ctx, { kind: 'embedding', modelId: 'embed-y', outputTokens: 0, costUsd: null }));
        return 'answer';
      });
      // Assess
      expect(result).toBe('answer');
      expect(add).toHaveBeenCalledTimes(1);
      expect(add.mock.calls[0]?.[0]).toBe('tenant-a');
      expect(add.mock.calls[0]?.[1]).toBe(DAY);
      expect(await store.aggregates('tenant-a', DAY, DAY)).toEqual([
        expect.objectContaining({ feature: 'query', modelId: 'embed-y', calls: 1, inputTokens: 10, costNanoUsd: 0, unpricedCalls: 1 }),
        expect.objectContaining({ feature: 'query', modelId: 'model-x', calls: 2, inputTokens: 11, outputTokens: 7, costNanoUsd: 12_000 }),
      ]);
    });

    it('adds nothing for a request that called no model', async () => {
      // Prepare
      const add = jest.spyOn(store, 'add');
      // Act
      await recorder().run(context('tenant-a'), async () => 'cached elsewhere');
      // Assess
      expect(add).not.toHaveBeenCalled();
    });

    it('still stores what was spent when the work fails, and rethrows its error', async () => {
      // Prepare
      const ctx = context('tenant-a');
      const failure = new Error('generation failed after the embedding');
      // Act
      const attempt = recorder().run(ctx, async () => {
        emitRecord(record(ctx, { kind: 'embedding', modelId: 'embed-y', inputTokens: 40, outputTokens: 0 }));
        throw failure;
      });
      // Assess
      await expect(attempt).rejects.toBe(failure);
      await expect(store.dayUse('tenant-a', DAY)).resolves.toEqual({ tokens: 40, costUsd: 0.000_01 });
    });

    it('keeps concurrent requests of two tenants apart', async () => {
      // Act
      const usage = recorder();
      await Promise.all([spend(usage, 'tenant-a', 7, 'req-a'), spend(usage, 'tenant-b', 9, 'req-b')]);
      // Assess
      await expect(store.dayUse('tenant-a', DAY)).resolves.toEqual({ tokens: 7, costUsd: 0 });
      await expect(store.dayUse('tenant-b', DAY)).resolves.toEqual({ tokens: 9, costUsd: 0 });
    });

    it('logs and counts a store that cannot be written, and answers the request all the same', async () => {
      // Prepare
      const broken: UsageStore = {
        add: async () => {
          throw Object.assign(new Error('table gone'), { name: 'ResourceNotFoundException' });
        },
        dayUse: async () => ({ tokens: 0, costUsd: 0 }),
        aggregates: async () => [],
      };
      // Act
      const result = await spend(recorder({ 'tenant-a': { tokens: 10 } }, broken), 'tenant-a', 50);
      // Assess
      expect(result).toBe('answer');
      expect(error).toHaveBeenCalledWith('Usage could not be recorded', { error: 'ResourceNotFoundException', records: 1 });
      expect(metricCount(METRIC.usageWriteFailures)).toBe(1);
    });
  });

  describe('budget thresholds', () => {
    it('logs and counts 80% once and 100% once, by the requests that cross them, and nothing past 100%', async () => {
      // Prepare: 100 tokens a day
      const usage = recorder({ 'tenant-a': { tokens: 100 } });
      // Act / Assess: 50 (50%), 35 (85%), 10 (95%), 20 (115%), 10 (125%)
      await spend(usage, 'tenant-a', 50);
      expect(warnings()).toEqual([]);
      await spend(usage, 'tenant-a', 35);
      expect(warnings()).toEqual(['Daily budget 80% used']);
      expect(warn).toHaveBeenLastCalledWith('Daily budget 80% used', { tenant: 'tenant-a', limit: 'tokens', threshold: 0.8, usedUsd: 0, usedTokens: 85 });
      await spend(usage, 'tenant-a', 10);
      await spend(usage, 'tenant-a', 20);
      await spend(usage, 'tenant-a', 10);
      expect(warnings()).toEqual(['Daily budget 80% used', 'Daily budget exhausted']);
      expect(metricCount(METRIC.budgetWarnings)).toBe(1);
      expect(metricCount(METRIC.budgetExhausted)).toBe(1);
    });

    it('logs both thresholds when one request crosses both', async () => {
      // Act
      await spend(recorder({ 'tenant-a': { tokens: 100 } }), 'tenant-a', 150);
      // Assess
      expect(warnings()).toEqual(['Daily budget 80% used', 'Daily budget exhausted']);
    });

    it('logs each crossing once when 20 requests of one tenant finish at once', async () => {
      // Prepare
      const usage = recorder({ 'tenant-a': { tokens: 100 } });
      // Act: 20 x 7 tokens = 140
      await Promise.all(Array.from({ length: 20 }, (_, i) => spend(usage, 'tenant-a', 7, `req-${i}`)));
      // Assess
      expect(warnings()).toEqual(['Daily budget 80% used', 'Daily budget exhausted']);
      await expect(store.dayUse('tenant-a', DAY)).resolves.toEqual({ tokens: 140, costUsd: 0 });
    });

    it('logs nothing for a tenant without a budget', async () => {
      await spend(recorder({ other: { tokens: 1 } }), 'tenant-a', 1_000_000);
      expect(warnings()).toEqual([]);
    });
  });

  describe('admit', () => {
    it('admits a tenant under its limits', async () => {
      // Prepare
      const usage = recorder({ 'tenant-a': { tokens: 100 } });
      await spend(usage, 'tenant-a', 99);
      // Act / Assess
      await expect(usage.admit('tenant-a')).resolves.toBeUndefined();
      expect(metricCount(METRIC.budgetRejections)).toBe(0);
    });

    it('refuses a tenant at its limit with a 429 BudgetExceededError that resets at the next UTC midnight, logged and counted', async () => {
      // Prepare
      const usage = recorder({ 'tenant-a': { tokens: 100 } });
      await spend(usage, 'tenant-a', 100);
      // Act
      const attempt = usage.admit('tenant-a');
      // Assess: 18:30 UTC is 5.5 hours before midnight
      await expect(attempt).rejects.toBeInstanceOf(BudgetExceededError);
      await expect(attempt).rejects.toMatchObject({ status: 429, retryAfterSeconds: 5.5 * 3600, budget: { resetsAt: '2030-01-11T00:00:00.000Z' } });
      expect(metricCount(METRIC.budgetRejections)).toBe(1);
      expect(warn).toHaveBeenCalledWith('Request refused: daily budget exhausted', { tenant: 'tenant-a' });
    });

    it('refuses by the default budget a tenant without its own, and by its own the tenant that has one', async () => {
      // Prepare: default 10 tokens; tenant-b may spend 1000
      const usage = recorder({ 'tenant-b': { tokens: 1000 } }, store, { tokens: 10 });
      await spend(usage, 'tenant-a', 10);
      await spend(usage, 'tenant-b', 10);
      // Act / Assess
      await expect(usage.admit('tenant-a')).rejects.toBeInstanceOf(BudgetExceededError);
      await expect(usage.admit('tenant-b')).resolves.toBeUndefined();
    });

    it('never refuses, nor reads the store for, a tenant without a budget', async () => {
      // Prepare
      const usage = recorder({ other: { tokens: 1 } });
      await spend(usage, 'tenant-a', 1_000_000);
      const dayUse = jest.spyOn(store, 'dayUse');
      // Act / Assess
      await expect(usage.admit('tenant-a')).resolves.toBeUndefined();
      expect(dayUse).not.toHaveBeenCalled();
    });

    it('counts only the day of the clock: yesterday’s use does not refuse today', async () => {
      // Prepare
      await store.add('tenant-a', '2030-01-09', [
        {
          tenant: 'tenant-a',
          day: '2030-01-09',
          feature: 'query',
          modelId: 'm',
          calls: 1,
          inputTokens: 500,
          outputTokens: 0,
          costNanoUsd: 0,
          unpricedCalls: 0,
          estimatedCalls: 0,
          throttles: 0,
          cacheHits: 0,
        },
      ]);
      // Act / Assess
      await expect(recorder({ 'tenant-a': { tokens: 100 } }).admit('tenant-a')).resolves.toBeUndefined();
    });
  });
});
