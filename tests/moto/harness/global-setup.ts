import { type RunningMotoServer, startMotoServer } from './moto-server';
import { MOTO_ENDPOINT_VARIABLE } from './moto-env';

/**
 * One moto_server for the whole moto run (jest.moto.config.js), stopped by global-teardown.ts. Its
 * endpoint reaches the test files through the environment, which workers inherit. Suites share the
 * server and keep apart by unique resource names.
 */
export default async function startMotoForRun(): Promise<void> {
  const server = await startMotoServer();
  (globalThis as { motoServer?: RunningMotoServer }).motoServer = server;
  process.env[MOTO_ENDPOINT_VARIABLE] = server.endpoint;
}
