import type { UsageFeature, UsageFigures } from '../contracts/usage';
import type { DayUse } from './budget';
import type { InvocationRecord } from './invocation-record';

/**
 * The usage store: sums of model calls per (tenant, UTC day, feature, model), and each tenant's total per
 * day for its budget. SQLite in the data folder locally (shared/usage/sqlite-usage-store.ts), DynamoDB on
 * AWS (shared/usage/dynamodb-usage-store.ts); both add atomically (an upsert adding to the stored sums, a
 * DynamoDB `ADD`), so concurrent requests never lose each other's use.
 */
export interface UsageCell {
  tenant: string;
  day: string;
  feature: UsageFeature;
  modelId: string;
}

/** Stored sums; cost in nano-USD (integers add exactly in SQLite and DynamoDB alike). */
export interface UsageSums {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costNanoUsd: number;
  unpricedCalls: number;
  estimatedCalls: number;
  throttles: number;
  cacheHits: number;
}

export interface UsageAggregate extends UsageCell, UsageSums {}

export interface UsageStore {
  /**
   * Adds the aggregates (all of one tenant and day) and their total to the tenant's day, atomically each;
   * returns the tenant's use of that day before and after this addition.
   */
  add(tenant: string, day: string, aggregates: readonly UsageAggregate[]): Promise<{ before: DayUse; after: DayUse }>;
  /** The tenant's use on `day`. */
  dayUse(tenant: string, day: string): Promise<DayUse>;
  /** Every aggregate of `tenant` (or of all tenants, `*`) from `fromDay` to `toDay` inclusive. */
  aggregates(tenant: string, fromDay: string, toDay: string): Promise<UsageAggregate[]>;
  close?(): Promise<void>;
}

export const NANO = 1e9;

export const toNanoUsd = (usd: number): number => Math.round(usd * NANO);

/** The records of one tenant and day summed per (feature, model). */
export function aggregateRecords(records: readonly InvocationRecord[], day: string): UsageAggregate[] {
  const cells = new Map<string, UsageAggregate>();
  for (const record of records) {
    if (record.feature === 'unscoped') continue;
    const key = `${record.tenant}\u0000${record.feature}\u0000${record.modelId}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = { tenant: record.tenant, day, feature: record.feature, modelId: record.modelId, ...emptySums() };
      cells.set(key, cell);
    }
    cell.calls += record.cacheHit ? 0 : 1;
    cell.cacheHits += record.cacheHit ? 1 : 0;
    cell.inputTokens += record.inputTokens;
    cell.outputTokens += record.outputTokens;
    cell.costNanoUsd += record.costUsd === null ? 0 : toNanoUsd(record.costUsd);
    cell.unpricedCalls += record.costUsd === null ? 1 : 0;
    cell.estimatedCalls += record.tokensEstimated ? 1 : 0;
    cell.throttles += record.throttles;
  }
  return [...cells.values()];
}

export function emptySums(): UsageSums {
  return { calls: 0, inputTokens: 0, outputTokens: 0, costNanoUsd: 0, unpricedCalls: 0, estimatedCalls: 0, throttles: 0, cacheHits: 0 };
}

/** What the aggregates add to a tenant's day: tokens (input + output) and cost. */
export function dayUseOf(aggregates: readonly UsageSums[]): { tokens: number; costNanoUsd: number } {
  let tokens = 0;
  let costNanoUsd = 0;
  for (const a of aggregates) {
    tokens += a.inputTokens + a.outputTokens;
    costNanoUsd += a.costNanoUsd;
  }
  return { tokens, costNanoUsd };
}

export function toFigures(sums: UsageSums): UsageFigures {
  return {
    calls: sums.calls,
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    costUsd: Number((sums.costNanoUsd / NANO).toFixed(9)),
    unpricedCalls: sums.unpricedCalls,
    estimatedCalls: sums.estimatedCalls,
    throttles: sums.throttles,
    cacheHits: sums.cacheHits,
  };
}

export function addSums(into: UsageSums, from: UsageSums): UsageSums {
  into.calls += from.calls;
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
  into.costNanoUsd += from.costNanoUsd;
  into.unpricedCalls += from.unpricedCalls;
  into.estimatedCalls += from.estimatedCalls;
  into.throttles += from.throttles;
  into.cacheHits += from.cacheHits;
  return into;
}
