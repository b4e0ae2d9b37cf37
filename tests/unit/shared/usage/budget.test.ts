import { loadConfig } from '../../../../shared/config/config';
import { ConfigurationError } from '../../../../shared/errors';
import { admitWithinBudget, BudgetExceededError, budgetFor, budgetStatus, crossedThresholds, nextUtcMidnight, utcDay } from '../../../../shared/usage/budget';

const AT = new Date('2030-01-10T18:30:00.000Z');
const use = (costUsd: number, tokens: number) => ({ costUsd, tokens });

describe('daily budgets (shared/usage/budget.ts)', () => {
  describe('budgetFor', () => {
    const budgets = { default: { usd: 1 }, perTenant: { acme: { tokens: 500 } } };

    it('gives a named tenant its own entry in place of the default, and every other tenant the default', () => {
      expect(budgetFor(budgets, 'acme')).toEqual({ tokens: 500 });
      expect(budgetFor(budgets, 'beta')).toEqual({ usd: 1 });
    });

    it('is undefined (no limit) when neither the tenant nor the default has a limit', () => {
      expect(budgetFor({ default: {}, perTenant: {} }, 'beta')).toBeUndefined();
      expect(budgetFor({ default: {}, perTenant: { acme: { usd: 2 } } }, 'beta')).toBeUndefined();
    });
  });

  describe('UTC days', () => {
    it.each([
      ['2030-01-10T23:59:59.999Z', '2030-01-10', '2030-01-11T00:00:00.000Z'],
      ['2030-01-10T00:00:00.000Z', '2030-01-10', '2030-01-11T00:00:00.000Z'],
      ['2030-12-31T12:00:00.000Z', '2030-12-31', '2031-01-01T00:00:00.000Z'],
      ['2032-02-28T01:00:00.000Z', '2032-02-28', '2032-02-29T00:00:00.000Z'],
    ])('at %s the day is %s and it resets at %s', (at, day, reset) => {
      expect(utcDay(new Date(at))).toBe(day);
      expect(nextUtcMidnight(new Date(at)).toISOString()).toBe(reset);
    });

    it('does not follow the local time zone', () => {
      // 2030-01-10T23:30 in New York is already 2030-01-11 in UTC
      expect(utcDay(new Date('2030-01-10T23:30:00-05:00'))).toBe('2030-01-11');
    });
  });

  describe('budgetStatus', () => {
    it('goes by whichever limit is nearer, and is ok without limits', () => {
      expect(budgetStatus({ usd: 2, tokens: 1000 }, use(1, 900), AT).state).toBe('warning');
      expect(budgetStatus({ usd: 2, tokens: 1000 }, use(1.8, 100), AT).state).toBe('warning');
      expect(budgetStatus({ usd: 2, tokens: 1000 }, use(1, 100), AT).state).toBe('ok');
      expect(budgetStatus({}, use(5, 5000), AT).state).toBe('ok');
    });

    it('treats a limit of 0 as used up from the start', () => {
      expect(budgetStatus({ usd: 0 }, use(0, 0), AT).state).toBe('exhausted');
    });

    it.each([
      [use(0.79, 0), 'ok'],
      [use(0.8, 0), 'warning'],
      [use(0.99, 0), 'warning'],
      [use(1, 0), 'exhausted'],
      [use(0, 80), 'warning'],
      [use(0, 100), 'exhausted'],
    ] as const)('with limits USD 1 and 100 tokens, %o is %s', (used, state) => {
      expect(budgetStatus({ usd: 1, tokens: 100 }, used, AT).state).toBe(state);
    });

    it('reports both limits, the use rounded to 1e-8 USD and the next UTC midnight', () => {
      expect(budgetStatus({ usd: 1, tokens: 100 }, use(0.123456789, 7), AT)).toEqual({
        limitUsd: 1,
        limitTokens: 100,
        usedUsd: 0.12345679,
        usedTokens: 7,
        state: 'ok',
        resetsAt: '2030-01-11T00:00:00.000Z',
      });
    });

    it('says warning at exactly 80% of a USD 0.10 budget (use summed exactly in nano-USD: 80,000,000)', () => {
      // 0.1 * 0.8 is 0.08000000000000002 and 0.08 / 0.1 is 0.7999999999999999 in floating point
      expect(budgetStatus({ usd: 0.1 }, use(80_000_000 / 1e9, 0), AT).state).toBe('warning');
    });
  });

  describe('crossedThresholds', () => {
    const budget = { usd: 1, tokens: 1000 };

    it('names each threshold one addition crossed, per limit', () => {
      expect(crossedThresholds(budget, use(0.5, 0), use(0.85, 0))).toEqual([{ limit: 'usd', threshold: 0.8 }]);
      expect(crossedThresholds(budget, use(0.85, 0), use(1, 0))).toEqual([{ limit: 'usd', threshold: 1 }]);
      expect(crossedThresholds(budget, use(0.5, 500), use(1.2, 1200))).toEqual([
        { limit: 'usd', threshold: 0.8 },
        { limit: 'usd', threshold: 1 },
        { limit: 'tokens', threshold: 0.8 },
        { limit: 'tokens', threshold: 1 },
      ]);
    });

    it('names nothing for an addition that stays under 80% or starts past a threshold', () => {
      expect(crossedThresholds(budget, use(0.1, 100), use(0.79, 799))).toEqual([]);
      expect(crossedThresholds(budget, use(0.8, 800), use(0.9, 900))).toEqual([]);
      expect(crossedThresholds(budget, use(1, 1000), use(3, 3000))).toEqual([]);
    });

    it('counts a limit the budget does not set as never crossed', () => {
      expect(crossedThresholds({ tokens: 10 }, use(0, 0), use(100, 5))).toEqual([]);
    });

    it('in a chain of additions, names each threshold exactly once', () => {
      // Prepare: the before/after pairs a store returns for additions of 0.3 USD each
      const steps = [0, 0.3, 0.6, 0.9, 1.2, 1.5].map((usd) => use(usd, 0));
      // Act
      const crossed = steps.slice(1).flatMap((after, i) => crossedThresholds({ usd: 1 }, steps[i] ?? use(0, 0), after));
      // Assess
      expect(crossed).toEqual([
        { limit: 'usd', threshold: 0.8 },
        { limit: 'usd', threshold: 1 },
      ]);
    });

    it('names the 80% threshold for the addition that reaches exactly 80% of a USD 0.10 budget', () => {
      expect(crossedThresholds({ usd: 0.1 }, use(0, 0), use(80_000_000 / 1e9, 0))).toEqual([{ limit: 'usd', threshold: 0.8 }]);
    });
  });

  describe('admitWithinBudget', () => {
    it('admits under every limit and without a budget', () => {
      expect(() => admitWithinBudget({ usd: 1, tokens: 100 }, use(0.999, 99), AT)).not.toThrow();
      expect(() => admitWithinBudget(undefined, use(1e6, 1e9), AT)).not.toThrow();
    });

    it('refuses at or over a limit with a 429 BudgetExceededError that says why and when it resets', () => {
      // Act
      const refusal = (() => {
        try {
          admitWithinBudget({ usd: 1, tokens: 100 }, use(0.5, 100), AT);
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      // Assess: 18:30 UTC is 5.5 hours before the reset
      expect(refusal).toBeInstanceOf(BudgetExceededError);
      expect(refusal).toMatchObject({
        name: 'BudgetExceededError',
        status: 429,
        expose: true,
        retryAfterSeconds: 5.5 * 3600,
        message: 'Daily budget exhausted (USD 0.5 of 1, 100 of 100 tokens used today); it resets at 2030-01-11T00:00:00.000Z',
        budget: { state: 'exhausted', resetsAt: '2030-01-11T00:00:00.000Z' },
      });
    });

    it('rounds Retry-After up to whole seconds, at least 1', () => {
      const refusal = (at: Date) => {
        try {
          admitWithinBudget({ usd: 1 }, use(1, 0), at);
        } catch (error) {
          return (error as BudgetExceededError).retryAfterSeconds;
        }
        return undefined;
      };
      expect(refusal(new Date('2030-01-10T23:59:58.500Z'))).toBe(2);
      expect(refusal(new Date('2030-01-10T23:59:59.999Z'))).toBe(1);
    });
  });

  describe('RAG_TENANT_BUDGETS and the default limits, through loadConfig', () => {
    const budgetsOf = (env: Record<string, string>) => loadConfig(env).usage.budgets;

    it('reads tenant=limit[/limit] entries, in any order and with spaces, beside the default limits', () => {
      expect(
        budgetsOf({
          RAG_BUDGET_DAILY_USD: '2.5',
          RAG_BUDGET_DAILY_TOKENS: '100000',
          RAG_TENANT_BUDGETS: 'acme=usd:5/tokens:2000000, beta = tokens:10/usd:0.5 ,gamma=tokens:0,d_1=usd:0.000001',
        }),
      ).toEqual({
        default: { usd: 2.5, tokens: 100_000 },
        perTenant: { acme: { usd: 5, tokens: 2_000_000 }, beta: { usd: 0.5, tokens: 10 }, gamma: { tokens: 0 }, d_1: { usd: 0.000001 } },
      });
    });

    it('has no limits when nothing is set', () => {
      expect(budgetsOf({})).toEqual({ default: {}, perTenant: {} });
    });

    it.each([
      ['no "="', 'acme'],
      ['no tenant', '=usd:5'],
      ['no limit', 'acme='],
      ['an empty limit after "/"', 'acme=usd:5/'],
      ['an unknown unit', 'acme=eur:5'],
      ['a negative amount', 'acme=usd:-1'],
      ['an amount that is not a number', 'acme=usd:five'],
      ['a fractional token count', 'acme=tokens:1.5'],
      ['a tenant name with upper case', 'Acme=usd:5'],
      ['one bad entry among good ones', 'acme=usd:5,beta=usd'],
    ])('refuses %s with a ConfigurationError naming RAG_TENANT_BUDGETS', (_title, value) => {
      expect(() => loadConfig({ RAG_TENANT_BUDGETS: value })).toThrow(ConfigurationError);
      expect(() => loadConfig({ RAG_TENANT_BUDGETS: value })).toThrow(/RAG_TENANT_BUDGETS/);
    });

    it.each([
      ['RAG_BUDGET_DAILY_USD', '-1'],
      ['RAG_BUDGET_DAILY_USD', 'lots'],
      ['RAG_BUDGET_DAILY_TOKENS', '2.5'],
    ])('refuses %s=%s with a ConfigurationError naming it', (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
    });
  });
});
