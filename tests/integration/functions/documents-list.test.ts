import type { Context } from 'aws-lambda';
import { makeHandler } from '../../../functions/api/documents';
import { apiGatewayEvent } from '../../../local/http-event';
import { lambdaContext } from '../../../local/lambda-context';
import { createServices, useServices } from '../../../shared/container';
import { documentIdFor } from '../../../shared/documents/identity';
import { newManifest } from '../../../shared/pipeline/manifest';
import type { Services } from '../../../shared/pipeline/services';
import type { Workflows } from '../../../shared/workflows/workflows';
import { tempConfig } from '../../helpers/temp-config';

type HttpHandler = (event: unknown, context: Context) => Promise<{ statusCode: number; body?: string }>;
interface ListBody {
  documents: { key: string; status: string }[];
  nextCursor?: string;
}

describe('GET /documents?status=: the filter reads on past pages with no match (issue 15)', () => {
  let services: Services;
  let cleanup: () => Promise<void>;
  let list: (query: Record<string, string>) => Promise<ListBody>;
  beforeAll(async () => {
    const temp = await tempConfig({});
    cleanup = temp.cleanup;
    // Listing starts nothing: a workflows port that would fail loudly if it were used.
    const workflows = { startIngestion: () => Promise.reject(new Error('not used')) } as unknown as Workflows;
    services = await createServices(temp.config, { workflows });
    useServices(services);
    // 30 INDEXED documents, then one FAILED one, in key order.
    const keys = Array.from({ length: 30 }, (_, i) => `acme/a-${String(i).padStart(2, '0')}.md`);
    for (const key of keys) await services.manifests.put({ ...newManifest('acme', key, documentIdFor('acme', key)), status: 'INDEXED' });
    await services.manifests.put({ ...newManifest('acme', 'acme/z-broken.pdf', documentIdFor('acme', 'acme/z-broken.pdf')), status: 'FAILED' });
    const handler = makeHandler(async () => services) as HttpHandler;
    list = async (query) => {
      const res = await handler(
        apiGatewayEvent({
          method: 'GET',
          rawPath: '/documents',
          rawQueryString: new URLSearchParams(query).toString(),
          routeKey: 'GET /documents',
          headers: {},
          pathParameters: {},
          queryStringParameters: query,
          sourceIp: '127.0.0.1',
          claims: { 'custom:tenant': 'acme' },
        }),
        lambdaContext('api-documents'),
      );
      expect(res.statusCode).toBe(200);
      return JSON.parse(res.body ?? '{}') as ListBody;
    };
  });
  afterAll(async () => {
    await services?.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  it('finds the FAILED document behind pages of INDEXED ones, and says there is no more', async () => {
    const failed = await list({ status: 'FAILED', limit: '5' });
    expect(failed.documents.map((d) => [d.key, d.status])).toEqual([['acme/z-broken.pdf', 'FAILED']]);
    expect(failed.nextCursor).toBeUndefined();
  });

  it('pages a filtered list without skipping or repeating a match', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ status: 'INDEXED', limit: '7', ...(cursor ? { cursor } : {}) });
      expect(page.documents.length).toBeLessThanOrEqual(7);
      seen.push(...page.documents.map((d) => d.key));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
  });

  it('without a filter, answers one page as before', async () => {
    const page = await list({ limit: '10' });
    expect(page.documents).toHaveLength(10);
    expect(page.nextCursor).toBeDefined();
  });
});
