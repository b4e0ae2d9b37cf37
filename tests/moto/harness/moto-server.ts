import { type ChildProcess, spawn } from 'node:child_process';

/**
 * moto_server (moto 5.2.1 from the machine image's Python) on a free loopback port. `-p 0` lets the
 * OS pick the port, which werkzeug then prints as " * Running on http://127.0.0.1:PORT": no race
 * between choosing a port and binding it. One server answers every service; requests are routed by
 * the service name in the SigV4 credential scope, so any credentials work (moto checks no signature).
 */
export const MOTO_SERVER_COMMAND_VARIABLE = 'RAG_MOTO_SERVER';
const RUNNING_ON = /Running on (http:\/\/127\.0\.0\.1:\d+)/;
const START_TIMEOUT_MS = 30_000;

export interface RunningMotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

export function motoServerCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env[MOTO_SERVER_COMMAND_VARIABLE] || 'moto_server';
}

export async function startMotoServer(command: string = motoServerCommand()): Promise<RunningMotoServer> {
  const child = spawn(command, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    let settled = false;
    const settle = (error: Error | undefined, found?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill();
        reject(error);
      } else resolve(found as string);
    };
    const timer = setTimeout(
      () => settle(new Error(`${command} did not report its port within ${START_TIMEOUT_MS} ms: ${output.slice(-500)}`)),
      START_TIMEOUT_MS,
    );
    // Stays attached after the start: werkzeug logs every request, and the pipes must keep draining.
    const read = (data: Buffer): void => {
      if (settled) return;
      output += data.toString('utf8');
      const match = RUNNING_ON.exec(output);
      if (match?.[1]) settle(undefined, match[1]);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('error', (error) => settle(new Error(`${command} could not be started: ${error.message}`)));
    child.once('exit', (code) => settle(new Error(`${command} exited (${code}) before serving: ${output.slice(-500)}`)));
  });
  // Should Jest die without its global teardown, the server must not outlive it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await stopChild(child);
  };
  try {
    await waitUntilServing(endpoint);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

/** moto's own API answers once the app is loaded; the first service request would otherwise pay for it. */
async function waitUntilServing(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/data.json`);
  if (!response.ok) throw new Error(`moto_server at ${endpoint} answered ${response.status} on /moto-api/data.json`);
  await response.arrayBuffer();
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
