import { QueryTimeoutError, ThrottlingError } from '../../../../shared/errors';
import { abortError, DEADLINE_MARGIN_MS, queryBudgetMs, startDeadline } from '../../../../shared/reliability/deadline';

describe('a query deadline', () => {
  it('is the configured bound, or what the invocation has left less a margin to answer in, never below 1 ms', () => {
    expect(queryBudgetMs(25_000, 30_000)).toBe(25_000);
    expect(queryBudgetMs(25_000, 10_000)).toBe(10_000 - DEADLINE_MARGIN_MS);
    expect(queryBudgetMs(25_000, 500)).toBe(1);
  });

  it('aborts its signal with a QueryTimeoutError that names the time, and not once cleared', async () => {
    const fired = startDeadline(20);
    const cleared = startDeadline(20);
    cleared.clear();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired.signal.aborted).toBe(true);
    expect(abortError(fired.signal)).toBeInstanceOf(QueryTimeoutError);
    expect(abortError(fired.signal).message).toBe('The query did not finish within 20 ms and was cancelled; try again');
    expect(abortError(fired.signal).status).toBe(503);
    expect(cleared.signal.aborted).toBe(false);
  });

  it('keeps a reason that is already one of ours, and calls any other a timeout', () => {
    const ours = new AbortController();
    ours.abort(new ThrottlingError('busy'));
    const foreign = new AbortController();
    foreign.abort(new Error('socket closed'));
    expect(abortError(ours.signal)).toBeInstanceOf(ThrottlingError);
    expect(abortError(foreign.signal)).toBeInstanceOf(QueryTimeoutError);
  });
});
