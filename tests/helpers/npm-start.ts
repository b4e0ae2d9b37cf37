import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { eventually } from './http';
import { tempConfig } from './temp-config';

/**
 * The real `npm start` entry point (tsx local/main.ts under the repo's Node 22) in a fresh data folder, with the
 * sample corpus and logs at INFO, plus `env`; resolves once it listens. Output is collected for the test to read.
 */
export interface NpmStart {
  child: ChildProcess;
  url: string;
  output: { stdout: string; stderr: string };
  stop(): Promise<void>;
}

const repoRoot = path.resolve(__dirname, '../..');

export async function startNpmStart(env: Record<string, string> = {}): Promise<NpmStart> {
  const temp = await tempConfig();
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['local/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      RAG_DATA_DIR: temp.dir,
      RAG_SAMPLES: 'on',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      PATH: `${repoRoot}/node_modules/.bin:${process.env.PATH}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (data: Buffer) => {
    output.stdout += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    output.stderr += data.toString();
  });
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await temp.cleanup();
  };
  try {
    const url = await eventually(async () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stderr)?.[1], 'the service to listen', 90_000);
    return { child, url, output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
