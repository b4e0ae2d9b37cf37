import type { DailyBudget } from '../config/config';
import type { UsageGroupBy, UsageResponse, UsageRow } from '../contracts/usage';
import { ValidationError } from '../errors';
import { budgetFor, budgetStatus, utcDay } from './budget';
import { addSums, emptySums, toFigures, type UsageAggregate, type UsageStore, type UsageSums } from './usage-store';

/**
 * GET /usage: the sums of a tenant's (or, for the operator, every tenant's) model calls over a range of UTC
 * days, grouped by day, feature or model, with today's budget state. The range is checked here: inverted, or
 * longer than the retention (older days are gone, so a longer range would silently under-report), is a 400.
 */
export interface UsageReportRequest {
  /** A tenant, or `*` for all tenants (the caller has been checked for the admin scope). */
  tenant: string;
  from?: string;
  to?: string;
  groupBy?: UsageGroupBy;
}

export interface UsageReportSettings {
  retentionDays: number;
  budgets: { default: DailyBudget; perTenant: Record<string, DailyBudget> };
}

const DAY_MS = 86_400_000;

export function checkRange(from: string, to: string, retentionDays: number, now: Date): void {
  const fromMs = Date.parse(`${from}T00:00:00Z`);
  const toMs = Date.parse(`${to}T00:00:00Z`);
  if (fromMs > toMs) throw new ValidationError('Invalid range', [{ path: 'from', message: `is after to (${to})` }]);
  const days = (toMs - fromMs) / DAY_MS + 1;
  if (days > retentionDays) {
    throw new ValidationError('Invalid range', [
      { path: 'from', message: `the range spans ${days} days, longer than the ${retentionDays}-day retention of usage` },
    ]);
  }
  const oldestKept = Date.parse(`${utcDay(now)}T00:00:00Z`) - (retentionDays - 1) * DAY_MS;
  if (fromMs < oldestKept) {
    throw new ValidationError('Invalid range', [
      { path: 'from', message: `is before ${utcDay(new Date(oldestKept))}: usage is kept for ${retentionDays} days` },
    ]);
  }
}

function groupKey(aggregate: UsageAggregate, groupBy: UsageGroupBy): string {
  return groupBy === 'day' ? aggregate.day : groupBy === 'feature' ? aggregate.feature : aggregate.modelId;
}

export async function usageReport(
  store: UsageStore,
  settings: UsageReportSettings,
  request: UsageReportRequest,
  now: Date = new Date(),
): Promise<UsageResponse> {
  const today = utcDay(now);
  const from = request.from ?? request.to ?? today;
  const to = request.to ?? (request.from && request.from > today ? request.from : today);
  const groupBy = request.groupBy ?? 'day';
  checkRange(from, to, settings.retentionDays, now);
  const allTenants = request.tenant === '*';
  const groups = new Map<string, { key: string; tenant?: string; sums: UsageSums }>();
  const totals = emptySums();
  for (const aggregate of await store.aggregates(request.tenant, from, to)) {
    const key = groupKey(aggregate, groupBy);
    const id = allTenants ? `${aggregate.tenant}\u0000${key}` : key;
    let group = groups.get(id);
    if (!group) {
      group = { key, ...(allTenants ? { tenant: aggregate.tenant } : {}), sums: emptySums() };
      groups.set(id, group);
    }
    addSums(group.sums, aggregate);
    addSums(totals, aggregate);
  }
  const rows: UsageRow[] = [...groups.values()]
    .sort((a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? '') || a.key.localeCompare(b.key))
    .map((g) => ({ key: g.key, ...(g.tenant !== undefined ? { tenant: g.tenant } : {}), ...toFigures(g.sums) }));
  const budget = allTenants ? undefined : budgetFor(settings.budgets, request.tenant);
  return {
    tenant: request.tenant,
    from,
    to,
    groupBy,
    rows,
    totals: toFigures(totals),
    ...(budget ? { budget: budgetStatus(budget, await store.dayUse(request.tenant, today), now) } : {}),
    retentionDays: settings.retentionDays,
    partial: totals.unpricedCalls > 0 || totals.estimatedCalls > 0,
  };
}
