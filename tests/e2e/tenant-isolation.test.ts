import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createServices, useServices } from '../../shared/container';
import type { Services } from '../../shared/pipeline/services';
import { LocalWorkflows } from '../../local/asl-workflows';
import { apiGatewayEvent } from '../../local/http-event';
import { lambdaContext } from '../../local/lambda-context';
import type { QueryBody } from '../helpers/http';
import { tempConfig } from '../helpers/temp-config';

/**
 * Two tenants with near-identical documents: the query handler, given API Gateway events whose
 * JWT claims name one tenant, must never cite the other's, whatever the body says.
 */
type ApiHandler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

describe('tenant isolation through the API handlers and the query state machine', () => {
  let services: Services;
  let workflows: LocalWorkflows;
  let cleanup: () => Promise<void>;
  let query: ApiHandler;
  let documents: ApiHandler;

  const call = (handler: ApiHandler, routeKey: string, tenant: string | undefined, body?: unknown) =>
    handler(
      apiGatewayEvent({
        method: routeKey.split(' ')[0] ?? 'GET',
        rawPath: routeKey.split(' ')[1] ?? '/',
        rawQueryString: '',
        routeKey,
        headers: { 'content-type': 'application/json' },
        pathParameters: {},
        queryStringParameters: {},
        body: body === undefined ? undefined : JSON.stringify(body),
        sourceIp: '127.0.0.1',
        claims: tenant ? { 'custom:tenant': tenant } : undefined,
      }),
      lambdaContext('api'),
    );

  beforeAll(async () => {
    const temp = await tempConfig();
    cleanup = temp.cleanup;
    workflows = await LocalWorkflows.create({ retryDelayScale: 0 });
    services = await createServices(temp.config, { workflows });
    useServices(services);
    await services.documents.put('acme/vault.md', '# Vault\n\nThe acme vault code is 4471 and it is changed every Monday.');
    await services.documents.put('globex/vault.md', '# Vault\n\nThe globex vault code is 9902 and it is changed every Friday.');
    for (const [tenant, key] of [
      ['acme', 'acme/vault.md'],
      ['globex', 'globex/vault.md'],
    ] as const) {
      await workflows.startIngestion({ tenant, key, action: 'upsert', etag: (await services.documents.head(key))?.etag, reason: 'event' });
    }
    await workflows.settle();
    query = ((await import('../../functions/api/query')) as { handler: ApiHandler }).handler;
    documents = ((await import('../../functions/api/documents')) as { handler: ApiHandler }).handler;
  });

  afterAll(async () => {
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  it('answers each tenant from its own documents only', async () => {
    for (const [tenant, code, other] of [
      ['acme', '4471', '9902'],
      ['globex', '9902', '4471'],
    ] as const) {
      const res = await call(query, 'POST /query', tenant, { question: 'What is the vault code?' });
      expect(res.statusCode).toBe(200);
      const body = JSON.parse(res.body ?? '{}') as QueryBody;
      expect(body.answer).toContain(code);
      expect(body.answer).not.toContain(other);
      expect(body.citations.length).toBeGreaterThan(0);
      expect(body.citations.every((c) => c.key.startsWith(`${tenant}/`))).toBe(true);
    }
  });

  it('lists only the tenant’s own documents', async () => {
    for (const tenant of ['acme', 'globex']) {
      const res = await call(documents, 'GET /documents', tenant);
      expect(res.statusCode).toBe(200);
      const listed = (JSON.parse(res.body ?? '{}') as { documents: { key: string; status: string }[] }).documents.map((d) => [d.key, d.status]);
      expect(listed).toEqual([[`${tenant}/vault.md`, 'INDEXED']]);
    }
  });

  it('refuses a request without an identity (401) or without a tenant claim (403), and a tenant in the body (400)', async () => {
    const refusal = (res: APIGatewayProxyStructuredResultV2) => [res.statusCode, (JSON.parse(res.body ?? '{}') as { error?: { code?: string } }).error?.code];
    expect(refusal(await call(query, 'POST /query', undefined, { question: 'What is the vault code?' }))).toEqual([403, 'ForbiddenError']);
    const noAuthorizer = apiGatewayEvent({
      method: 'POST',
      rawPath: '/query',
      rawQueryString: '',
      routeKey: 'POST /query',
      headers: { 'content-type': 'application/json' },
      pathParameters: {},
      queryStringParameters: {},
      body: JSON.stringify({ question: 'What is the vault code?' }),
      sourceIp: '127.0.0.1',
      claims: undefined,
    });
    const { authorizer: _dropped, ...requestContext } = noAuthorizer.requestContext;
    expect(refusal(await query({ ...noAuthorizer, requestContext }, lambdaContext('api')))).toEqual([401, 'UnauthorizedError']);
    const tenantInBody = await call(query, 'POST /query', 'acme', { question: 'What is the vault code?', tenant: 'globex' });
    expect(refusal(tenantInBody)).toEqual([400, 'ValidationError']);
    expect(tenantInBody.body).toMatch(/tenant/);
    expect(tenantInBody.body).not.toContain('9902');
  });
});
