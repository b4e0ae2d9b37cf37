import type { ValidatedQuery } from '../../shared/pipeline/query';
import type { UsageRecorder } from '../../shared/usage/recorder';
import { type UsageTally, tallyOf } from '../../shared/usage/tally';
import { currentUsageScope } from '../../shared/usage/usage-scope';

/**
 * Runs a query Task's use-case in the request's usage scope and adds what its model calls spent to its
 * output (`spent`), for ResolveCitations to sum into the response: the records are stored when the Task
 * ends (on AWS each Task is its own invocation, so nothing else carries them).
 */
export async function withSpend<T extends object>(
  usage: UsageRecorder,
  state: { query: Pick<ValidatedQuery, 'requestId' | 'tenant' | 'promptVersion'>; stream?: boolean | undefined },
  work: () => Promise<T>,
): Promise<T & { spent: UsageTally }> {
  const { requestId, tenant, promptVersion } = state.query;
  return usage.run({ requestId, tenant, feature: state.stream ? 'stream' : 'query', promptVersion }, async () => {
    const output = await work();
    return { ...output, spent: tallyOf(currentUsageScope()?.records ?? []) };
  });
}
