import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { sendJson, startTestServer } from './test-server';

/** The thin scripts as `npm run` starts them (tsx): argv, environment, streams and the process exit code are wired. */
const root = path.resolve(__dirname, '../../../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [path.join(root, 'scripts', script), ...args], { cwd: root, env: { ...process.env, RAG_TOKEN: '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('scripts/ingest.ts, docs.ts, ask.ts', () => {
  it.each(['ingest', 'docs', 'ask'])('%s.ts prints its usage with --help (exit 0) and exits 2 on an unknown flag', async (name) => {
    const help = await run(`${name}.ts`, ['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain(`Usage: npm run ${name} --`);

    const bad = await run(`${name}.ts`, ['--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--frobnicate'");
  });

  it('docs.ts reaches the service on PORT with RAG_TOKEN, and its exit code is the process exit code', async () => {
    const server = await startTestServer((request, response) =>
      request.headers.authorization === 'Bearer from-env' ? sendJson(response, 200, { documents: [] }) : sendJson(response, 401, {}),
    );
    try {
      const port = new URL(server.url).port;
      expect(await run('docs.ts', ['list'], { PORT: port, RAG_TOKEN: 'from-env' })).toEqual({ code: 0, stdout: 'no documents\n', stderr: '' });
      expect((await run('docs.ts', ['list'], { PORT: port, RAG_TOKEN: 'wrong' })).code).toBe(4);
    } finally {
      await server.close();
    }
  });
});
