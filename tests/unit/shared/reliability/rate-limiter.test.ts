import { RateLimiter } from '../../../../shared/reliability/rate-limiter';

describe('RateLimiter', () => {
  it('lets a burst through, then spaces requests at the configured rate', async () => {
    // Prepare
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
    // Act
    for (let i = 0; i < 6; i += 1) await limiter.acquire();
    // Assess: 2 from the burst, then 4 more at 2/s, each after half a second of simulated time.
    expect(clock).toBe(2000);
    expect(waits).toEqual([500, 500, 500, 500]);
  });

  it('rejects a non-positive rate', () => {
    // Act / Assess
    expect(() => new RateLimiter(0)).toThrow(RangeError);
  });
});
