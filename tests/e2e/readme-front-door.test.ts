import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type DocumentListing, eventually, request } from '../helpers/http';
import { tempConfig } from '../helpers/temp-config';

/**
 * The README's first screen, run as written: `npm start` (not a test double of it), then every command of
 * the "in another terminal" block through bash, word for word, from the repository root. `npm ci` and
 * `npm test` are what `.ci/run` itself runs. The commands name localhost:3000, so the service takes port
 * 3000 as the README says; the test fails with a clear message when something else holds it.
 */
const repoRoot = path.resolve(__dirname, '../..');
const run = promisify(execFile);

/** The fenced bash blocks of the README's quick start: the first names npm start, the second the curl commands. */
function quickStartBlocks(readme: string): string[][] {
  const start = readme.indexOf('## Quick start');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? '')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0),
  );
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('the README front door, as written', () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const [setup = [], commands = []] = quickStartBlocks(readme);
  let child: ChildProcess | undefined;
  let cleanup: () => Promise<void> = async () => undefined;
  let stderr = '';

  it('names npm ci, npm start and npm test, and curl commands to try', () => {
    expect(setup.map((line) => line.split('#')[0]?.trim())).toEqual(['npm ci', 'npm start', 'npm test']);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    expect(commands.every((c) => c.startsWith('curl '))).toBe(true);
  });

  describe('with npm start serving', () => {
    beforeAll(async () => {
      if (!(await portIsFree(3000))) throw new Error('Port 3000 is taken: the README commands name localhost:3000; stop whatever serves it and run again');
      const temp = await tempConfig();
      cleanup = temp.cleanup;
      const { PORT: _port, HOST: _host, RAG_API_KEYS: _keys, ...env } = process.env;
      child = spawn('npm', ['start'], {
        cwd: repoRoot,
        env: { ...env, RAG_DATA_DIR: temp.dir },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      child.stderr?.on('data', (data: Buffer) => {
        stderr += data.toString();
      });
      await eventually(async () => (/listening on http:\/\/127\.0\.0\.1:3000/.test(stderr) ? true : undefined), 'npm start to listen on 3000', 90_000);
      // The sample corpus is what the README's questions are about.
      await eventually(
        async () => {
          const res = await request<DocumentListing>('http://127.0.0.1:3000/documents');
          return res.body.documents.length === 5 && res.body.documents.every((d) => d.status === 'INDEXED') ? true : undefined;
        },
        'the samples to be indexed',
        90_000,
      );
    }, 200_000);

    afterAll(async () => {
      // npm start runs tsx under npm: stop the whole process group.
      if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      await cleanup();
    });

    it('prints the development token the commands use', () => {
      expect(stderr).toContain('Development token: dev');
    });

    it('answers every command of the quick start word for word, none with an error', async () => {
      const outcomes: { command: string; ok: boolean; output: string }[] = [];
      for (const command of commands) {
        const { stdout } = await run('bash', ['-c', command], { cwd: repoRoot, timeout: 60_000, maxBuffer: 10 * 1024 * 1024 });
        // Every command's output is JSON, or the SSE stream of an answer; none is an error body.
        const ok = stdout.startsWith('event: ') ? /event: done/.test(stdout) && !/event: error/.test(stdout) : !('error' in (JSON.parse(stdout) as object));
        outcomes.push({ command: command.slice(0, 80), ok, output: stdout.slice(0, 200) });
      }
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
      const answer = outcomes.find((o) => o.command.includes('/query -H'))?.output ?? '';
      expect(answer).toContain('"answer"');
    }, 120_000);
  });
});
