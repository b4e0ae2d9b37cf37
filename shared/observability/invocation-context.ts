import { AsyncLocalStorage } from 'node:async_hooks';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/**
 * The Lambda invocation a piece of work belongs to. On Lambda one process serves one invocation at a
 * time; the local runtime serves many at once in one process, so anything that must know "which
 * function is running" (the IAM proof's call recorder, per-invocation log keys) asks this store
 * instead of process-wide state.
 *
 * Powertools keeps its per-invocation state (the logger's Lambda context and appended keys such as the
 * correlation id, the metrics buffer and dimensions) in the Lambda runtime's InvokeStore when
 * AWS_LAMBDA_MAX_CONCURRENCY is set, as on Lambda Managed Instances where one environment serves several
 * invocations at once (@aws-lambda-powertools/commons InvocationScoped, 2.36.0). The local runtime is such
 * an environment: `enableConcurrentInvocations` makes it one, and `runInInvocation` then plays the runtime
 * interface client and gives each invocation its own InvokeStore context, so concurrent handlers no longer
 * log under each other's function name or correlation id.
 */
export interface InvocationContext {
  /** The function's name as Lambda reports it (`<service>-<stage>-api-query` on AWS, `api-query` locally). */
  functionName: string;
  awsRequestId: string;
}

const storage = new AsyncLocalStorage<InvocationContext>();

type RuntimeContext = Record<string | symbol, unknown>;

/**
 * The runtime's multi-concurrency store, as `InvokeStore.getInstanceAsync(true)` builds it (an
 * AsyncLocalStorage of contexts). Built here because that factory loads node:async_hooks with a dynamic
 * import, which jest's VM modules refuse; the behaviour is the library's InvokeStoreMulti, line for line.
 */
class ConcurrentInvokeStore extends InvokeStoreBase {
  private readonly als = new AsyncLocalStorage<RuntimeContext>();
  getContext(): RuntimeContext | undefined {
    return this.als.getStore();
  }
  hasContext(): boolean {
    return this.als.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.als.getStore()?.[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    const store = this.als.getStore();
    if (!store) throw new Error('No context available');
    store[key] = value;
  }
  run<T>(context: RuntimeContext, fn: () => T): T {
    return this.als.run(context, fn);
  }
}

/** Set once the process serves concurrent invocations (the local runtime); undefined on Lambda's one-at-a-time. */
let concurrentStore: InvokeStoreBase | undefined;

/**
 * Makes this process serve invocations concurrently with per-invocation Powertools state. Call before the
 * first invocation: the store is in place before AWS_LAMBDA_MAX_CONCURRENCY is set, since Powertools
 * refuses to run with the variable set and no store. Never called on Lambda, whose runtime owns both.
 */
export async function enableConcurrentInvocations(maxConcurrency = 1024): Promise<void> {
  if (concurrentStore) return;
  const runtime = (globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } }).awslambda ?? {};
  (globalThis as { awslambda?: unknown }).awslambda = runtime;
  runtime.InvokeStore ??= new ConcurrentInvokeStore();
  concurrentStore = runtime.InvokeStore;
  // The AWS SDK asks the library for the store on every request (recursion detection middleware). Asked
  // now, before the variable is set, the library caches the store above; asked after, it would first build
  // its own with that dynamic import.
  await InvokeStore.getInstanceAsync();
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= String(maxConcurrency);
}

export function runInInvocation<T>(context: InvocationContext, work: () => T): T {
  const scoped = () => storage.run(context, work);
  // A new runtime context unless this invocation already has one (the Lambda runtime made it); a Task
  // handler the local interpreter runs inside an API invocation is an invocation of its own.
  if (concurrentStore && concurrentStore.getRequestId() !== context.awsRequestId) {
    return concurrentStore.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, scoped);
  }
  return scoped();
}

export function currentInvocation(): InvocationContext | undefined {
  return storage.getStore();
}
