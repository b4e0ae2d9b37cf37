/**
 * The one retry policy of the project: bounded attempts, exponential backoff with full jitter
 * (AWS Architecture Blog, "Exponential Backoff And Jitter": sleep = random(0, min(cap, base * 2^attempt))).
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Decides whether an error is worth another attempt (throttling, 5xx, timeouts). */
  isRetryable: (error: unknown) => boolean;
  /** Defaults to a real timer; the smoke run passes its own so its tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Test seam (production leaves Math.random): a fixed jitter makes the delays assertable. */
  random?: () => number;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function fullJitterDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  let attempt = 0;
  for (;;) {
    try {
      return await operation(attempt);
    } catch (error) {
      attempt += 1;
      if (attempt >= policy.maxAttempts || !policy.isRetryable(error)) throw error;
      const delay = fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, policy.random);
      await sleep(delay);
    }
  }
}
