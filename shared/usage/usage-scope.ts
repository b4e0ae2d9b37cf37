import { AsyncLocalStorage } from 'node:async_hooks';
import type { UsageFeature } from '../contracts/usage';
import type { InvocationRecord } from './invocation-record';

/**
 * Who a model call is made for. A handler that leads to model calls runs its use-case inside
 * `withUsageScope` (the query Tasks from the state's tenant and request id, the stream route, the
 * embedding Task); every metered port call (shared/usage/metered.ts) inside it becomes one invocation
 * record of that scope. AsyncLocalStorage carries the scope through awaits, so concurrent requests of
 * the local runtime keep theirs apart.
 *
 * Inside one model call, `noteAttempt` counts the attempts and throttles the AWS SDK makes (one
 * middleware on every instrumented client, shared/aws/instrument.ts): retries happen below the port, so
 * this is where the record learns of them.
 */
export interface UsageContext {
  requestId: string;
  tenant: string;
  feature: UsageFeature;
  /** The prompt version the scope's generation uses (query features). */
  promptVersion?: string;
  /** Also emit the usage metrics with a `tenant` dimension (RAG_METRICS_TENANT_DIMENSION). */
  tenantMetrics?: boolean;
}

export interface UsageScope extends UsageContext {
  /** The scope's records in call order; the scope's owner flushes them (shared/usage/recorder.ts). */
  readonly records: InvocationRecord[];
}

const scopes = new AsyncLocalStorage<UsageScope>();
const calls = new AsyncLocalStorage<ModelCallCounters>();

/** Runs `work` with a fresh scope; returns what it returned and the scope (its records). */
export async function withUsageScope<T>(context: UsageContext, work: () => Promise<T>): Promise<{ result: T; scope: UsageScope }> {
  const scope: UsageScope = { ...context, records: [] };
  const result = await scopes.run(scope, work);
  return { result, scope };
}

export function currentUsageScope(): UsageScope | undefined {
  return scopes.getStore();
}

/** Attempts and throttles of one model call; `attempts` 0 means the call made no SDK request (an in-process model). */
export interface ModelCallCounters {
  attempts: number;
  throttles: number;
}

/** Runs (a step of) one model call so that the SDK attempts inside it count on `counters`. */
export function countAttempts<T>(counters: ModelCallCounters, work: () => Promise<T>): Promise<T> {
  return calls.run(counters, work);
}

/** Names AWS services give throttling (Bedrock: ThrottlingException, ServiceQuotaExceededException; generic 429). */
const THROTTLE_NAMES = new Set(['ThrottlingException', 'TooManyRequestsException', 'ServiceQuotaExceededException', 'ProvisionedThroughputExceededException']);

export function isThrottle(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return THROTTLE_NAMES.has(error.name) || status === 429;
}

/** One SDK attempt of the current model call ended, with `error` when it failed. Outside a model call: nothing. */
export function noteAttempt(error?: unknown): void {
  const counters = calls.getStore();
  if (!counters) return;
  counters.attempts += 1;
  if (error !== undefined && isThrottle(error)) counters.throttles += 1;
}
