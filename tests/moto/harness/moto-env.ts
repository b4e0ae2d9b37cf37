import { type AwsClientOptions, awsClientOptions } from '../../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../../shared/config/config';

/**
 * What the moto suites share: the endpoint global-setup.ts started, an explicit region and fake keys
 * (moto accepts any and checks no signature), and unique resource names, since all suites of a run
 * share one server.
 */
export const MOTO_ENDPOINT_VARIABLE = 'RAG_MOTO_ENDPOINT';
export const MOTO_REGION = 'us-east-1';
/** moto's default account (moto/core/models.py DEFAULT_ACCOUNT_ID): it appears in every ARN moto builds. */
export const MOTO_ACCOUNT = '123456789012';
export const MOTO_CREDENTIALS = { accessKeyId: 'moto-test', secretAccessKey: 'moto-test' } as const;

export function motoEndpoint(): string {
  const endpoint = process.env[MOTO_ENDPOINT_VARIABLE];
  if (!endpoint) {
    throw new Error(
      `${MOTO_ENDPOINT_VARIABLE} is not set: run the moto suites with \`npm run test:moto\` (jest -c jest.moto.config.js), whose global setup starts moto_server`,
    );
  }
  return endpoint;
}

/** The project's config for the moto region, with the given variables on top. */
export function motoConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({ AWS_REGION: MOTO_REGION, ...env });
}

/** The production client options (timeouts, retries, region) pointed at moto, with explicit fake credentials. */
export function motoClientOptions(config: AppConfig = motoConfig()): AwsClientOptions & { credentials: typeof MOTO_CREDENTIALS } {
  return { ...awsClientOptions(config, motoEndpoint()), credentials: MOTO_CREDENTIALS };
}

let counter = 0;
const runId = Date.now().toString(36);

/** A lower-case name no other suite of this run uses (valid for S3 buckets, indexes, queues and rules). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${runId}-${process.pid}-${counter}`;
}
