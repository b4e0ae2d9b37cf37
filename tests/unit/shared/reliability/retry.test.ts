import { fullJitterDelay, withRetry } from '../../../../shared/reliability/retry';
import { RateLimiter } from '../../../../shared/reliability/rate-limiter';

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
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw throttle();
      return 'ok';
    }, policy(sleeps));
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up after maxAttempts and rethrows the last error', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw throttle();
      }, policy(sleeps)),
    ).rejects.toThrow('slow down');
    expect(calls).toBe(4);
  });

  it('does not retry errors that are not retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw new Error('bad input');
      }, policy([])),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('caps the full-jitter ceiling at maxDelay', () => {
    expect(fullJitterDelay(10, 100, 1000, () => 0.999)).toBeLessThan(1000);
    expect(fullJitterDelay(1, 100, 1000, () => 0)).toBe(0);
  });
});

describe('RateLimiter', () => {
  it('lets a burst through, then spaces requests at the configured rate', async () => {
    let clock = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      2,
      2,
      () => clock,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );
    for (let i = 0; i < 6; i += 1) await limiter.acquire();
    // 2 from the burst, then 4 more at 2/s: 2 seconds of simulated time.
    expect(clock).toBe(2000);
    expect(waits.every((w) => w === 500)).toBe(true);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
  });
});
