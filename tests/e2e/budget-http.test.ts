import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import type { UsageResponse } from '../../shared/contracts/usage';
import { DEV_AUTHORIZATION, eventually, type DocumentListing, postJson, type QueryBody, request } from '../helpers/http';
import { tempConfig } from '../helpers/temp-config';

/**
 * Issue 16, item 3 over HTTP: a tenant's daily token budget. While under it, a request is admitted; once the
 * stored use reaches it, POST /query and POST /query/stream answer 429 with the reason, the reset time and
 * Retry-After, before any model is called (the tenant's usage does not move); GET /usage says `exhausted`.
 * Another tenant's budget is its own.
 */
const OTHER = 'other-token-0123456789abcdef';

describe('daily budgets over HTTP', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  const url = (path: string) => `${runtime.url}${path}`;
  const today = new Date().toISOString().slice(0, 10);
  const usage = (authorization = DEV_AUTHORIZATION) => request<UsageResponse>(url(`/usage?from=${today}&to=${today}`), { headers: { authorization } });

  beforeAll(async () => {
    // A budget one question spends: the local models' estimated tokens of one answer are in the hundreds.
    const temp = await tempConfig({ RAG_WATCH: 'off', RAG_TENANT_BUDGETS: 'default=tokens:50', RAG_API_KEYS: `dev=default,${OTHER}=other` });
    cleanup = temp.cleanup;
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0 });
    const put = await request(url('/documents/content/hours.md'), {
      method: 'PUT',
      headers: { 'content-type': 'text/markdown' },
      body: '# Hours\n\nThe library opens at 08:00 and closes at 20:00 on Thursdays.',
    });
    expect(put.status).toBe(202);
    await runtime.settle();
    await eventually(async () => ((await request<DocumentListing>(url('/documents'))).body.documents[0]?.status === 'INDEXED' ? true : undefined), 'indexed');
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await cleanup?.();
  });

  it('admits a request under the budget, then refuses the next ones with 429, the reason and the reset time, calling no model', async () => {
    const first = await postJson<QueryBody>(url('/query'), { question: 'When does the library close on Thursdays?', cache: false });
    const spent = await usage();

    const refused = await postJson<{ error: { code: string; message: string } }>(url('/query'), { question: 'When does the library open?', cache: false });
    const stream = await fetch(url('/query/stream'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
      body: JSON.stringify({ question: 'When does the library open?', cache: false }),
    });
    const after = await usage();

    expect(first.status).toBe(200);
    expect(spent.body.budget).toMatchObject({ limitTokens: 50, state: 'exhausted' });
    expect(spent.body.budget?.usedTokens).toBeGreaterThanOrEqual(50);
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toMatch(/Daily budget exhausted \(\d+ of 50 tokens used today\); it resets at \d{4}-\d{2}-\d{2}T00:00:00.000Z/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    const untilMidnight = (Date.parse(`${today}T00:00:00Z`) + 86_400_000 - Date.now()) / 1000;
    expect(retryAfter).toBeGreaterThan(0);
    expect(Math.abs(retryAfter - untilMidnight)).toBeLessThan(60);
    expect(stream.status).toBe(429);
    // Refused before the first event: the usual JSON error, not a stream.
    expect(Math.abs(Number(stream.headers.get('retry-after')) - retryAfter)).toBeLessThanOrEqual(1);
    expect((JSON.parse(await stream.text()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'BudgetExceededError',
      message: expect.stringMatching(/^Daily budget exhausted/),
    });
    expect(refused.body.error.code).toBe('BudgetExceededError');
    // Nothing was called for the refused requests: the figures did not move.
    expect(after.body.totals).toEqual(spent.body.totals);
  });

  it("keeps another tenant's requests to its own budget (none here)", async () => {
    const other = await request<QueryBody>(url('/query'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OTHER}` },
      body: JSON.stringify({ question: 'When does the library close?', cache: false }),
    });
    expect(other.status).toBe(200);
    expect((await usage(`Bearer ${OTHER}`)).body.budget).toBeUndefined();
  });
});
