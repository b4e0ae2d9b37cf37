import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AppConfig } from '../config/config';

/**
 * Options every AWS SDK client of the project is built with: explicit connect and request
 * timeouts, a bounded retry budget (SDK standard mode: exponential backoff with jitter on
 * throttling and 5xx), the configured region and an optional endpoint override (emulators,
 * S3-compatible stores, VPC endpoints).
 */
export interface AwsClientOptions {
  region: string;
  endpoint?: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  requestHandler: NodeHttpHandler;
}

export function awsClientOptions(config: AppConfig, endpoint?: string): AwsClientOptions {
  const region = config.aws.region;
  if (!region) throw new Error('AWS_REGION is required for AWS adapters');
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: config.aws.maxAttempts,
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: config.aws.connectTimeoutMs,
      requestTimeout: config.aws.requestTimeoutMs,
    }),
  };
}
