import { createServices, useServices } from '../../../shared/container';
import { documentIdFor } from '../../../shared/documents/identity';
import { LocalEmbedder } from '../../../shared/embeddings/local-embedder';
import type { EmbeddingPurpose, EmbeddingResult } from '../../../shared/embeddings/embedder';
import { ThrottlingError, UnsupportedDocumentError } from '../../../shared/errors';
import type { Services } from '../../../shared/pipeline/services';
import { LocalWorkflows } from '../../../local/asl-workflows';
import { CountingEmbedder, tempConfig } from '../../helpers/temp-config';

/**
 * Runs the real statemachines/ingest.asl.json in the local ASL interpreter, every Task bound to
 * the real handler, over the embedded adapters in a temp folder.
 */
class FlakyEmbedder extends CountingEmbedder {
  /** Throws for the calls whose 1-based number is in the set. */
  failOn = new Map<number, () => Error>();
  override async embed(texts: string[], purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    const call = this.calls + 1;
    const fail = this.failOn.get(call);
    if (fail) {
      this.calls += 1;
      throw fail();
    }
    return super.embed(texts, purpose);
  }
}

const paragraph = (topic: string, n: number) =>
  `## ${topic} part ${n}\n\nThe ${topic} procedure step ${n} requires the operator to check valve ${n * 7} and record the pressure reading in the logbook before continuing. `.repeat(
    3,
  );
const longDoc = (topic: string, parts: number) => `# ${topic}\n\n${Array.from({ length: parts }, (_, i) => paragraph(topic, i + 1)).join('\n\n')}`;

describe('ingest state machine (real ASL, real handlers, embedded adapters)', () => {
  let services: Services;
  let workflows: LocalWorkflows;
  let embedder: FlakyEmbedder;
  let cleanup: () => Promise<void>;
  const tenant = 'acme';

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_CHUNK_SIZE: '400', RAG_CHUNK_OVERLAP: '50', RAG_EMBED_BATCH_SIZE: '4' });
    cleanup = temp.cleanup;
    workflows = await LocalWorkflows.create({ retryDelayScale: 0 });
    embedder = new FlakyEmbedder(new LocalEmbedder());
    services = await createServices(temp.config, { workflows, embedder });
    useServices(services);
  });

  afterAll(async () => {
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  async function ingest(key: string, action: 'upsert' | 'delete' = 'upsert'): Promise<void> {
    const head = await services.documents.head(key);
    await workflows.startIngestion({ tenant, key, action, etag: head?.etag ?? 'gone', reason: 'event' });
    await workflows.settle();
  }

  it('indexes a document: manifest INDEXED and its chunk count equals the vectors in the index', async () => {
    const key = 'acme/runbooks/boiler.md';
    await services.documents.put(key, longDoc('boiler', 12));
    await ingest(key);
    const manifest = await services.manifests.get(tenant, documentIdFor(tenant, key));
    expect(manifest?.status).toBe('INDEXED');
    expect(manifest?.chunkCount).toBeGreaterThan(4);
    expect(await services.vectors.countDocument(tenant, documentIdFor(tenant, key))).toBe(manifest?.chunkCount);
    // Work files of the execution are cleaned up.
    expect((await services.state.list('work/')).items).toEqual([]);
  });

  it('makes zero embedding calls when the same bytes are ingested again', async () => {
    const key = 'acme/runbooks/boiler.md';
    const before = embedder.calls;
    await ingest(key);
    expect(embedder.calls).toBe(before);
    expect((await services.manifests.get(tenant, documentIdFor(tenant, key)))?.status).toBe('INDEXED');
  });

  it('re-indexes changed bytes: new chunks in, stale chunks out', async () => {
    const key = 'acme/runbooks/boiler.md';
    const documentId = documentIdFor(tenant, key);
    const old = await services.manifests.get(tenant, documentId);
    await services.documents.put(key, longDoc('chiller', 5));
    await ingest(key);
    const manifest = await services.manifests.get(tenant, documentId);
    expect(manifest?.fingerprint).not.toBe(old?.fingerprint);
    expect(await services.vectors.countDocument(tenant, documentId)).toBe(manifest?.chunkCount);
    expect(await services.vectors.countDocument(tenant, documentId, old?.fingerprint)).toBe(0);
  });

  it('retries throttled embedding batches and loses no chunk', async () => {
    const key = 'acme/runbooks/pump.md';
    await services.documents.put(key, longDoc('pump', 10));
    const next = embedder.calls + 1;
    embedder.failOn = new Map([
      [next, () => new ThrottlingError('Too many requests')],
      [next + 2, () => new ThrottlingError('Too many requests')],
    ]);
    await ingest(key);
    embedder.failOn.clear();
    const manifest = await services.manifests.get(tenant, documentIdFor(tenant, key));
    expect(manifest?.status).toBe('INDEXED');
    expect(await services.vectors.countDocument(tenant, documentIdFor(tenant, key))).toBe(manifest?.chunkCount);
  });

  it('records a broken file as FAILED with a reason and indexes nothing for it', async () => {
    const key = 'acme/broken.pdf';
    await services.documents.put(key, Buffer.from('%PDF-1.7\nthis is not really a pdf'));
    await ingest(key);
    const manifest = await services.manifests.get(tenant, documentIdFor(tenant, key));
    expect(manifest?.status).toBe('FAILED');
    expect(manifest?.failure?.error).toBe('UnsupportedDocumentError');
    expect(manifest?.failure?.reason.length).toBeGreaterThan(0);
    expect(await services.vectors.countDocument(tenant, documentIdFor(tenant, key))).toBe(0);
  });

  it('keeps the live version searchable when a re-index fails half-way, and removes the partial chunks', async () => {
    const key = 'acme/runbooks/pump.md';
    const documentId = documentIdFor(tenant, key);
    const live = await services.manifests.get(tenant, documentId);
    await services.documents.put(key, longDoc('turbine', 10));
    embedder.failOn = new Map([[embedder.calls + 2, () => new UnsupportedDocumentError('model refused the input')]]);
    await ingest(key);
    embedder.failOn.clear();
    const manifest = await services.manifests.get(tenant, documentId);
    expect(manifest?.status).toBe('FAILED');
    expect(manifest?.fingerprint).toBe(live?.fingerprint);
    expect(await services.vectors.countDocument(tenant, documentId)).toBe(live?.chunkCount);
    expect(await services.vectors.countDocument(tenant, documentId, live?.fingerprint)).toBe(live?.chunkCount);
  });

  it('a re-drive of the failed document indexes it', async () => {
    const key = 'acme/runbooks/pump.md';
    const head = await services.documents.head(key);
    await workflows.startIngestion({ tenant, key, action: 'upsert', etag: head?.etag, reason: 'redrive' });
    await workflows.settle();
    const manifest = await services.manifests.get(tenant, documentIdFor(tenant, key));
    expect(manifest?.status).toBe('INDEXED');
    expect(await services.vectors.countDocument(tenant, documentIdFor(tenant, key))).toBe(manifest?.chunkCount);
  });

  it('a delete removes every vector and the manifest', async () => {
    const key = 'acme/runbooks/pump.md';
    await services.documents.delete(key);
    await ingest(key, 'delete');
    expect(await services.manifests.get(tenant, documentIdFor(tenant, key))).toBeUndefined();
    expect(await services.vectors.countDocument(tenant, documentIdFor(tenant, key))).toBe(0);
  });

  it('the re-index sweep ingests what is new and deletes what is gone, and is idle on an unchanged corpus', async () => {
    await services.documents.put('acme/new.md', longDoc('compressor', 3));
    await services.documents.put('globex/other.md', longDoc('conveyor', 3));
    await services.documents.delete('acme/runbooks/boiler.md');
    await services.documents.delete('acme/broken.pdf');
    await workflows.startReindex('manual');
    await workflows.settle();
    expect((await services.manifests.get('acme', documentIdFor('acme', 'acme/new.md')))?.status).toBe('INDEXED');
    expect((await services.manifests.get('globex', documentIdFor('globex', 'globex/other.md')))?.status).toBe('INDEXED');
    expect(await services.manifests.get(tenant, documentIdFor(tenant, 'acme/runbooks/boiler.md'))).toBeUndefined();
    expect(await services.vectors.countDocument(tenant, documentIdFor(tenant, 'acme/runbooks/boiler.md'))).toBe(0);

    const before = embedder.calls;
    await workflows.startReindex('manual');
    await workflows.settle();
    expect(embedder.calls).toBe(before);
  });
});
