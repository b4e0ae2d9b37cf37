import * as ingestTrigger from '../../../../functions/ingest/trigger';
import { lambdaContext } from '../../../../local/lambda-context';
import { createServices, useServices } from '../../../../shared/container';
import { documentIdFor } from '../../../../shared/documents/identity';
import { newManifest } from '../../../../shared/pipeline/manifest';
import { planReindexPage } from '../../../../shared/pipeline/reindex';
import type { Services } from '../../../../shared/pipeline/services';
import type { IngestionRequest, StartedExecution, Workflows } from '../../../../shared/workflows/workflows';
import { tempConfig } from '../../../helpers/temp-config';

/** Records what would be started; runs nothing. */
class RecordingWorkflows {
  readonly started: IngestionRequest[] = [];
  async startIngestion(request: IngestionRequest): Promise<StartedExecution> {
    this.started.push(request);
    return { executionName: `x-${this.started.length}`, started: true };
  }
}

function objectCreated(key: string): unknown {
  return {
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: 'docs' }, object: { key: encodeURIComponent(key), etag: 'e1', sequencer: '01' } },
  };
}

describe('files outside a tenant folder are never indexed (issue 15: no silent fallback to the default tenant)', () => {
  let services: Services;
  let workflows: RecordingWorkflows;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const temp = await tempConfig({});
    cleanup = temp.cleanup;
    workflows = new RecordingWorkflows();
    services = await createServices(temp.config, { workflows: workflows as unknown as Workflows });
    useServices(services);
  });
  afterAll(async () => {
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  it('the trigger starts an ingestion for a tenant folder, and none for the root or a folder that is no tenant name, saying why', async () => {
    const handler = ingestTrigger.makeHandler(async () => services);
    const context = lambdaContext('ingest-trigger');
    for (const key of ['acme/handbook.md', 'handbook.md', 'ACME/handbook.md']) await services.documents.put(key, '# Handbook\n\nText.');

    const valid = await handler(objectCreated('acme/handbook.md'), context);
    const atRoot = await handler(objectCreated('handbook.md'), context);
    const upperCase = await handler(objectCreated('ACME/handbook.md'), context);

    expect(valid).toMatchObject({ started: true });
    expect(atRoot).toEqual({ ignored: true, reason: expect.stringMatching(/at the root/) });
    expect(upperCase).toEqual({ ignored: true, reason: expect.stringMatching(/not a tenant name/) });
    expect(workflows.started.map((r) => [r.tenant, r.key])).toEqual([['acme', 'acme/handbook.md']]);
  });

  it('the re-index sweep skips them, and withdraws a document once indexed under a tenant its key does not name', async () => {
    workflows.started.length = 0;
    for (const key of ['acme/kept.md', 'stray.md', 'Other/notes.md']) await services.documents.put(key, `# ${key}\n\nSome text.`);
    // What the old fallback left behind: the root file indexed as the default tenant.
    await services.manifests.put({ ...newManifest('default', 'stray.md', documentIdFor('default', 'stray.md')), status: 'INDEXED', etag: 'old' });

    const upserts: IngestionRequest[] = [];
    let page = await planReindexPage(services, undefined);
    upserts.push(...page.items);
    while (!page.done) {
      page = await planReindexPage(services, page.nextCursor);
      upserts.push(...page.items);
    }

    // acme/handbook.md is still PENDING from the trigger above (nothing ran it), so it is planned again.
    expect(upserts.filter((r) => r.action === 'upsert').map((r) => r.key)).toEqual(['acme/handbook.md', 'acme/kept.md']);
    expect(upserts.filter((r) => r.action === 'delete').map((r) => [r.tenant, r.key])).toEqual([['default', 'stray.md']]);
  });
});
