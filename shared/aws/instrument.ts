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

/** Applies `plugin` to every client instrumented from now on; returns a function that stops that. */
export function addAwsClientPlugin(plugin: AwsClientPlugin): () => void {
  plugins.add(plugin);
  return () => {
    plugins.delete(plugin);
  };
}

export function instrumentAwsClient<T extends PluggableClient>(client: T): T {
  for (const plugin of plugins) client.middlewareStack.use(plugin);
  tracer.captureAWSv3Client(client);
  return client;
}
