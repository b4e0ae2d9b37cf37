import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { makeHandler as makeDocumentsHandler } from '../../../functions/api/documents';
import { makeHandler as makeTriggerHandler } from '../../../functions/ingest/trigger';
import { makeHandler as makeSweepStartHandler } from '../../../functions/reindex/start-ingestion';
import { LocalWorkflows } from '../../../local/asl-workflows';
import { apiGatewayEvent } from '../../../local/http-event';
import { lambdaContext } from '../../../local/lambda-context';
import { s3Event } from '../../../local/watcher';
import { createServices, useServices } from '../../../shared/container';
import { documentIdFor } from '../../../shared/documents/identity';
import type { EmbeddingPurpose, EmbeddingResult } from '../../../shared/embeddings/embedder';
import { ThrottlingError } from '../../../shared/errors';
import type { Services } from '../../../shared/pipeline/services';
import type { StartedExecution } from '../../../shared/workflows/workflows';
import { CountingEmbedder, tempConfig } from '../../helpers/temp-config';

/**
 * The bounded, fair ingest queue through the handlers that feed it (issue 15): the folder trigger, the upload API
 * and the re-index sweep, over the real ASL interpreter and local adapters.
 */

/** Holds every embedding call while closed, so a test decides when the running ingestions may end. */
class GatedEmbedder extends CountingEmbedder {
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;
  close(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }
  release(): void {
    this.open();
  }
  override async embed(texts: string[], purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    await this.gate;
    return super.embed(texts, purpose);
  }
}

async function setUp(options: { ingestConcurrency: number; ingestQueueMax: number }) {
  const temp = await tempConfig();
  const workflows = await LocalWorkflows.create({ retryDelayScale: 0, ...options });
  const plain = await createServices(temp.config, { workflows });
  const embedder = new GatedEmbedder(plain.embedder);
  const services: Services = { ...plain, embedder };
  useServices(services);
  const deps = async () => services;
  const documents = makeDocumentsHandler(deps);
  const trigger = makeTriggerHandler(deps);
  const upload = async (tenant: string, path: string, body: string) =>
    (await documents(
      apiGatewayEvent({
        method: 'PUT',
        rawPath: `/documents/content/${path}`,
        rawQueryString: '',
        routeKey: 'PUT /documents/content/{path+}',
        headers: { 'content-type': 'text/markdown' },
        pathParameters: { path },
        queryStringParameters: {},
        body,
        sourceIp: '127.0.0.1',
        claims: { 'custom:tenant': tenant },
      }),
      lambdaContext('api-documents'),
    )) as APIGatewayProxyStructuredResultV2;
  /** Drops a file into the folder and delivers its object event, as the watcher does. */
  const dropFile = async (key: string, body: string) => {
    await services.documents.put(key, body);
    const head = await services.documents.head(key);
    return trigger(s3Event('Object Created', key, { size: head?.size, etag: head?.etag }), lambdaContext('ingest-trigger'));
  };
  const tearDown = async () => {
    embedder.release();
    await workflows.settle();
    await services.vectors.close?.();
    useServices(undefined);
    await temp.cleanup();
  };
  return { services, workflows, embedder, upload, dropFile, deps, tearDown };
}

describe('the ingest queue through the trigger, the upload API and the sweep', () => {
  it('starts an upload made during a 500-file burst before the burst has drained', async () => {
    const env = await setUp({ ingestConcurrency: 4, ingestQueueMax: 1000 });
    try {
      const ended: string[] = [];
      let waitingWhenUploadEnded = -1;
      let uploadExecution = '';
      let uploadEnded: () => void = () => undefined;
      const uploadDone = new Promise<void>((resolve) => {
        uploadEnded = resolve;
      });
      env.workflows.observe({
        ingestionEnded: ({ executionName }) => {
          ended.push(executionName);
          if (executionName === uploadExecution) {
            waitingWhenUploadEnded = env.workflows.ingestQueue.waiting;
            uploadEnded();
          }
        },
      });
      // Nothing ends while the burst is queued: the first four hold their slots in the embedder.
      env.embedder.close();
      const burst: StartedExecution[] = [];
      for (let n = 0; n < 500; n += 1) {
        burst.push((await env.dropFile(`acme/burst/note-${n}.md`, `# Note ${n}\n\nA short note about valve ${n}.`)) as StartedExecution);
      }
      expect(burst.every((started) => started.started)).toBe(true);
      expect(env.workflows.ingestQueue).toEqual({ waiting: 496, running: 4 });

      const response = await env.upload('acme', 'handbook.md', '# Handbook\n\nPumps are serviced every spring.');
      uploadExecution = (JSON.parse(response.body ?? '{}') as { execution: string }).execution;
      env.embedder.release();
      await uploadDone;

      expect(response.statusCode).toBe(202);
      // The upload went ahead of the 496 queued folder events of its own tenant: almost all still wait.
      expect(ended.indexOf(uploadExecution)).toBeLessThan(50);
      expect(waitingWhenUploadEnded).toBeGreaterThan(400);
      const manifest = await env.services.manifests.get('acme', documentIdFor('acme', 'acme/handbook.md'));
      expect(manifest?.status).toBe('INDEXED');
    } finally {
      await env.tearDown();
    }
  }, 300_000);

  it('answers an upload into a full queue 429 with Retry-After, defers a folder event and a sweep start, and the next sweep ingests them', async () => {
    const env = await setUp({ ingestConcurrency: 1, ingestQueueMax: 3 });
    try {
      env.embedder.close();
      for (let n = 0; n < 4; n += 1) await env.dropFile(`acme/queued-${n}.md`, `# Queued ${n}\n\nText about gears ${n}.`);
      expect(env.workflows.ingestQueue).toEqual({ waiting: 3, running: 1 });

      const refused = await env.upload('acme', 'late.md', '# Late\n\nThe late upload talks about flanges.');
      const deferred = await env.dropFile('acme/dropped.md', '# Dropped\n\nThe dropped file talks about rivets.');
      const sweepStart = makeSweepStartHandler(env.deps);
      const swept = await sweepStart(
        { tenant: 'acme', key: 'acme/late.md', action: 'upsert', etag: (await env.services.documents.head('acme/late.md'))?.etag, reason: 'reindex' },
        lambdaContext('reindex-start-ingestion'),
      );
      const lateId = documentIdFor('acme', 'acme/late.md');
      const droppedId = documentIdFor('acme', 'acme/dropped.md');

      expect(refused.statusCode).toBe(429);
      expect(refused.headers?.['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect(JSON.parse(refused.body ?? '{}')).toMatchObject({
        error: { code: ThrottlingError.name, message: expect.stringContaining('RAG_INGEST_QUEUE_MAX') },
      });
      expect(deferred).toEqual({ deferred: true, reason: expect.stringContaining('re-index sweep') });
      expect(swept).toMatchObject({ started: false });
      // Nothing dropped: both files are stored and PENDING, and the queue holds no more than its bound.
      expect(await env.services.documents.head('acme/late.md')).toBeDefined();
      expect((await env.services.manifests.get('acme', lateId))?.status).toBe('PENDING');
      expect((await env.services.manifests.get('acme', droppedId))?.status).toBe('PENDING');
      expect(env.workflows.ingestQueue).toEqual({ waiting: 3, running: 1 });

      env.embedder.release();
      await env.workflows.settle();
      expect((await env.services.manifests.get('acme', lateId))?.status).toBe('PENDING');
      await env.workflows.startReindex('manual');
      await env.workflows.settle();

      expect((await env.services.manifests.get('acme', lateId))?.status).toBe('INDEXED');
      expect((await env.services.manifests.get('acme', droppedId))?.status).toBe('INDEXED');
      expect(env.workflows.failures).toEqual([]);
    } finally {
      await env.tearDown();
    }
  }, 120_000);

  it('keeps refusing a second start of a queued execution name, and takes a refused name once there is room', async () => {
    const env = await setUp({ ingestConcurrency: 1, ingestQueueMax: 1 });
    try {
      env.embedder.close();
      const request = (n: number) => ({ tenant: 'acme', key: `acme/d-${n}.md`, action: 'upsert' as const, etag: `e${n}`, reason: 'event' as const });
      for (const n of [0, 1]) await env.services.documents.put(`acme/d-${n}.md`, `# D${n}\n\nText ${n}.`);
      await env.services.documents.put('acme/d-2.md', '# D2\n\nText 2.');

      const running = await env.workflows.startIngestion(request(0));
      const queued = await env.workflows.startIngestion(request(1));
      const duplicate = await env.workflows.startIngestion(request(1));
      const full = env.workflows.startIngestion(request(2));

      expect([running.started, queued.started, duplicate.started]).toEqual([true, true, false]);
      await expect(full).rejects.toBeInstanceOf(ThrottlingError);
      env.embedder.release();
      await env.workflows.settle();
      await expect(env.workflows.startIngestion(request(2))).resolves.toMatchObject({ started: true });
      await env.workflows.settle();
      expect(env.workflows.failures).toEqual([]);
    } finally {
      await env.tearDown();
    }
  }, 60_000);
});
