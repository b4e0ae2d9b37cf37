import type { Pluggable } from '@smithy/types';
import { tracer } from '../observability/telemetry';

/**
 * Every AWS SDK client of the project passes through `instrumentAwsClient` once, where it is built:
 * the tracer captures it (one X-Ray subsegment per call on Lambda; inert elsewhere), and plugins
 * registered by the process are applied. The IAM proof of the emulated end-to-end suites registers a
 * plugin here to record each call and judge it against the calling function's role; production
 * registers none.
 */
// A plugin applies to every client whatever its commands' input and output shapes.
// biome-ignore lint/suspicious/noExplicitAny: the middleware stacks of different clients share no narrower type.
export type AwsClientPlugin = Pluggable<any, any>;

interface PluggableClient {
  middlewareStack: { use(plugin: AwsClientPlugin): void };
}

const plugins = new Set<AwsClientPlugin>();

/** Told of every attempt of every AWS call (the SDK's own retries included), with the error of a failed one. */
export type AwsAttemptListener = (error?: unknown) => void;
const attemptListeners = new Set<AwsAttemptListener>();

/**
 * Listens to every attempt of every instrumented client (the usage records count attempts and throttles
 * this way: shared/usage/metered.ts); returns a function that stops listening.
 */
export function onAwsAttempt(listener: AwsAttemptListener): () => void {
  attemptListeners.add(listener);
  return () => {
    attemptListeners.delete(listener);
  };
}

const notifyAttempt = (error?: unknown): void => {
  for (const listener of attemptListeners) listener(error);
};

/**
 * Runs once per attempt: the SDK's retry middleware sits in the finalizeRequest step at high priority and calls
 * the rest of the stack once per attempt, so a low-priority middleware of the same step sees each attempt and
 * its deserialized error.
 */
const attemptCounter: AwsClientPlugin = {
  applyToStack(stack) {
    stack.add(
      (next) => async (args) => {
        try {
          const output = await next(args);
          notifyAttempt();
          return output;
        } catch (error) {
          notifyAttempt(error);
          throw error;
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'ragAttemptCounter', override: true },
    );
  },
};

/** Applies `plugin` to every client instrumented from now on; returns a function that stops that. */
export function addAwsClientPlugin(plugin: AwsClientPlugin): () => void {
  plugins.add(plugin);
  return () => {
    plugins.delete(plugin);
  };
}

export function instrumentAwsClient<T extends PluggableClient>(client: T): T {
  client.middlewareStack.use(attemptCounter);
  for (const plugin of plugins) client.middlewareStack.use(plugin);
  tracer.captureAWSv3Client(client);
  return client;
}
