import { ConfiguredRetryStrategy } from '@smithy/core/retry';

/**
 * Shared set-up for wire tests of AWS adapters: fake static credentials through the environment
 * (restored afterwards) and a retry strategy with the configured attempts but 1 ms delays, so fault
 * tests exercise the SDK's real retry decisions without waiting for real backoff.
 */
const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** Call at the top of a describe block: registers beforeAll/afterAll hooks. */
export function useFakeAwsCredentials(credentials: { accessKeyId: string; secretAccessKey: string } = { accessKeyId: 'test', secretAccessKey: 'test' }): void {
  const saved: Partial<Record<(typeof CREDENTIAL_VARS)[number], string>> = {};
  beforeAll(() => {
    for (const name of CREDENTIAL_VARS) saved[name] = process.env[name];
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
  });
  afterAll(() => {
    for (const name of CREDENTIAL_VARS) {
      const value = saved[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

export function fastRetries(maxAttempts: number): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(maxAttempts, () => 1);
}
