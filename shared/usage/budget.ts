import type { DailyBudget } from '../config/config';
import type { BudgetStatus } from '../contracts/usage';
import { ThrottlingError } from '../errors';

/**
 * Daily budgets per tenant (UTC days): pure rules, the store does the counting.
 *
 * A request is admitted while the tenant's use today is under every limit; it is checked before any model
 * is called (functions/api/query.ts, query-stream.ts). Admitted requests add their use atomically when they
 * finish, so N requests admitted at once overspend by at most their own use: one request each.
 * Reaching 80% and 100% of a limit is logged and counted once, by the request whose addition crossed it
 * (`crossedThresholds` on the totals before and after that atomic addition).
 */
export const WARNING_FRACTION = 0.8;

export interface DayUse {
  costUsd: number;
  tokens: number;
}

export const NO_USE: DayUse = { costUsd: 0, tokens: 0 };

/** The budget in force for `tenant`: its own entry of RAG_TENANT_BUDGETS, else the default; undefined when unlimited. */
export function budgetFor(budgets: { default: DailyBudget; perTenant: Record<string, DailyBudget> }, tenant: string): DailyBudget | undefined {
  const budget = budgets.perTenant[tenant] ?? budgets.default;
  return budget.usd === undefined && budget.tokens === undefined ? undefined : budget;
}

/** The UTC day of `at` as YYYY-MM-DD. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Next UTC midnight after `at`. */
export function nextUtcMidnight(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

/**
 * Whether `use` has reached `threshold` (0.8 or 1) of a limit, compared in whole units: nano-USD and tokens.
 * Floating-point fractions would miss exact thresholds (0.08 / 0.1 is 0.7999999999999999 in IEEE 754), so
 * 80% is `used * 5 >= cap * 4`, exact for integers.
 */
function reached(limit: 'usd' | 'tokens', cap: number, use: DayUse, threshold: 0.8 | 1): boolean {
  const whole = (value: number) => (limit === 'usd' ? Math.round(value * 1e9) : Math.round(value));
  const used = whole(limit === 'usd' ? use.costUsd : use.tokens);
  const limitUnits = whole(cap);
  return threshold === 1 ? used >= limitUnits : used * 5 >= limitUnits * 4;
}

const limitsOf = (budget: DailyBudget): Array<['usd' | 'tokens', number]> =>
  (['usd', 'tokens'] as const).flatMap((limit) => (budget[limit] !== undefined ? [[limit, budget[limit]] as ['usd' | 'tokens', number]] : []));

export function budgetStatus(budget: DailyBudget, use: DayUse, at: Date): BudgetStatus {
  const atLeast = (threshold: 0.8 | 1) => limitsOf(budget).some(([limit, cap]) => reached(limit, cap, use, threshold));
  return {
    ...(budget.usd !== undefined ? { limitUsd: budget.usd } : {}),
    ...(budget.tokens !== undefined ? { limitTokens: budget.tokens } : {}),
    usedUsd: round(use.costUsd),
    usedTokens: use.tokens,
    state: atLeast(1) ? 'exhausted' : atLeast(WARNING_FRACTION) ? 'warning' : 'ok',
    resetsAt: nextUtcMidnight(at).toISOString(),
  };
}

/** Each threshold (0.8, 1) that `before` was under and `after` is at or over, per limit. */
export function crossedThresholds(budget: DailyBudget, before: DayUse, after: DayUse): Array<{ limit: 'usd' | 'tokens'; threshold: 0.8 | 1 }> {
  const crossed: Array<{ limit: 'usd' | 'tokens'; threshold: 0.8 | 1 }> = [];
  for (const [limit, cap] of limitsOf(budget)) {
    for (const threshold of [WARNING_FRACTION, 1] as const) {
      if (!reached(limit, cap, before, threshold) && reached(limit, cap, after, threshold)) crossed.push({ limit, threshold });
    }
  }
  return crossed;
}

/**
 * A tenant's daily budget is used up: 429 with the reason and when it resets; Retry-After is the seconds
 * until then (the error mapper sends it for every ThrottlingError).
 */
export class BudgetExceededError extends ThrottlingError {
  constructor(
    readonly budget: BudgetStatus,
    at: Date,
  ) {
    const used = [
      budget.limitUsd !== undefined ? `USD ${budget.usedUsd} of ${budget.limitUsd}` : undefined,
      budget.limitTokens !== undefined ? `${budget.usedTokens} of ${budget.limitTokens} tokens` : undefined,
    ].filter((l): l is string => l !== undefined);
    super(
      `Daily budget exhausted (${used.join(', ')} used today); it resets at ${budget.resetsAt}`,
      Math.max(1, Math.ceil((Date.parse(budget.resetsAt) - at.getTime()) / 1000)),
    );
  }
}

/** Throws BudgetExceededError when `use` is at or over a limit of `budget`. */
export function admitWithinBudget(budget: DailyBudget | undefined, use: DayUse, at: Date): void {
  if (!budget) return;
  const status = budgetStatus(budget, use, at);
  if (status.state === 'exhausted') throw new BudgetExceededError(status, at);
}

function round(usd: number): number {
  return Number(usd.toFixed(8));
}
