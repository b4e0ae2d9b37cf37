import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { runSmokeCli, type SmokeCliIo } from '../../scripts/smoke/cli';
import type { SmokeReport } from '../../scripts/smoke/run-smoke';
import { type DocumentListing, request } from '../helpers/http';
import { tempConfig } from '../helpers/temp-config';

/**
 * The post-deploy smoke test against the local service over real HTTP: the same module the
 * `npm run smoke` CLI runs, upload -> INDEXED -> query with citation -> delete -> gone, next to
 * other indexed documents so the citation check has something to get wrong.
 */
const repoRoot = path.resolve(__dirname, '../..');
const fixtures = path.resolve(__dirname, '../fixtures/documents');
const others = ['library-hours.txt', 'observatory.md', 'bakery.html'];
const fast = ['--poll', '100', '--index-timeout', '60', '--delete-timeout', '60'];

function captureIo(runId: string): { io: SmokeCliIo; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      runId,
      stdout: (text) => {
        out.stdout += text;
      },
      stderr: (text) => {
        out.stderr += text;
      },
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm run smoke against the local service', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  let documentsDir: string;

  const listDocuments = async () => (await request<DocumentListing>(`${runtime.url}/documents`)).body.documents;

  beforeAll(async () => {
    const temp = await tempConfig();
    cleanup = temp.cleanup;
    documentsDir = temp.config.local.documentsDir;
    await mkdir(path.join(documentsDir, 'default', 'fixtures'), { recursive: true });
    for (const file of others) await copyFile(path.join(fixtures, file), path.join(documentsDir, 'default', 'fixtures', file));
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0 });
    await runtime.settle();
  });

  afterAll(async () => {
    await runtime?.stop();
    await cleanup?.();
  });

  it('passes end to end, cites the upload among other documents, and leaves nothing behind', async () => {
    // Prepare
    const before = await listDocuments();
    expect(before.map((d) => d.status)).toEqual(others.map(() => 'INDEXED'));
    const { io, out } = captureIo('20261130t120000z-e2e001');

    // Act
    const code = await runSmokeCli(['--url', runtime.url, '--json', ...fast], {}, io);

    // Assess
    const report = JSON.parse(out.stdout) as SmokeReport;
    expect({ code, failure: report.failure }).toEqual({ code: 0, failure: undefined });
    expect(report.document?.key).toBe('default/smoke/20261130t120000z-e2e001.md');
    expect(report.document?.chunkCount).toBeGreaterThan(0);
    expect(report.query).toMatchObject({ citesUpload: true, answerStatesFact: true, model: 'local-extractive-v1', guardrailBlocked: false });
    for (const timing of [report.timings.uploadToIndexedMs, report.timings.queryLatencyMs, report.timings.deleteToGoneMs]) {
      expect(timing).toBeGreaterThanOrEqual(0);
      expect(timing).toBeLessThan(60_000);
    }
    expect(out.stderr).toContain('[smoke] status INDEXED');
    await runtime.settle();
    expect((await listDocuments()).map((d) => d.key).sort()).toEqual(before.map((d) => d.key).sort());
    expect(await readdir(path.join(documentsDir, 'default', 'smoke')).catch(() => [])).toEqual([]);
  });

  it('runs as the thin CLI script (tsx scripts/smoke.ts) and prints the table and the JSON', async () => {
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['scripts/smoke.ts', '--url', runtime.url, ...fast], {
      cwd: repoRoot,
      env: { ...process.env, PATH: `${repoRoot}/node_modules/.bin:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Smoke test PASSED against http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/\| upload -> indexed \| INDEXED, \d+ chunk\(s\)/);
    expect(stdout).toMatch(/\| query +\| cites the upload/);
    const json = JSON.parse(stdout.slice(stdout.indexOf('\n{') + 1)) as SmokeReport;
    expect(json.passed).toBe(true);
  }, 90_000);

  it('exits 3 when nothing listens at the URL', async () => {
    const { io, out } = captureIo('20261130t120000z-e2e002');

    const code = await runSmokeCli(['--url', `http://127.0.0.1:${await closedPort()}`, '--json'], {}, io);

    expect(code).toBe(3);
    expect(JSON.parse(out.stdout)).toMatchObject({ failure: { step: 'health', error: 'SmokeEndpointError', message: expect.stringMatching(/ECONNREFUSED/) } });
  });
});
