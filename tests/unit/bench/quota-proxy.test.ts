import { QuotaProxy } from '../../../bench/quota-proxy';

describe('QuotaProxy admission', () => {
  it('admits one second of burst, then the quota rate, and counts what it refused', () => {
    // Prepare: 120 requests/min = 2/s, burst 2; a fake clock in ms.
    let now = 0;
    const proxy = new QuotaProxy('http://127.0.0.1:1', 120, () => now);
    // Act: 3 at t=0, 1 at t=250 ms (half a token), 1 at t=500 ms (one token back)
    const atZero = [proxy.admit(), proxy.admit(), proxy.admit()];
    now = 250;
    const atQuarter = proxy.admit();
    now = 500;
    const atHalf = proxy.admit();
    // Assess
    expect(atZero).toEqual([true, true, false]);
    expect(atQuarter).toBe(false);
    expect(atHalf).toBe(true);
    expect(proxy.stats).toEqual({ accepted: 3, throttled: 2, firstAcceptedAt: 0, lastAcceptedAt: 500 });
  });

  it('never admits more than the quota over a long run', () => {
    let now = 0;
    const proxy = new QuotaProxy('http://127.0.0.1:1', 600, () => now);
    // Ask every 10 ms for 60 s: 6,000 attempts against 10/s.
    for (; now <= 60_000; now += 10) proxy.admit();
    // 10 of burst + 10/s for 60 s
    expect(proxy.stats.accepted).toBeLessThanOrEqual(610);
    expect(proxy.stats.accepted).toBeGreaterThanOrEqual(600);
  });

  it('rejects a non-positive quota', () => {
    expect(() => new QuotaProxy('http://127.0.0.1:1', 0)).toThrow(RangeError);
  });
});
