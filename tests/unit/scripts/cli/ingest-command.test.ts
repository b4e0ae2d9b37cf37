import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runIngestCli } from '../../../../scripts/cli/ingest-command';
import { documentIdFor } from '../../../../shared/documents/identity';
import { captureIo, type SeenRequest, sendError, sendJson, startTestServer, type TestServer, unreachableUrl } from './test-server';

/**
 * An in-test documents API with the service's routes and bodies (functions/api/documents.ts): each
 * uploaded path behaves as told, the manifest moving PENDING → INDEXED | FAILED as the CLI polls.
 */
type Behaviour = 'index' | 'unchanged' | 'fail' | 'too-large' | 'refuse' | 'stuck' | 'glitchy';

const TENANT = 'acme';
const LONG_AGO = '2026-01-01T00:00:00.000Z';

function documentsService(behaviours: Record<string, Behaviour>, upload?: (request: SeenRequest) => { status: number; retryAfter?: string } | undefined) {
  const documents = new Map<string, { key: string; behaviour: Behaviour; polls: number }>();
  return (request: SeenRequest, response: import('node:http').ServerResponse) => {
    const url = new URL(request.url, 'http://x');
    if (request.method === 'PUT' && url.pathname.startsWith('/documents/content/')) {
      const override = upload?.(request);
      if (override) return sendError(response, override.status, 'Refused', 'not now', override.retryAfter ? { 'retry-after': override.retryAfter } : {});
      const relative = decodeURIComponent(url.pathname.slice('/documents/content/'.length));
      const behaviour = behaviours[relative] ?? 'index';
      if (behaviour === 'too-large') {
        return sendError(
          response,
          413,
          'PayloadTooLargeError',
          `Upload is ${request.body.length} bytes, above the limit of 100; put larger files into the documents bucket directly`,
        );
      }
      if (behaviour === 'refuse') return sendError(response, 400, 'ValidationError', 'This file name is never indexed');
      const key = `${TENANT}/${relative}`;
      const documentId = documentIdFor(TENANT, key);
      documents.set(documentId, { key, behaviour, polls: 0 });
      return sendJson(response, 202, { documentId, key, status: 'PENDING', bytes: request.body.length, execution: 'exec-1' });
    }
    const match = /^\/documents\/([0-9a-f]{32})$/.exec(url.pathname);
    const document = match ? documents.get(match[1] as string) : undefined;
    if (request.method === 'GET' && match && document) {
      document.polls += 1;
      const view = { documentId: match[1], key: document.key, chunkCount: 0, attempts: 1, updatedAt: new Date().toISOString() };
      if (document.behaviour === 'glitchy' && document.polls === 1) return sendError(response, 503, 'ServiceUnavailableError', 'busy', { 'retry-after': '1' });
      if (document.behaviour === 'glitchy' && document.polls === 2) return sendError(response, 404, 'NotFoundError', 'No such document');
      if (document.behaviour === 'unchanged') return sendJson(response, 200, { ...view, status: 'INDEXED', chunkCount: 4, indexedAt: LONG_AGO });
      if (document.behaviour === 'stuck' || document.polls < 2) return sendJson(response, 200, { ...view, status: 'PENDING' });
      if (document.behaviour === 'fail') {
        return sendJson(response, 200, {
          ...view,
          status: 'FAILED',
          failure: { error: 'UnsupportedDocumentError', reason: 'Unsupported format .xyz', at: LONG_AGO },
        });
      }
      return sendJson(response, 200, { ...view, status: 'INDEXED', chunkCount: 3, indexedAt: new Date().toISOString() });
    }
    return sendError(response, 404, 'NotFoundError', 'No such document');
  };
}

describe('npm run ingest', () => {
  let dir: string;
  let server: TestServer | undefined;
  const fast = ['--poll', '0.01'];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ingest-cli-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function files(contents: Record<string, string | Buffer>): Promise<void> {
    for (const [name, content] of Object.entries(contents)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
  }

  const uploads = () => (server?.requests ?? []).filter((r) => r.method === 'PUT');
  const polls = () => (server?.requests ?? []).filter((r) => r.method === 'GET');

  it('with --wait, shows each document going PENDING → INDEXED / FAILED and ends with a table; exit 5 when some failed', async () => {
    // Prepare
    await files({ 'docs/a.md': '# A', 'docs/b.md': '# B', 'docs/c.xyz': 'x', 'docs/big.pdf': '%PDF-1.7 big', 'docs/.DS_Store': 'junk' });
    server = await startTestServer(documentsService({ 'b.md': 'unchanged', 'c.xyz': 'fail', 'big.pdf': 'too-large' }));
    const { io, out } = captureIo();

    // Act
    const code = await runIngestCli(['docs', '--wait', ...fast, '--url', server.url], {}, { ...io, cwd: dir });

    // Assess
    expect(code).toBe(5);
    const idOf = (name: string) => documentIdFor(TENANT, `${TENANT}/${name}`);
    // Off a terminal, every change of state is its own line.
    expect(out.stdout).toContain('UPLOADING  a.md\nPENDING    a.md\n');
    expect(out.stdout).toContain('INDEXED    a.md  3 chunks\n');
    expect(out.stdout).toContain('UNCHANGED  b.md  4 chunks\n');
    expect(out.stdout).toContain('FAILED     c.xyz  UnsupportedDocumentError: Unsupported format .xyz\n');
    const table = out.stdout.slice(out.stdout.indexOf('result '));
    expect(table.split('\n').slice(0, 5)).toEqual([
      expect.stringMatching(/^result +path +document +chunks +detail$/),
      expect.stringMatching(new RegExp(`^indexed +a\\.md +${idOf('a.md')} +3$`)),
      expect.stringMatching(new RegExp(`^unchanged +b\\.md +${idOf('b.md')} +4$`)),
      expect.stringMatching(
        /^too large +big\.pdf +- +- +Upload is 12 bytes, above the limit of 100; put larger files .* \(this local service reads it from RAG_DOCUMENTS_DIR\/acme\/big\.pdf\)$/,
      ),
      expect.stringMatching(new RegExp(`^failed +c\\.xyz +${idOf('c.xyz')} +- +UnsupportedDocumentError: Unsupported format \\.xyz$`)),
    ]);
    expect(out.stdout).toContain(
      '1 indexed, 1 unchanged, 1 too large, 1 failed, 1 skipped (hidden, temporary or .metadata.json) of 4 files\n' +
        'once fixed, re-run the failed ones: npm run docs -- redrive --status FAILED\n',
    );
    expect(uploads().map((r) => r.url)).toEqual([
      '/documents/content/a.md',
      '/documents/content/b.md',
      '/documents/content/big.pdf',
      '/documents/content/c.xyz',
    ]);
  });

  it('exits 0 when every document is indexed or unchanged, tolerating a 503 and a missing manifest while polling', async () => {
    await files({ 'a.md': '# A', 'b.md': '# B' });
    server = await startTestServer(documentsService({ 'a.md': 'glitchy', 'b.md': 'unchanged' }));
    const { io, out } = captureIo();

    const code = await runIngestCli(['a.md', 'b.md', '--wait', ...fast, '--url', server.url], {}, { ...io, cwd: dir });

    expect(code).toBe(0);
    expect(out.stdout).toContain('1 indexed, 1 unchanged of 2 files\n');
    expect(polls().length).toBeGreaterThanOrEqual(4);
  });

  it('uploads the bytes unchanged with the content type the service would detect, under --prefix, each path segment encoded', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 255, 128, 10, 13, 0xc3])]);
    await files({ 'in/My Notes.md': '# Notes ü', 'in/sub/scan.pdf': pdf });
    server = await startTestServer(documentsService({}));
    const { io } = captureIo();

    const code = await runIngestCli(['in', '--prefix', 'team/handbook', '--url', server.url, '--token', 'jwt-9'], {}, { ...io, cwd: dir });

    expect(code).toBe(0);
    const [markdown, binary] = uploads();
    expect(markdown?.url).toBe('/documents/content/team/handbook/My%20Notes.md');
    expect(markdown?.headers['content-type']).toBe('text/markdown');
    expect(markdown?.body.toString('utf8')).toBe('# Notes ü');
    expect(binary?.url).toBe('/documents/content/team/handbook/sub/scan.pdf');
    expect(binary?.headers['content-type']).toBe('application/pdf');
    expect(binary?.body.equals(pdf)).toBe(true);
    expect(binary?.headers.authorization).toBe('Bearer jwt-9');
  });

  it('without --wait, uploads and reports PENDING without polling', async () => {
    await files({ 'a.md': '# A' });
    server = await startTestServer(documentsService({}));
    const { io, out } = captureIo();

    const code = await runIngestCli(['a.md', '--url', server.url], {}, { ...io, cwd: dir });

    expect(code).toBe(0);
    expect(polls()).toHaveLength(0);
    expect(out.stdout).toContain('1 uploaded (PENDING) of 1 file\nfollow them with: npm run docs -- list --status PENDING\n');
  });

  it('counts a document still PENDING at --timeout as failed (exit 5)', async () => {
    await files({ 'slow.md': '# slow' });
    server = await startTestServer(documentsService({ 'slow.md': 'stuck' }));
    const { io, out } = captureIo();

    const code = await runIngestCli(['slow.md', '--wait', ...fast, '--timeout', '0.05', '--url', server.url], {}, { ...io, cwd: dir });

    expect(code).toBe(5);
    expect(out.stdout).toMatch(/TIMED OUT {2}slow\.md {2}still PENDING after 0\.05 s/);
  });

  it('on a terminal, rewrites each document line in place', async () => {
    await files({ 'a.md': '# A', 'b.md': '# B' });
    server = await startTestServer(documentsService({}));
    const { io, out } = captureIo({ tty: { columns: 100, rows: 30 } });

    await runIngestCli(['a.md', 'b.md', '--wait', ...fast, '--url', server.url], {}, { ...io, cwd: dir });

    // a.md is two lines up when b.md has been added: its line is rewritten there, not appended.
    expect(out.stdout).toContain('UPLOADING  a.md\n\u001b[1A\r\u001b[2KPENDING    a.md\u001b[1B\r');
    expect(out.stdout).toContain('\u001b[2A\r\u001b[2KINDEXED    a.md  3 chunks\u001b[2B\r');
    expect(out.stdout.match(/^INDEXED/gm)).toBeNull();
  });

  it('prints JSON with --json and keeps the progress lines on stderr', async () => {
    await files({ 'a.md': '# A' });
    server = await startTestServer(documentsService({}));
    const { io, out } = captureIo();

    expect(await runIngestCli(['a.md', '--wait', '--json', ...fast, '--url', server.url], {}, { ...io, cwd: dir })).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ results: [{ path: 'a.md', outcome: 'indexed', chunks: 3, key: 'acme/a.md' }], ignored: [] });
    expect(out.stderr).toContain('INDEXED    a.md  3 chunks');
  });

  it('stops with exit 4 when an upload lands in another tenant than --tenant, before uploading anything else', async () => {
    await files({ 'a.md': '# A', 'b.md': '# B' });
    server = await startTestServer(documentsService({}));
    const { io, out } = captureIo();

    const code = await runIngestCli(['a.md', 'b.md', '--tenant', 'globex', '--url', server.url], {}, { ...io, cwd: dir });

    expect(code).toBe(4);
    expect(uploads()).toHaveLength(1);
    expect(out.stderr).toContain('a.md was stored as acme/a.md: the token is for tenant "acme", not "globex"');
  });

  it.each([
    [401, undefined, 4, /HTTP 401 Refused: not now \(a bearer token/],
    [429, '30', 6, /HTTP 429 Refused: not now \(retry after 30 s\)/],
    [503, undefined, 6, /HTTP 503 Refused: not now \(try again later\)/],
  ])('stops at an upload answered %i (Retry-After: %s) with exit %i', async (status, retryAfter, exitCode, message) => {
    await files({ 'a.md': '# A', 'b.md': '# B' });
    server = await startTestServer(documentsService({}, () => ({ status, ...(retryAfter ? { retryAfter } : {}) })));
    const { io, out } = captureIo();

    expect(await runIngestCli(['a.md', 'b.md', '--wait', '--url', server.url], {}, { ...io, cwd: dir })).toBe(exitCode);
    expect(out.stderr).toMatch(message);
    expect(uploads()).toHaveLength(1);
  });

  it('exits 3 when nothing listens, 2 on usage errors, 0 with --help', async () => {
    await files({ 'a.md': '# A' });
    const down = captureIo();
    expect(await runIngestCli(['a.md', '--url', await unreachableUrl()], {}, { ...down.io, cwd: dir })).toBe(3);
    expect(down.out.stderr).toMatch(/ingest: PUT \/documents\/content\/a\.md: no answer from .* \(ECONNREFUSED\)/);

    for (const argv of [[], ['missing.md'], ['a.md', '--poll', 'soon'], ['a.md', '--tenant', 'Not A Tenant'], ['a.md', '--url', 'ftp://x']]) {
      const bad = captureIo();
      expect(await runIngestCli(argv, {}, { ...bad.io, cwd: dir })).toBe(2);
    }

    const help = captureIo();
    expect(await runIngestCli(['--help'], {}, help.io)).toBe(0);
    expect(help.out.stdout).toMatch(/Usage: npm run ingest[\s\S]*--wait[\s\S]*Exit codes:[\s\S]*5 {2}some documents failed/);
  });
});
