import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { awsClientOptions } from '../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../shared/config/config';
import { BedrockRuntimeEmulator } from './bedrock-runtime-emulator';

/**
 * Shared set-up for wire tests of the Bedrock Runtime adapters: an emulator on a free loopback port,
 * fake static credentials through the environment (restored afterwards), configuration built by the
 * real `loadConfig`, and SDK clients whose retry delays are 1 ms so fault tests stay fast.
 */
export interface BedrockRuntimeTestKit {
  emulator: BedrockRuntimeEmulator;
  endpoint: string;
  config(env?: Record<string, string>): AppConfig;
  /** A real SDK client with the project's options, pointed at the emulator, with tiny retry delays. */
  client(config: AppConfig): BedrockRuntimeClient;
}

const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** Call at the top of a describe block: registers beforeAll/afterAll/beforeEach hooks. */
export function useBedrockRuntimeEmulator(): BedrockRuntimeTestKit {
  const emulator = new BedrockRuntimeEmulator();
  const saved: Partial<Record<(typeof CREDENTIAL_VARS)[number], string>> = {};
  const kit: BedrockRuntimeTestKit = {
    emulator,
    endpoint: '',
    config: (env = {}) =>
      loadConfig({
        AWS_REGION: 'us-east-1',
        RAG_BEDROCK_ENDPOINT: kit.endpoint,
        RAG_AWS_MAX_ATTEMPTS: '2',
        RAG_AWS_CONNECT_TIMEOUT_MS: '1000',
        RAG_AWS_REQUEST_TIMEOUT_MS: '5000',
        ...env,
      }),
    client: (config) =>
      new BedrockRuntimeClient({
        ...awsClientOptions(config, config.aws.bedrockEndpoint),
        retryStrategy: new ConfiguredRetryStrategy(config.aws.maxAttempts, () => 1),
      }),
  };
  beforeAll(async () => {
    for (const name of CREDENTIAL_VARS) saved[name] = process.env[name];
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    delete process.env.AWS_SESSION_TOKEN;
    kit.endpoint = await emulator.start();
  });
  afterAll(async () => {
    await emulator.stop();
    for (const name of CREDENTIAL_VARS) {
      const value = saved[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  beforeEach(() => emulator.reset());
  return kit;
}
