import type { Context } from 'aws-lambda';
import { makeHandler as makeDocumentsHandler } from '../../../functions/api/documents';
import { createServices, useServices } from '../../../shared/container';
import { documentIdFor } from '../../../shared/documents/identity';
import { LocalEmbedder } from '../../../shared/embeddings/local-embedder';
import type { EmbeddingPurpose, EmbeddingResult } from '../../../shared/embeddings/embedder';
import { ThrottlingError, UnsupportedDocumentError } from '../../../shared/errors';
import type { Services } from '../../../shared/pipeline/services';
import { LocalWorkflows } from '../../../local/asl-workflows';
import { apiGatewayEvent } from '../../../local/http-event';
import { lambdaContext } from '../../../local/lambda-context';
import { CountingEmbedder, tempConfig } from '../../helpers/temp-config';

/**
 * Runs the real statemachines/ingest.asl.json in the local ASL interpreter, every Task bound to
 * the real handler, over the embedded adapters in a temp folder. Each test starts from empty
 * stores and a fresh embedder, and prepares the documents and manifests it needs itself.
 */
class FlakyEmbedder extends CountingEmbedder {
  /** Throws for the calls whose 1-based number is in the map. */
  failOn = new Map<number, () => Error>();
  /** Names of the errors thrown, in order. */
  readonly thrown: string[] = [];
  override async embed(texts: string[], purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    const call = this.calls + 1;
    const fail = this.failOn.get(call);
    if (fail) {
      this.calls += 1;
      const error = fail();
      this.thrown.push(error.name);
      throw error;
    }
    return super.embed(texts, purpose);
  }
}

type HttpHandler = (event: unknown, context: Context) => Promise<{ statusCode: number; body?: string }>;

const BATCH_SIZE = 4;
const paragraph = (topic: string, n: number) =>
  `## ${topic} part ${n}\n\nThe ${topic} procedure step ${n} requires the operator to check valve ${n * 7} and record the pressure reading in the logbook before continuing. `.repeat(
    3,
  );
const longDoc = (topic: string, parts: number) => `# ${topic}\n\n${Array.from({ length: parts }, (_, i) => paragraph(topic, i + 1)).join('\n\n')}`;

describe('ingest state machine (real ASL, real handlers, embedded adapters)', () => {
  let workflows: LocalWorkflows;
  let services: Services;
  let embedder: FlakyEmbedder;
  let cleanup: () => Promise<void>;
  const tenant = 'acme';

  beforeAll(async () => {
    workflows = await LocalWorkflows.create({ retryDelayScale: 0 });
  });

  beforeEach(async () => {
    const temp = await tempConfig({ RAG_CHUNK_SIZE: '400', RAG_CHUNK_OVERLAP: '50', RAG_EMBED_BATCH_SIZE: String(BATCH_SIZE) });
    cleanup = temp.cleanup;
    embedder = new FlakyEmbedder(new LocalEmbedder());
    services = await createServices(temp.config, { workflows, embedder });
    useServices(services);
  });

  afterEach(async () => {
    await workflows.settle();
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  async function ingest(key: string, action: 'upsert' | 'delete' = 'upsert'): Promise<void> {
    const head = await services.documents.head(key);
    await workflows.startIngestion({ tenant: key.split('/')[0] ?? tenant, key, action, etag: head?.etag ?? 'gone', reason: 'event' });
    await workflows.settle();
  }

  async function putAndIngest(key: string, text: string): Promise<void> {
    await services.documents.put(key, text);
    await ingest(key);
  }

  const manifestOf = (key: string, t = tenant) => services.manifests.get(t, documentIdFor(t, key));
  const vectorsOf = (key: string, fingerprint?: string) => services.vectors.countDocument(tenant, documentIdFor(tenant, key), fingerprint);

  /** Indexes `key` and returns that live manifest, then fails a re-index of new bytes on its second embedding call. */
  async function failReindexHalfWay(key: string) {
    await putAndIngest(key, longDoc('pump', 10));
    const live = await manifestOf(key);
    expect(live?.status).toBe('INDEXED');
    await services.documents.put(key, longDoc('turbine', 10));
    embedder.failOn = new Map([[embedder.calls + 2, () => new UnsupportedDocumentError('model refused the input')]]);
    await ingest(key);
    embedder.failOn.clear();
    return live;
  }

  it('indexes a document: manifest INDEXED and its chunk count equals the vectors in the index', async () => {
    const key = 'acme/runbooks/boiler.md';

    await putAndIngest(key, longDoc('boiler', 12));

    const manifest = await manifestOf(key);
    expect(manifest?.status).toBe('INDEXED');
    expect(manifest?.attempts).toBe(1);
    expect(manifest?.chunkCount).toBeGreaterThan(BATCH_SIZE);
    expect(await vectorsOf(key)).toBe(manifest?.chunkCount);
    // Work files of the execution are cleaned up.
    expect((await services.state.list('work/')).items).toEqual([]);
  });

  it('makes zero embedding calls when the same bytes are ingested again', async () => {
    const key = 'acme/runbooks/boiler.md';
    await putAndIngest(key, longDoc('boiler', 12));
    const before = embedder.calls;
    expect(before).toBeGreaterThan(0);

    await ingest(key);

    expect(embedder.calls).toBe(before);
    expect((await manifestOf(key))?.status).toBe('INDEXED');
  });

  it('re-indexes changed bytes: new chunks in, stale chunks out', async () => {
    const key = 'acme/runbooks/boiler.md';
    await putAndIngest(key, longDoc('boiler', 12));
    const old = await manifestOf(key);

    await putAndIngest(key, longDoc('chiller', 5));

    const manifest = await manifestOf(key);
    expect(manifest?.fingerprint).not.toBe(old?.fingerprint);
    expect(manifest?.chunkCount).toBeGreaterThan(0);
    expect(await vectorsOf(key)).toBe(manifest?.chunkCount);
    expect(await vectorsOf(key, old?.fingerprint)).toBe(0);
  });

  it('retries throttled embedding batches through the ASL Retry and loses no chunk', async () => {
    // Prepare: the first and the third embedding calls of this ingestion are throttled
    const key = 'acme/runbooks/pump.md';
    await services.documents.put(key, longDoc('pump', 10));
    embedder.failOn = new Map([
      [1, () => new ThrottlingError('Too many requests')],
      [3, () => new ThrottlingError('Too many requests')],
    ]);

    // Act
    await ingest(key);

    // Assess: both throttles fired...
    expect(embedder.thrown).toEqual(['ThrottlingError', 'ThrottlingError']);
    const manifest = await manifestOf(key);
    expect(manifest?.status).toBe('INDEXED');
    expect(await vectorsOf(key)).toBe(manifest?.chunkCount);
    // ...and each throttled batch was embedded again: one successful call per batch, plus one call per throttle.
    const batches = Math.ceil((manifest?.chunkCount ?? 0) / BATCH_SIZE);
    expect(batches).toBeGreaterThan(2);
    expect(embedder.calls).toBe(batches + 2);
  });

  it('records a broken file as FAILED with a reason and indexes nothing for it', async () => {
    const key = 'acme/broken.pdf';

    await putAndIngest(key, '%PDF-1.7\nthis is not really a pdf');

    const manifest = await manifestOf(key);
    expect(manifest?.status).toBe('FAILED');
    expect(manifest?.failure?.error).toBe('UnsupportedDocumentError');
    expect(manifest?.failure?.reason).toMatch(/pdf/i);
    expect(await vectorsOf(key)).toBe(0);
  });

  it('keeps the live version searchable when a re-index fails half-way, and removes the partial chunks', async () => {
    const key = 'acme/runbooks/pump.md';

    const live = await failReindexHalfWay(key);

    expect(embedder.thrown).toEqual(['UnsupportedDocumentError']);
    const manifest = await manifestOf(key);
    expect(manifest?.status).toBe('FAILED');
    expect(manifest?.failure?.error).toBe('UnsupportedDocumentError');
    expect(manifest?.fingerprint).toBe(live?.fingerprint);
    expect(await vectorsOf(key)).toBe(live?.chunkCount);
    expect(await vectorsOf(key, live?.fingerprint)).toBe(live?.chunkCount);
    // The partial chunks were searchable while the attempt ran: the tenant's index generation moved twice
    // (the live version, then their withdrawal), so no answer cached in between is read again.
    expect(await services.conversations.indexGeneration(tenant)).toBe(2);
  });

  it('a re-drive through the API runs the ingestion again: one more attempt, the new version indexed, the old one gone', async () => {
    // Prepare: a live version, and a FAILED re-index of new bytes
    const key = 'acme/runbooks/pump.md';
    await failReindexHalfWay(key);
    const failed = await manifestOf(key);
    expect(failed?.status).toBe('FAILED');
    const documents = makeDocumentsHandler(async () => services) as HttpHandler;

    // Act: POST /documents/{documentId}/redrive
    const res = await documents(
      apiGatewayEvent({
        method: 'POST',
        rawPath: `/documents/${failed?.documentId}/redrive`,
        rawQueryString: '',
        routeKey: 'POST /documents/{documentId}/redrive',
        headers: {},
        pathParameters: { documentId: failed?.documentId ?? '' },
        queryStringParameters: {},
        sourceIp: '127.0.0.1',
        claims: { 'custom:tenant': tenant },
      }),
      lambdaContext('api-documents'),
    );
    await workflows.settle();

    // Assess
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body ?? '{}')).toMatchObject({ documentId: failed?.documentId, status: 'PENDING' });
    const manifest = await manifestOf(key);
    expect(manifest?.attempts).toBe((failed?.attempts ?? 0) + 1);
    expect(manifest?.status).toBe('INDEXED');
    expect(manifest?.failure).toBeUndefined();
    expect(manifest?.fingerprint).not.toBe(failed?.fingerprint);
    expect(await vectorsOf(key)).toBe(manifest?.chunkCount);
    expect(await vectorsOf(key, failed?.fingerprint)).toBe(0);
  });

  it('a delete removes every vector and the manifest', async () => {
    const key = 'acme/runbooks/pump.md';
    await putAndIngest(key, longDoc('pump', 10));
    expect(await vectorsOf(key)).toBeGreaterThan(0);

    await services.documents.delete(key);
    await ingest(key, 'delete');

    expect(await manifestOf(key)).toBeUndefined();
    expect(await vectorsOf(key)).toBe(0);
  });

  it('the re-index sweep ingests what is new and deletes what is gone, and is idle on an unchanged corpus', async () => {
    // Prepare: an indexed and a failed document whose objects then go, and two new objects
    await putAndIngest('acme/runbooks/boiler.md', longDoc('boiler', 3));
    await putAndIngest('acme/broken.pdf', '%PDF-1.7\nthis is not really a pdf');
    await services.documents.put('acme/new.md', longDoc('compressor', 3));
    await services.documents.put('globex/other.md', longDoc('conveyor', 3));
    await services.documents.delete('acme/runbooks/boiler.md');
    await services.documents.delete('acme/broken.pdf');

    // Act
    await workflows.startReindex('manual');
    await workflows.settle();

    // Assess
    expect((await manifestOf('acme/new.md'))?.status).toBe('INDEXED');
    expect((await manifestOf('globex/other.md', 'globex'))?.status).toBe('INDEXED');
    expect(await manifestOf('acme/runbooks/boiler.md')).toBeUndefined();
    expect(await manifestOf('acme/broken.pdf')).toBeUndefined();
    expect(await vectorsOf('acme/runbooks/boiler.md')).toBe(0);

    const before = embedder.calls;
    await workflows.startReindex('manual');
    await workflows.settle();
    expect(embedder.calls).toBe(before);
  });
});
