import type { ServerResponse } from 'node:http';
import { runDocsCli } from '../../../../scripts/cli/docs-command';
import { captureIo, type SeenRequest, sendError, sendJson, startTestServer, type TestServer, unreachableUrl } from './test-server';

/**
 * An in-test documents API with the service's routes and bodies (functions/api/documents.ts): a list
 * paged two documents at a time with an opaque cursor, the status filter applied per page (so a page
 * may be empty and still have a next one), and the single-document routes.
 */
interface View {
  documentId: string;
  key: string;
  status: 'PENDING' | 'INDEXED' | 'FAILED';
  chunkCount: number;
  updatedAt: string;
  attempts: number;
  failure?: { error: string; reason: string; at: string };
}

const id = (n: number) => n.toString(16).padStart(32, '0');
const at = '2026-11-30T10:00:00.000Z';
const CORPUS: View[] = [
  { documentId: id(1), key: 'acme/a.md', status: 'INDEXED', chunkCount: 3, updatedAt: at, attempts: 1 },
  { documentId: id(2), key: 'acme/b.md', status: 'INDEXED', chunkCount: 5, updatedAt: at, attempts: 1 },
  {
    documentId: id(3),
    key: 'acme/notes/c.pdf',
    status: 'FAILED',
    chunkCount: 0,
    updatedAt: at,
    attempts: 2,
    failure: { error: 'ExtractionError', reason: 'encrypted PDF', at },
  },
  { documentId: id(4), key: 'acme/d.md', status: 'PENDING', chunkCount: 0, updatedAt: at, attempts: 1 },
  {
    documentId: id(5),
    key: 'acme/e.md',
    status: 'FAILED',
    chunkCount: 0,
    updatedAt: at,
    attempts: 1,
    failure: { error: 'EmbeddingError', reason: 'throttled', at },
  },
];

function documentsApi(options: { redriveStatus?: (documentId: string) => number } = {}) {
  const documents = new Map(CORPUS.map((d) => [d.documentId, { ...d }]));
  return (request: SeenRequest, response: ServerResponse) => {
    const url = new URL(request.url, 'http://x');
    if (request.method === 'GET' && url.pathname === '/documents') {
      const start = Number(url.searchParams.get('cursor') ?? '0');
      const status = url.searchParams.get('status');
      const page = [...documents.values()].slice(start, start + 2);
      const next = start + 2 < documents.size ? String(start + 2) : undefined;
      return sendJson(response, 200, { documents: page.filter((d) => !status || d.status === status), ...(next ? { nextCursor: next } : {}) });
    }
    const match = /^\/documents\/([0-9a-f]{32})(\/redrive)?$/.exec(url.pathname);
    const document = match ? documents.get(match[1] as string) : undefined;
    if (!match || !document) return sendError(response, 404, 'NotFoundError', 'No such document');
    if (request.method === 'GET' && !match[2]) return sendJson(response, 200, document);
    if (request.method === 'DELETE' && !match[2]) {
      documents.delete(document.documentId);
      return sendJson(response, 202, { documentId: document.documentId, status: 'DELETING', execution: 'x' });
    }
    if (request.method === 'POST' && match[2]) {
      const status = options.redriveStatus?.(document.documentId) ?? 202;
      if (status === 404) return sendError(response, 404, 'NotFoundError', 'The document no longer exists in the documents store');
      if (document.status === 'INDEXED') return sendError(response, 400, 'ValidationError', 'Document is already indexed');
      return sendJson(response, 202, { documentId: document.documentId, status: 'PENDING', execution: 'x' });
    }
    return sendError(response, 404, 'NotFoundError', 'No route');
  };
}

describe('npm run docs', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(documentsApi());
  });
  afterEach(async () => {
    await server.close();
  });
  const paths = () => server.requests.map((r) => `${r.method} ${r.url}`);

  it('lists every document as a table, following the cursor page by page', async () => {
    const { io, out } = captureIo();

    const code = await runDocsCli(['list', '--url', server.url], {}, io);

    expect(code).toBe(0);
    expect(paths()).toEqual(['GET /documents', 'GET /documents?cursor=2', 'GET /documents?cursor=4']);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^status +chunks +updated +document +key +reason$/);
    expect(lines.slice(1, 6)).toEqual([
      expect.stringMatching(new RegExp(`^INDEXED +3 +${at} +${id(1)} +acme/a\\.md$`)),
      expect.stringMatching(/^INDEXED +5 /),
      expect.stringMatching(new RegExp(`^FAILED +0 +${at} +${id(3)} +acme/notes/c\\.pdf +ExtractionError: encrypted PDF$`)),
      expect.stringMatching(/^PENDING +0 .* acme\/d\.md$/),
      expect.stringMatching(/^FAILED +0 .* EmbeddingError: throttled$/),
    ]);
    expect(out.stdout).toContain('\n5 documents (1 PENDING, 2 INDEXED, 2 FAILED)\n');
  });

  it('filters by --status on every page (going on past an empty page) and prints JSON with --json', async () => {
    const { io, out } = captureIo();

    const code = await runDocsCli(['list', '--status', 'failed', '--json', '--url', server.url], {}, io);

    expect(code).toBe(0);
    expect(paths()).toEqual(['GET /documents?status=FAILED', 'GET /documents?status=FAILED&cursor=2', 'GET /documents?status=FAILED&cursor=4']);
    expect((JSON.parse(out.stdout) as View[]).map((d) => d.key)).toEqual(['acme/notes/c.pdf', 'acme/e.md']);
  });

  it('shows one document by id or by its path, and exits 5 for one that does not exist', async () => {
    const byId = captureIo();
    expect(await runDocsCli(['show', id(3), '--url', server.url], {}, byId.io)).toBe(0);
    expect(byId.out.stdout).toContain(`document  ${id(3)}\nkey       acme/notes/c.pdf\nstatus    FAILED\nchunks    0\n`);
    expect(byId.out.stdout).toContain(`failure   ExtractionError: encrypted PDF (at ${at})\n`);

    const byPath = captureIo();
    expect(await runDocsCli(['show', 'notes/c.pdf', '--json', '--url', server.url], {}, byPath.io)).toBe(0);
    expect(JSON.parse(byPath.out.stdout)).toMatchObject({ documentId: id(3), status: 'FAILED' });

    const missing = captureIo();
    expect(await runDocsCli(['show', id(99), '--url', server.url], {}, missing.io)).toBe(5);
    expect(missing.out.stderr).toBe(`docs: GET /documents/${id(99)}: HTTP 404 NotFoundError: No such document\n`);
    const missingPath = captureIo();
    expect(await runDocsCli(['delete', 'nope.md', '--url', server.url], {}, missingPath.io)).toBe(5);
    expect(missingPath.out.stderr).toBe('docs: no document with the id or path nope.md\n');
  });

  it('deletes a document', async () => {
    const { io, out } = captureIo();

    expect(await runDocsCli(['delete', id(1), '--url', server.url], {}, io)).toBe(0);

    expect(paths()).toEqual([`DELETE /documents/${id(1)}`]);
    expect(out.stdout).toBe(`DELETING  ${id(1)}  (the object and its vectors are being removed)\n`);
  });

  it('re-drives one document; an indexed one is refused with the reason (exit 2), a gone one is not found (exit 5)', async () => {
    const one = captureIo();
    expect(await runDocsCli(['redrive', id(3), '--url', server.url], {}, one.io)).toBe(0);
    expect(one.out.stdout).toContain(`PENDING  ${id(3)}  (re-driven`);

    const indexed = captureIo();
    expect(await runDocsCli(['redrive', id(1), '--url', server.url], {}, indexed.io)).toBe(2);
    expect(indexed.out.stderr).toContain(`POST /documents/${id(1)}/redrive: HTTP 400 ValidationError: Document is already indexed`);

    const gone = captureIo();
    expect(await runDocsCli(['redrive', id(42), '--url', server.url], {}, gone.io)).toBe(5);
  });

  it('re-drives every FAILED document with redrive --status FAILED, exit 5 when one is gone meanwhile', async () => {
    await server.close();
    server = await startTestServer(documentsApi({ redriveStatus: (documentId) => (documentId === id(5) ? 404 : 202) }));
    const { io, out } = captureIo();

    const code = await runDocsCli(['redrive', '--status', 'FAILED', '--url', server.url], {}, io);

    expect(code).toBe(5);
    expect(paths().filter((p) => p.startsWith('POST'))).toEqual([`POST /documents/${id(3)}/redrive`, `POST /documents/${id(5)}/redrive`]);
    expect(out.stdout).toBe(`PENDING    ${id(3)}  acme/notes/c.pdf\nNOT FOUND  ${id(5)}  acme/e.md\n1 of 2 re-driven\n`);
  });

  it.each([
    [401, 4],
    [403, 4],
    [429, 6],
    [503, 6],
    [500, 1],
  ])('maps an HTTP %i to exit %i (printing Retry-After when throttled)', async (status, exitCode) => {
    await server.close();
    server = await startTestServer((_request, response) => sendError(response, status, 'Err', 'nope', { 'retry-after': '12' }));
    const { io, out } = captureIo();

    expect(await runDocsCli(['list', '--url', server.url], {}, io)).toBe(exitCode);
    if (exitCode === 6) expect(out.stderr).toContain('(retry after 12 s)');
  });

  it('sends RAG_TOKEN as a bearer token to the default URL on PORT, and exits 3 when nothing listens', async () => {
    const port = new URL(server.url).port;
    const { io } = captureIo();
    expect(await runDocsCli(['list'], { PORT: port, RAG_TOKEN: 'jwt-env' }, io)).toBe(0);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer jwt-env');

    const down = captureIo();
    expect(await runDocsCli(['list', '--url', await unreachableUrl()], {}, down.io)).toBe(3);
  });

  it("exits 1 on an answer that does not follow the API's contract (shared/contracts/documents.ts)", async () => {
    // Prepare: a service that leaves out updatedAt and attempts, which the contract requires
    const { updatedAt: _updatedAt, attempts: _attempts, ...partial } = CORPUS[0] as View;
    const off = await startTestServer((_request, response) => sendJson(response, 200, partial));
    const { io, out } = captureIo();
    // Act
    const code = await runDocsCli(['show', id(1), '--url', off.url], {}, io).finally(() => off.close());
    // Assess
    expect(code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^docs: GET /documents/${id(1)}: the answer does not follow the API`));
  });

  it('exits 2 on usage errors and 0 with --help', async () => {
    for (const argv of [
      [],
      ['lsit'],
      ['show'],
      ['list', '--status', 'DONE'],
      ['show', id(1), '--status', 'FAILED'],
      ['redrive'],
      ['redrive', id(1), '--status', 'FAILED'],
    ]) {
      const bad = captureIo();
      expect(await runDocsCli([...argv, '--url', server.url], {}, bad.io)).toBe(2);
    }
    expect(server.requests).toHaveLength(0);

    const help = captureIo();
    expect(await runDocsCli(['--help'], {}, help.io)).toBe(0);
    expect(help.out.stdout).toMatch(/Usage: npm run docs[\s\S]*redrive --status[\s\S]*5 {2}no such document/);
  });
});
