import type { InvocationRecord } from './invocation-record';

/**
 * What one step of a request spent, carried in the query state machine's payload from the Task that made the
 * calls to the one that answers (each Task is its own invocation on AWS): the response's `usage` is the sum
 * of these tallies, which are sums of the very invocation records that were logged and stored, so the
 * response, the log and GET /usage agree.
 */
export interface UsageTally {
  inputTokens: number;
  outputTokens: number;
  /** USD of the priced calls. */
  costUsd: number;
  calls: number;
  /** Models whose calls have no price in their Region (their cost is unknown, not zero). */
  unpricedModels: string[];
  /** Calls whose token counts are estimates. */
  estimatedCalls: number;
}

export const EMPTY_TALLY: UsageTally = { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0, unpricedModels: [], estimatedCalls: 0 };

export function tallyOf(records: readonly InvocationRecord[]): UsageTally {
  return sumTallies(
    records.map((r) => ({
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      costUsd: r.costUsd ?? 0,
      calls: r.cacheHit ? 0 : 1,
      unpricedModels: r.costUsd === null ? [r.modelId] : [],
      estimatedCalls: r.tokensEstimated ? 1 : 0,
    })),
  );
}

export function sumTallies(tallies: ReadonlyArray<UsageTally | undefined>): UsageTally {
  const sum: UsageTally = { ...EMPTY_TALLY, unpricedModels: [] };
  for (const t of tallies) {
    if (!t) continue;
    sum.inputTokens += t.inputTokens;
    sum.outputTokens += t.outputTokens;
    sum.costUsd += t.costUsd;
    sum.calls += t.calls;
    sum.estimatedCalls += t.estimatedCalls;
    for (const model of t.unpricedModels) if (!sum.unpricedModels.includes(model)) sum.unpricedModels.push(model);
  }
  return sum;
}
