import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The Lambda invocation a piece of work belongs to. On Lambda one process serves one invocation at a
 * time; the local runtime serves many at once in one process, so anything that must know "which
 * function is running" (the IAM proof's call recorder, per-invocation log keys) asks this store
 * instead of process-wide state.
 */
export interface InvocationContext {
  /** The function's name as Lambda reports it (`<service>-<stage>-api-query` on AWS, `api-query` locally). */
  functionName: string;
  awsRequestId: string;
}

const storage = new AsyncLocalStorage<InvocationContext>();

export function runInInvocation<T>(context: InvocationContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentInvocation(): InvocationContext | undefined {
  return storage.getStore();
}
