import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { makeHandler as makeDocumentsHandler } from '../../../functions/api/documents';
import { makeHandler as makeTriggerHandler } from '../../../functions/ingest/trigger';
import { LocalWorkflows } from '../../../local/asl-workflows';
import { routeEvent } from '../../helpers/api-event';
import { lambdaContext } from '../../../local/lambda-context';
import { s3Event } from '../../../local/watcher';
import { createServices, useServices } from '../../../shared/container';
import { documentIdFor } from '../../../shared/documents/identity';
import { DOCUMENT_COUNT_TTL_MS, ManifestStore, manifestKey, newManifest } from '../../../shared/pipeline/manifest';
import type { Services } from '../../../shared/pipeline/services';
import { tempConfig } from '../../helpers/temp-config';

/**
 * Issue 15's limits on documents per tenant (RAG_MAX_DOCUMENTS_PER_TENANT) and key length (RAG_MAX_KEY_BYTES),
 * through the upload API and the folder trigger: a 4xx or a FAILED manifest with the reason, nothing else breaks.
 */
describe('documents per tenant and key length', () => {
  let services: Services;
  let workflows: LocalWorkflows;
  let cleanup: () => Promise<void>;
  let documents: ReturnType<typeof makeDocumentsHandler>;
  let trigger: ReturnType<typeof makeTriggerHandler>;

  const request = async (
    routeKey: string,
    tenant: string,
    options: { path?: string; documentId?: string; body?: string; query?: Record<string, string> } = {},
  ) => (await documents(routeEvent(routeKey, { tenant, ...options }), lambdaContext('api-documents'))) as APIGatewayProxyStructuredResultV2;
  const upload = (tenant: string, path: string, body = `# ${path}\n\nA note about ${path}.`) =>
    request('PUT /documents/content/{path+}', tenant, { path, body });
  const dropFile = async (key: string, body = `# ${key}\n\nA note about ${key}.`) => {
    await services.documents.put(key, body);
    const head = await services.documents.head(key);
    return trigger(s3Event('Object Created', key, { size: head?.size, etag: head?.etag }), lambdaContext('ingest-trigger'));
  };
  const errorOf = (response: APIGatewayProxyStructuredResultV2) =>
    (JSON.parse(response.body ?? '{}') as { error: { code: string; message: string; issues?: { message: string }[] } }).error;

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_MAX_DOCUMENTS_PER_TENANT: '2', RAG_MAX_KEY_BYTES: '40' });
    cleanup = temp.cleanup;
    workflows = await LocalWorkflows.create({ retryDelayScale: 0 });
    services = await createServices(temp.config, { workflows });
    useServices(services);
    documents = makeDocumentsHandler(async () => services);
    trigger = makeTriggerHandler(async () => services);
  });

  afterAll(async () => {
    await workflows.settle();
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  it('refuses a new upload beyond the tenant’s documents with 403 naming the limit, writes nothing, and still takes replacements and other tenants', async () => {
    const first = await upload('acme', 'a.md');
    const second = await upload('acme', 'b.md');
    await workflows.settle();

    const third = await upload('acme', 'c.md');
    const replacement = await upload('acme', 'a.md', '# a.md\n\nA new version of the note.');
    const otherTenant = await upload('globex', 'c.md');
    await workflows.settle();

    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(third.statusCode).toBe(403);
    expect(errorOf(third)).toEqual({ code: 'ForbiddenError', message: expect.stringContaining('RAG_MAX_DOCUMENTS_PER_TENANT=2') });
    expect(await services.documents.head('acme/c.md')).toBeUndefined();
    expect(await services.manifests.get('acme', documentIdFor('acme', 'acme/c.md'))).toBeUndefined();
    expect(replacement.statusCode).toBe(202);
    expect(otherTenant.statusCode).toBe(202);
    expect((await services.manifests.get('acme', documentIdFor('acme', 'acme/a.md')))?.status).toBe('INDEXED');
  });

  it('gives a folder file beyond the limit a FAILED manifest with the reason, which holds no slot: a re-drive ingests it once a document is deleted', async () => {
    const dropped = await dropFile('acme/d.md');
    const droppedAgain = await dropFile('acme/e.md');
    const dId = documentIdFor('acme', 'acme/d.md');
    const failed = await request('GET /documents', 'acme', { query: { status: 'FAILED' } });
    const redriveWhileFull = await request('POST /documents/{documentId}/redrive', 'acme', { documentId: dId });

    expect(dropped).toMatchObject({ started: false });
    expect(droppedAgain).toMatchObject({ started: false });
    expect((JSON.parse(failed.body ?? '{}') as { documents: { key: string; failure: { reason: string } }[] }).documents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: 'acme/d.md',
          failure: expect.objectContaining({ error: 'ForbiddenError', reason: expect.stringContaining('RAG_MAX_DOCUMENTS_PER_TENANT') }),
        }),
        expect.objectContaining({ key: 'acme/e.md', status: 'FAILED' }),
      ]),
    );
    expect(redriveWhileFull.statusCode).toBe(403);
    // Two refused documents hold no slot: the count is still the two indexed ones.
    expect(await services.manifests.countDocuments('acme')).toBe(2);

    const removed = await request('DELETE /documents/{documentId}', 'acme', { documentId: documentIdFor('acme', 'acme/b.md') });
    await workflows.settle();
    const redrive = await request('POST /documents/{documentId}/redrive', 'acme', { documentId: dId });
    await workflows.settle();
    const full = await upload('acme', 'f.md');

    expect(removed.statusCode).toBe(202);
    expect(redrive.statusCode).toBe(202);
    expect((await services.manifests.get('acme', dId))?.status).toBe('INDEXED');
    expect(full.statusCode).toBe(403);
    expect(workflows.failures).toEqual([]);
  });

  it('refuses a key over RAG_MAX_KEY_BYTES (UTF-8 bytes): 400 with the reason on upload, a rejected folder file that no sweep indexes', async () => {
    // "globex/" + 15 × "ü" (2 bytes each) + ".md" = 40 bytes: at the limit. One more "ü" is 42.
    const atLimit = await upload('globex', `${'ü'.repeat(15)}.md`);
    const longName = `${'ü'.repeat(16)}.md`;
    const tooLong = await upload('globex', longName);
    const folderFile = await dropFile(`globex/${longName}`);
    await workflows.startReindex('manual');
    await workflows.settle();

    expect(atLimit.statusCode).toBe(202);
    expect(tooLong.statusCode).toBe(400);
    expect(errorOf(tooLong).issues?.[0]?.message).toContain('42 bytes of UTF-8, above the limit of 40 (RAG_MAX_KEY_BYTES)');
    expect(folderFile).toEqual({ ignored: true, reason: expect.stringContaining('RAG_MAX_KEY_BYTES') });
    expect(await services.manifests.get('globex', documentIdFor('globex', `globex/${longName}`))).toBeUndefined();
    expect((await services.manifests.get('globex', documentIdFor('globex', `globex/${'ü'.repeat(15)}.md`)))?.status).toBe('INDEXED');
  });

  it('counts a tenant’s documents from keys, reuses the count for a while adding its own creations, and refusals hold no slot', async () => {
    let clock = 1_000_000;
    const store = new ManifestStore(services.state, () => clock);
    const manifest = (name: string) => newManifest('initech', `initech/${name}`, documentIdFor('initech', `initech/${name}`));
    const first = manifest('one.md');

    const empty = await store.countDocuments('initech');
    await store.create(first);
    // Written behind the store's back (another process): not seen until the count is taken again.
    await services.state.put(manifestKey('initech', 'f'.repeat(32)), JSON.stringify(manifest('other.md')));
    const cached = await store.countDocuments('initech');
    await store.refuse({ ...manifest('refused.md'), status: 'FAILED' });
    clock += DOCUMENT_COUNT_TTL_MS;
    const recounted = await store.countDocuments('initech');
    await store.delete('initech', first.documentId);
    const afterDelete = await store.countDocuments('initech');

    expect(empty).toBe(0);
    expect(cached).toBe(1);
    expect(recounted).toBe(2);
    expect(await store.isRefused('initech', documentIdFor('initech', 'initech/refused.md'))).toBe(true);
    expect(afterDelete).toBe(1);
  });
});
