import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runSmokeCli, type SmokeCliIo } from '../../../../scripts/smoke/cli';
import { SmokeEndpointError } from '../../../../scripts/smoke/errors';
import type { SmokeMethod } from '../../../../scripts/smoke/smoke-http';
import type { SmokeReport } from '../../../../scripts/smoke/run-smoke';
import { FakeService } from './fake-service';

/** The fake service behind a fetch, so the CLI runs its real HTTP client against it. */
function fetchOver(service: FakeService, seen: { url: string; authorization?: string }[] = []): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    const headers = init.headers as Record<string, string>;
    seen.push({ url, ...(headers.authorization ? { authorization: headers.authorization } : {}) });
    const { pathname } = new URL(url);
    const body = typeof init.body === 'string' ? { contentType: headers['content-type'] ?? '', data: init.body } : undefined;
    const answer = await service.request(init.method as SmokeMethod, pathname, body);
    return new Response(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body), { status: answer.status });
  }) as unknown as typeof fetch;
}

function io(extra: Partial<SmokeCliIo> = {}) {
  const out = { stdout: '', stderr: '' };
  const value: SmokeCliIo = {
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    runId: '20261130t120000z-c0ffee',
    ...extra,
  };
  return { io: value, out };
}

describe('runSmokeCli', () => {
  it('exits 2 with the reason and the usage on bad arguments, and 0 with the usage on --help', async () => {
    const bad = io();
    expect(await runSmokeCli(['--stage', 'prod'], {}, bad.io)).toBe(2);
    expect(bad.out.stderr).toMatch(/bearer token[\s\S]*Usage: npm run smoke/);
    expect(bad.out.stdout).toBe('');

    const help = io();
    expect(await runSmokeCli(['--help'], {}, help.io)).toBe(0);
    expect(help.out.stdout).toMatch(/Exit codes: 0 passed/);
  });

  it('resolves the stack URL, sends the token as a bearer token and runs every step against it', async () => {
    // Prepare
    const service = new FakeService();
    const seen: { url: string; authorization?: string }[] = [];
    const targets: unknown[] = [];
    const { io: cliIo, out } = io({
      resolveStackUrl: async (target) => {
        targets.push(target);
        return 'https://abc123.execute-api.eu-west-1.amazonaws.com';
      },
      fetch: fetchOver(service, seen),
      deps: { now: service.now, sleep: service.sleep },
    });

    // Act
    const code = await runSmokeCli(['--stage', 'prod', '--region', 'eu-west-1', '--json'], { RAG_SMOKE_TOKEN: 'jwt-123' }, cliIo);

    // Assess
    expect(code).toBe(0);
    expect(targets).toEqual([{ kind: 'stack', stage: 'prod', stackName: 'serverless-rag-prod', region: 'eu-west-1' }]);
    expect(seen.every((s) => s.url.startsWith('https://abc123.execute-api.eu-west-1.amazonaws.com/'))).toBe(true);
    expect(seen.filter((s) => !s.url.endsWith('/health')).every((s) => s.authorization === 'Bearer jwt-123')).toBe(true);
    const report = JSON.parse(out.stdout) as SmokeReport;
    expect(report).toMatchObject({ passed: true, exitCode: 0, target: 'https://abc123.execute-api.eu-west-1.amazonaws.com', runId: '20261130t120000z-c0ffee' });
    expect(report.document?.key).toBe('acme/smoke/20261130t120000z-c0ffee.md');
    expect(out.stderr).toContain('[smoke] uploaded acme/smoke/20261130t120000z-c0ffee.md');
  });

  it('prints the table then the JSON, and writes the report file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'smoke-cli-'));
    try {
      const service = new FakeService({ failure: { error: 'ExtractionError', reason: 'broken file' } });
      const { io: cliIo, out } = io({ fetch: fetchOver(service), deps: { now: service.now, sleep: service.sleep } });
      const file = path.join(dir, 'nested', 'smoke.json');

      const code = await runSmokeCli(['--url', 'http://127.0.0.1:3000', '--report', file], {}, cliIo);

      expect(code).toBe(6);
      expect(out.stdout).toMatch(/^Smoke test FAILED at index \(exit 6\) against http:\/\/127\.0\.0\.1:3000/);
      expect(out.stdout).toContain('SmokeIngestionFailedError: Ingestion failed: ExtractionError: broken file');
      expect(out.stdout).toMatch(/\| upload -> indexed \| -/);
      const written = JSON.parse(await readFile(file, 'utf8')) as SmokeReport;
      expect(written).toMatchObject({ passed: false, exitCode: 6, cleanup: 'deleted', failure: { step: 'index' } });
      expect(out.stdout.endsWith(`${JSON.stringify(written, null, 2)}\n`)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 3 with a report naming the stack when its URL cannot be read', async () => {
    const fetchCalls: unknown[] = [];
    const { io: cliIo, out } = io({
      resolveStackUrl: async () => {
        throw new SmokeEndpointError('Cannot read stack serverless-rag-qa: ValidationError: Stack with id serverless-rag-qa does not exist', 'resolve');
      },
      fetch: (async (...args: unknown[]) => {
        fetchCalls.push(args);
        throw new Error('must not be called');
      }) as unknown as typeof fetch,
    });

    const code = await runSmokeCli(['--stage', 'qa', '--json'], { RAG_SMOKE_TOKEN: 't', AWS_REGION: 'eu-west-1' }, cliIo);

    expect(code).toBe(3);
    expect(fetchCalls).toEqual([]);
    expect(JSON.parse(out.stdout)).toMatchObject({
      passed: false,
      exitCode: 3,
      target: 'stack serverless-rag-qa (eu-west-1)',
      failure: { step: 'resolve', error: 'SmokeEndpointError', message: expect.stringMatching(/does not exist/) },
    });
  });
});
