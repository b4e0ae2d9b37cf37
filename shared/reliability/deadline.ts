import { QueryTimeoutError, RagError } from '../errors';

/**
 * A request's deadline as an AbortSignal: the query path hands it to the orchestrator, which cancels the
 * execution when it fires (no state runs after it), and the caller answers 503 with the reason. The signal's
 * reason is the QueryTimeoutError to throw, so every layer reports the same message.
 */
export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer once the work has finished. */
  clear(): void;
}

/**
 * Kept back from a Lambda's remaining time: the handler answers 503 itself instead of the runtime killing the
 * invocation (API Gateway would then answer its own 5xx without our body).
 */
export const DEADLINE_MARGIN_MS = 1000;

/** The time a query may take: the configured bound, or less when the invocation has less left (never below 1 ms). */
export function queryBudgetMs(configuredMs: number, remainingMs: number): number {
  return Math.max(1, Math.min(configuredMs, remainingMs - DEADLINE_MARGIN_MS));
}

export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const within = ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
  const timer = setTimeout(() => controller.abort(new QueryTimeoutError(`The query did not finish within ${within} and was cancelled; try again`)), ms);
  timer.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** The error an aborted signal stands for: its own reason when that is one of ours, else a generic timeout. */
export function abortError(signal: AbortSignal): RagError {
  return signal.reason instanceof RagError ? signal.reason : new QueryTimeoutError('The query was cancelled before it finished');
}
