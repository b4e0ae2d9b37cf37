import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import type { UsageResponse } from '../../shared/contracts/usage';
import { documentIdFor } from '../../shared/documents/identity';
import { type DocumentListing, eventually, type QueryBody, request } from '../helpers/http';
import { tempConfig } from '../helpers/temp-config';

/**
 * Local auth and tenancy over HTTP (issue 15): two tenants with near-identical documents, each with its
 * own bearer token from RAG_API_KEYS. Without a valid token every route but the public ones answers 401;
 * with one, no answer, citation, listing, document, session or cached answer of one tenant ever shows the
 * other's, whatever the request crafts (filters, document ids, cursors, session ids, tenant headers).
 */
const ACME = 'acme-token-0123456789abcdef';
const GLOBEX = 'globex-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const QUESTION = 'What is the vault code?';

interface SessionView {
  sessionId: string;
  turns: { question: string; answer: string }[];
}

/**
 * A vault code as a word: a response's random ids (request, session: hex UUIDs) may hold the same digits inside
 * them ("e7990200-…" holds 9902), which is no leak; the code itself stands alone in any text that quotes it.
 */
const asWord = (code: string): RegExp => new RegExp(`(?<![0-9a-f])${code}(?![0-9a-f])`);

describe('two tenants over HTTP with local bearer tokens', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  const url = (path: string) => `${runtime.url}${path}`;
  const ask = (token: string, body: Record<string, unknown>) =>
    request<QueryBody & { sessionId?: string; cached?: boolean; notContinued?: string }>(url('/query'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify(body),
    });
  const upload = (token: string, path: string, text: string) =>
    request(url(`/documents/content/${path}`), { method: 'PUT', headers: { 'content-type': 'text/markdown', ...bearer(token) }, body: text });
  const list = (token: string, query = '') => request<DocumentListing & { nextCursor?: string }>(url(`/documents${query}`), { headers: bearer(token) });

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_WATCH: 'off', RAG_API_KEYS: `${ACME}=acme,${GLOBEX}=globex` });
    cleanup = temp.cleanup;
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0 });
    const uploads = [
      await upload(ACME, 'vault.md', '# Vault\n\nThe acme vault code is 4471 and it is changed every Monday.'),
      await upload(GLOBEX, 'vault.md', '# Vault\n\nThe globex vault code is 9902 and it is changed every Friday.'),
      ...(await Promise.all(['a', 'b', 'c'].map((n) => upload(ACME, `notes/${n}.md`, `# Note ${n}\n\nThe canteen opens at ${n === 'a' ? 8 : 9} o'clock.`)))),
    ];
    expect(uploads.map((u) => u.status)).toEqual([202, 202, 202, 202, 202]);
    await runtime.settle();
    for (const [token, count] of [
      [ACME, 4],
      [GLOBEX, 1],
    ] as const) {
      await eventually(async () => {
        const listing = await list(token);
        return listing.body.documents.filter((d) => d.status === 'INDEXED').length === count ? true : undefined;
      }, 'both tenants indexed');
    }
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await cleanup?.();
  });

  describe('authentication', () => {
    const protectedRoutes: [string, string][] = [
      ['POST', '/query'],
      ['POST', '/query/stream'],
      ['GET', '/documents'],
      ['GET', `/documents/${'0'.repeat(32)}`],
      ['DELETE', `/documents/${'0'.repeat(32)}`],
      ['POST', `/documents/${'0'.repeat(32)}/redrive`],
      ['PUT', '/documents/content/x.md'],
      ['GET', '/sessions/abcdefgh1234'],
      ['DELETE', '/sessions/abcdefgh1234'],
      ['GET', '/rejected-files'],
    ];
    // An unsigned JWT naming a tenant: a real authorizer rejects alg "none", and here no JWT is a token at all.
    const forgedJwt = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"custom:tenant":"globex"}').toString('base64url')}.`;

    it.each([
      ['no authorization header', '', 'Bearer realm="rag"', 'A bearer token is required'],
      ['a token nobody configured', 'Bearer garbage', 'Bearer realm="rag", error="invalid_token"', 'The bearer token is not valid'],
      ['a forged alg:none JWT', `Bearer ${forgedJwt}`, 'Bearer realm="rag", error="invalid_token"', 'The bearer token is not valid'],
      ['the development token once RAG_API_KEYS is set', 'Bearer dev', 'Bearer realm="rag", error="invalid_token"', 'The bearer token is not valid'],
      ['another scheme', `Basic ${Buffer.from(`acme:${ACME}`).toString('base64')}`, 'Bearer realm="rag"', 'A bearer token is required'],
      ['a valid token with trailing junk', `Bearer ${ACME} extra`, 'Bearer realm="rag"', 'A bearer token is required'],
    ])('answers 401 to %s on every route but the public ones', async (_what, authorization, challenge, message) => {
      for (const [method, path] of protectedRoutes) {
        const res = await request<{ error: { code: string; message: string } }>(url(path), {
          method,
          headers: { authorization, 'x-tenant': 'acme', 'content-type': 'application/json' },
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: JSON.stringify({ question: QUESTION }) }),
        });
        expect({ method, path, status: res.status, challenge: res.headers.get('www-authenticate') }).toEqual({ method, path, status: 401, challenge });
        expect(res.body.error).toEqual({ code: 'UnauthorizedError', message });
        expect(JSON.stringify(res.body)).not.toContain(ACME);
      }
    });

    it('serves /health and /openapi.json without a token', async () => {
      expect((await request(url('/health'), { headers: { authorization: '' } })).status).toBe(200);
      expect((await request(url('/openapi.json'), { headers: { authorization: '' } })).status).toBe(200);
    });

    it('takes the tenant from the token only: an x-tenant header changes nothing', async () => {
      const res = await request<DocumentListing>(url('/documents'), { headers: { ...bearer(ACME), 'x-tenant': 'globex' } });
      expect(res.status).toBe(200);
      expect(res.body.documents.map((d) => d.key).sort()).toEqual(['acme/notes/a.md', 'acme/notes/b.md', 'acme/notes/c.md', 'acme/vault.md']);
    });
  });

  it('answers and cites each tenant from its own documents only', async () => {
    for (const [token, tenant, code, other] of [
      [ACME, 'acme', '4471', '9902'],
      [GLOBEX, 'globex', '9902', '4471'],
    ] as const) {
      const res = await ask(token, { question: QUESTION, cache: false });
      expect(res.status).toBe(200);
      expect(res.body.answer).toContain(code);
      expect(JSON.stringify(res.body)).not.toMatch(asWord(other));
      expect(res.body.citations.length).toBeGreaterThan(0);
      expect(res.body.citations.every((c) => c.key.startsWith(`${tenant}/`))).toBe(true);
    }
  });

  it('ignores crafted filters that name the other tenant’s document or folder', async () => {
    const globexVault = documentIdFor('globex', 'globex/vault.md');
    for (const filters of [{ documentIds: [globexVault] }, { keyPrefix: 'globex/' }, { keyPrefix: '../globex/' }, { keyPrefix: 'acme/../globex/' }]) {
      const res = await ask(ACME, { question: QUESTION, cache: false, filters });
      expect([200, 400]).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toMatch(asWord('9902'));
      if (res.status === 200) expect(res.body.citations.every((c) => c.key.startsWith('acme/'))).toBe(true);
    }
  });

  it('does not let one tenant read, delete or redrive the other’s document by id', async () => {
    const globexVault = documentIdFor('globex', 'globex/vault.md');
    for (const [method, path] of [
      ['GET', `/documents/${globexVault}`],
      ['DELETE', `/documents/${globexVault}`],
      ['POST', `/documents/${globexVault}/redrive`],
    ] as const) {
      const res = await request(url(path), { method, headers: bearer(ACME) });
      expect({ method, status: res.status }).toEqual({ method, status: 404 });
    }
    const own = await request<{ status: string }>(url(`/documents/${globexVault}`), { headers: bearer(GLOBEX) });
    expect(own.status).toBe(200);
    expect(own.body.status).toBe('INDEXED');
  });

  it('pages each tenant’s listing with its own cursor; another tenant’s or a crafted cursor shows nothing of the other', async () => {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(ACME, `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      keys.push(...page.body.documents.map((d) => d.key));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(keys.sort()).toEqual(['acme/notes/a.md', 'acme/notes/b.md', 'acme/notes/c.md', 'acme/vault.md']);

    const acmeCursor = (await list(ACME, '?limit=1')).body.nextCursor ?? '';
    expect(acmeCursor).not.toBe('');
    for (const crafted of [acmeCursor, 'manifests/acme/', '', 'a', '../acme/', '\u0000']) {
      const res = await list(GLOBEX, `?cursor=${encodeURIComponent(crafted)}`);
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) expect(res.body.documents.every((d) => d.key.startsWith('globex/'))).toBe(true);
    }
  });

  it('keeps sessions to their tenant: another tenant can neither read, delete nor continue one', async () => {
    const first = await ask(ACME, { question: QUESTION, cache: false });
    const sessionId = first.body.sessionId ?? '';
    expect(sessionId).not.toBe('');

    expect((await request(url(`/sessions/${sessionId}`), { headers: bearer(GLOBEX) })).status).toBe(404);
    expect((await request(url(`/sessions/${sessionId}`), { method: 'DELETE', headers: bearer(GLOBEX) })).status).toBe(404);
    const hijack = await ask(GLOBEX, { question: 'And when is it changed?', sessionId, cache: false });
    expect(hijack.status).toBe(200);
    expect(hijack.body.notContinued).toBe('unknown-session');
    expect(JSON.stringify(hijack.body)).not.toMatch(asWord('4471'));

    const own = await request<SessionView>(url(`/sessions/${sessionId}`), { headers: bearer(ACME) });
    expect(own.status).toBe(200);
    expect(own.body.turns).toHaveLength(1);
    expect(own.body.turns[0]?.answer).toContain('4471');
  });

  it('never serves one tenant an answer the cache holds for the other', async () => {
    const question = 'Which vault code is in use?';
    const acme = await ask(ACME, { question });
    expect(acme.status).toBe(200);
    expect((await ask(ACME, { question })).body.cached).toBe(true);
    const globex = await ask(GLOBEX, { question });
    expect(globex.status).toBe(200);
    expect(globex.body.cached).not.toBe(true);
    expect(globex.body.answer).toContain('9902');
    expect(JSON.stringify(globex.body)).not.toMatch(asWord('4471'));
  });

  it("shows each tenant its own usage only: the other's spend never moves its figures, and naming the other is refused", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const usage = (token: string, query = '') =>
      request<UsageResponse>(url(`/usage?from=${today}&to=${today}&groupBy=feature${query}`), { headers: bearer(token) });
    const acmeBefore = await usage(ACME);
    const globexBefore = await usage(GLOBEX);

    for (const question of ['When is the vault code changed?', 'Which day is the code changed?']) {
      expect((await ask(GLOBEX, { question, cache: false })).status).toBe(200);
    }
    const acmeAfter = await usage(ACME);
    const globexAfter = await usage(GLOBEX);

    expect([acmeBefore.status, acmeAfter.status, globexAfter.status]).toEqual([200, 200, 200]);
    expect(acmeAfter.body.tenant).toBe('acme');
    expect(acmeAfter.body.totals).toEqual(acmeBefore.body.totals);
    expect(acmeAfter.body.rows.every((row) => row.tenant === undefined)).toBe(true);
    expect(globexAfter.body.tenant).toBe('globex');
    expect(globexAfter.body.totals.calls).toBeGreaterThan(globexBefore.body.totals.calls);
    // Only the admin scope names a tenant or all of them; a crafted name is a 400, never another tenant's figures.
    for (const [query, status] of [
      ['&tenant=globex', 403],
      ['&tenant=*', 403],
      ['&tenant=GLOBEX', 400],
      ['&tenant=globex%00', 400],
    ] as const) {
      const res = await usage(ACME, query);
      expect([query, res.status]).toEqual([query, status]);
      expect(JSON.stringify(res.body)).not.toContain('"globex"');
    }
    expect((await usage(ACME, '&tenant=acme')).body.totals).toEqual(acmeBefore.body.totals);
    // The process-wide latencies and counters span every tenant: the admin scope only.
    expect((await request(url('/metrics'), { headers: bearer(ACME) })).status).toBe(403);
  });
});
