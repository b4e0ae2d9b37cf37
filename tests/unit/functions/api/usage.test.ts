import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { makeHandler } from '../../../../functions/api/usage';
import type { HttpResult } from '../../../../functions/api/http';
import { lambdaContext } from '../../../../local/lambda-context';
import { loadConfig } from '../../../../shared/config/config';
import type { UsageResponse } from '../../../../shared/contracts/usage';
import { UsageRecorder } from '../../../../shared/usage/recorder';
import { SqliteUsageStore } from '../../../../shared/usage/sqlite-usage-store';
import { type UsageAggregate, emptySums } from '../../../../shared/usage/usage-store';
import { routeEvent } from '../../../helpers/api-event';

/** GET /usage (functions/api/usage.ts): whose figures a caller sees, and every bad range or grouping refused with its reason. */
describe('GET /usage', () => {
  let dir: string;
  let store: SqliteUsageStore;
  let handler: ReturnType<typeof makeHandler>;
  const today = new Date().toISOString().slice(0, 10);
  const cell = (tenant: string, feature: UsageAggregate['feature'], modelId: string, calls: number, costNanoUsd: number): UsageAggregate => ({
    tenant,
    day: today,
    feature,
    modelId,
    ...emptySums(),
    calls,
    inputTokens: calls * 100,
    outputTokens: calls * 10,
    costNanoUsd,
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'usage-handler-'));
    store = new SqliteUsageStore({ file: path.join(dir, 'usage.sqlite'), retentionDays: 30 });
    await store.add('acme', today, [cell('acme', 'query', 'm1', 3, 3000), cell('acme', 'ingest', 'e1', 2, 0)]);
    await store.add('globex', today, [cell('globex', 'query', 'm1', 5, 9000)]);
    const config = loadConfig({ RAG_DATA_DIR: dir, RAG_USAGE_RETENTION_DAYS: '30', RAG_TENANT_BUDGETS: 'acme=tokens:1000' });
    const usage = new UsageRecorder({ store, budgets: config.usage.budgets });
    handler = makeHandler(async () => ({ config, usage }));
  });

  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (identity: { tenant?: string; admin?: boolean }, query: Record<string, string> = {}) => {
    const result = (await handler(routeEvent('GET /usage', { ...identity, query }), lambdaContext('api-usage', 30_000))) as HttpResult;
    return {
      status: result.statusCode,
      body: JSON.parse(result.body ?? '{}') as UsageResponse & { error?: { message: string; issues?: { path: string; message: string }[] } },
    };
  };

  it("gives a tenant its own figures by feature, with today's budget", async () => {
    const res = await get({ tenant: 'acme' }, { groupBy: 'feature' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenant: 'acme', from: today, to: today, groupBy: 'feature', retentionDays: 30 });
    expect(res.body.rows.map((r) => [r.key, r.calls, r.costUsd])).toEqual([
      ['ingest', 2, 0],
      ['query', 3, 0.000003],
    ]);
    expect(res.body.totals).toMatchObject({ calls: 5, inputTokens: 500, outputTokens: 50 });
    expect(res.body.budget).toMatchObject({ limitTokens: 1000, usedTokens: 550, state: 'ok' });
  });

  it("refuses a tenant another tenant's figures or all of them (403), and gives them to the admin scope", async () => {
    expect((await get({ tenant: 'acme' }, { tenant: 'globex' })).status).toBe(403);
    expect((await get({ tenant: 'acme' }, { tenant: '*' })).status).toBe(403);

    const operator = await get({ admin: true });
    const adminOfAcme = await get({ tenant: 'acme', admin: true }, { tenant: 'globex', groupBy: 'model' });

    expect(operator.status).toBe(200);
    expect(operator.body.tenant).toBe('*');
    expect(operator.body.rows.map((r) => [r.tenant, r.key, r.calls])).toEqual([
      ['acme', today, 5],
      ['globex', today, 5],
    ]);
    expect(operator.body.budget).toBeUndefined();
    expect(adminOfAcme.body).toMatchObject({ tenant: 'globex', rows: [{ key: 'm1', calls: 5, costUsd: 0.000009 }] });
  });

  it.each([
    [{ groupBy: 'week' }, 'groupBy', /must be one of day, feature, model/],
    [{ from: today, to: '2020-01-01' }, 'from', /is after to/],
    [{ from: '2026-02-30' }, 'from', /not a calendar day/],
    [{ from: '1 Dec' }, 'from', /YYYY-MM-DD/],
    [{ limit: '5' }, 'limit', /unknown field/],
  ])('answers 400 with the reason for %p', async (query, field, reason) => {
    const res = await get({ tenant: 'acme' }, query);

    expect(res.status).toBe(400);
    expect(res.body.error?.issues).toEqual(expect.arrayContaining([{ path: field, message: expect.stringMatching(reason) }]));
  });

  it('answers 400 for a range longer than the retention or older than it', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

    const tooLong = await get({ tenant: 'acme' }, { from: day(-30), to: day(0) });
    const tooOld = await get({ tenant: 'acme' }, { from: day(-40), to: day(-35) });
    const longest = await get({ tenant: 'acme' }, { from: day(-29), to: day(0) });

    expect([tooLong.status, tooOld.status, longest.status]).toEqual([400, 400, 200]);
    expect(tooLong.body.error?.issues?.[0]?.message).toMatch(/31 days, longer than the 30-day retention/);
    expect(tooOld.body.error?.issues?.[0]?.message).toMatch(/usage is kept for 30 days/);
  });

  it('answers 403 to an identity with neither a tenant nor the admin scope', async () => {
    const res = await get({});

    expect(res.status).toBe(403);
    expect(res.body.error?.message).toMatch(/no valid tenant/);
  });
});
