import { realSleep } from './retry';

/**
 * Client-side token bucket: keeps calls to a quota-limited API (Bedrock embeddings start near
 * 5 requests/s on new accounts) under the configured rate instead of discovering it via 429s.
 * It counts requests, not tokens. Production passes only the rate: `burst` stays one second's worth,
 * and `now` and `sleep` are test seams (a fake clock).
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = Math.max(1, Math.ceil(ratePerSecond)),
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    this.tokens = burst;
    this.last = now();
  }

  /** Resolves when one request may be sent. Callers are served in arrival order. */
  acquire(): Promise<void> {
    const next = this.queue.then(() => this.take());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}
