import { fullJitterDelay, withRetry } from '../../../../shared/reliability/retry';

describe('withRetry', () => {
  const policy = (sleeps: number[]) => ({
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    isRetryable: (e: unknown) => e instanceof Error && e.name === 'ThrottlingError',
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
  const throttle = () => Object.assign(new Error('slow down'), { name: 'ThrottlingError' });

  it('retries retryable errors with growing jittered delays, then succeeds', async () => {
    // Prepare
    const sleeps: number[] = [];
    let calls = 0;
    // Act
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw throttle();
      return 'ok';
    }, policy(sleeps));
    // Assess
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up after maxAttempts and rethrows the last error', async () => {
    // Prepare
    const sleeps: number[] = [];
    let calls = 0;
    // Act
    const outcome = withRetry(async () => {
      calls += 1;
      throw throttle();
    }, policy(sleeps));
    // Assess
    await expect(outcome).rejects.toThrow('slow down');
    expect(calls).toBe(4);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('does not retry errors that are not retryable', async () => {
    // Prepare
    let calls = 0;
    // Act
    const outcome = withRetry(async () => {
      calls += 1;
      throw new Error('bad input');
    }, policy([]));
    // Assess
    await expect(outcome).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('caps the full-jitter ceiling at maxDelay', () => {
    // Act / Assess
    expect(fullJitterDelay(10, 100, 1000, () => 0.999)).toBeLessThan(1000);
    expect(fullJitterDelay(1, 100, 1000, () => 0)).toBe(0);
  });
});
