import * as ingestTrigger from '../../../../functions/ingest/trigger';
import { LocalWorkflows } from '../../../../local/asl-workflows';
import { lambdaContext } from '../../../../local/lambda-context';
import { s3Event } from '../../../../local/watcher';
import { createServices, useServices } from '../../../../shared/container';
import { extractOptionsFrom, extractText } from '../../../../shared/documents/extract';
import { documentIdFor } from '../../../../shared/documents/identity';
import type { EmbeddingPurpose, EmbeddingResult } from '../../../../shared/embeddings/embedder';
import { currentFingerprint, recordFailure } from '../../../../shared/pipeline/ingest';
import { newManifest } from '../../../../shared/pipeline/manifest';
import type { Services } from '../../../../shared/pipeline/services';
import type { BlobHead, BlobPage, BlobStore, PutOptions } from '../../../../shared/storage/blob-store';
import { sha256Hex } from '../../../../shared/documents/identity';
import { CountingEmbedder, tempConfig } from '../../../helpers/temp-config';

/**
 * Issue 15 item 6: duplicate and out-of-order object events (create, create, delete, create) converge to the
 * final state of the object. Executions of one document run concurrently in the local interpreter as they do on
 * Step Functions; gates hold one execution at a chosen step so a later event's execution overtakes it.
 */

/** Holds whoever waits on it until released; `reached` resolves when the first waiter arrives. */
class Gate {
  private open!: () => void;
  private arrived!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  readonly reached = new Promise<void>((resolve) => (this.arrived = resolve));
  async pass(): Promise<void> {
    this.arrived();
    await this.opened;
  }
  release(): void {
    this.open();
  }
}

/** The real embedder; a document text containing a held marker waits at its gate before it is embedded. */
class GatedEmbedder extends CountingEmbedder {
  readonly held = new Map<string, Gate>();
  override async embed(texts: string[], purpose: EmbeddingPurpose): Promise<EmbeddingResult> {
    if (purpose === 'document') {
      for (const [marker, gate] of this.held) if (texts.some((text) => text.includes(marker))) await gate.pass();
    }
    return super.embed(texts, purpose);
  }
}

/** The real documents store; the first `head` of a held key waits at its gate (the DeleteDocument step looks first). */
class GatedDocuments implements BlobStore {
  readonly held = new Map<string, Gate>();
  constructor(private readonly inner: BlobStore) {}
  uriFor(key: string): string {
    return this.inner.uriFor(key);
  }
  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  put(key: string, body: Buffer | string, options?: PutOptions): Promise<void> {
    return this.inner.put(key, body, options);
  }
  async head(key: string): Promise<BlobHead | undefined> {
    const gate = this.held.get(key);
    if (gate) {
      this.held.delete(key);
      await gate.pass();
    }
    return this.inner.head(key);
  }
  list(prefix: string, cursor?: string, limit?: number): Promise<BlobPage> {
    return this.inner.list(prefix, cursor, limit);
  }
  count(prefix: string, atMost?: number): Promise<number> {
    return this.inner.count(prefix, atMost);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

const TENANT = 'events';

/** A document whose every chunk names its version's code; `paragraphs` makes versions differ in chunk count. */
function version(name: string, code: string, paragraphs: number): string {
  const body = Array.from(
    { length: paragraphs },
    (_, i) =>
      `Paragraph ${i + 1} of the ${name} notice. The vault code of the ${name} notice is ${code}. Staff read it aloud at the morning meeting, note it in the ledger and forget it by noon.`,
  );
  return `# ${name} notice\n\n${body.join('\n\n')}\n`;
}

describe('duplicate and out-of-order object events converge to the object as it is (issue 15 item 6)', () => {
  let services: Services;
  let workflows: LocalWorkflows;
  let embedder: GatedEmbedder;
  let documents: GatedDocuments;
  let cleanup: () => Promise<void>;
  const trigger = ingestTrigger.makeHandler(async () => services);
  const context = lambdaContext('ingest-trigger');

  beforeAll(async () => {
    const temp = await tempConfig();
    cleanup = temp.cleanup;
    workflows = await LocalWorkflows.create({ retryDelayScale: 0 });
    const base = await createServices(temp.config, { workflows });
    embedder = new GatedEmbedder(base.embedder);
    documents = new GatedDocuments(base.documents);
    services = await createServices(temp.config, { workflows, embedder, documents, vectors: base.vectors, state: base.state });
    useServices(services);
  });
  afterAll(async () => {
    await workflows.settle();
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  const write = async (key: string, text: string): Promise<void> => {
    await documents.put(key, text, { contentType: 'text/markdown' });
  };
  const created = async (key: string): Promise<unknown> => {
    const head = await services.documents.head(key);
    if (!head) throw new Error(`test set-up: ${key} was not written`);
    return trigger(s3Event('Object Created', head.key, { size: head.size, etag: head.etag }), context);
  };
  const deleted = (key: string): Promise<unknown> => trigger(s3Event('Object Deleted', key, {}), context);
  const manifestOf = (key: string) => services.manifests.get(TENANT, documentIdFor(TENANT, key));

  /** Writes `text` and sends its create event; resolves once that execution is held before embedding `marker`. */
  const heldCreate = async (key: string, text: string, marker: string): Promise<Gate> => {
    const gate = new Gate();
    embedder.held.set(marker, gate);
    await write(key, text);
    await created(key);
    await gate.reached;
    return gate;
  };

  /** The object is deleted and its delete event's execution has run. */
  const deleteObject = async (key: string): Promise<void> => {
    await documents.delete(key);
    await deleted(key);
    await waitFor(async () => (await manifestOf(key)) === undefined);
  };

  /** The chunks the product's own extractor and chunker make of `text` as the key's document. */
  const expectedChunks = async (key: string, text: string): Promise<number> => {
    const bytes = Buffer.from(text, 'utf8');
    const extracted = await extractText(bytes, key, extractOptionsFrom(services.config.ingestion, 'text/markdown'));
    const ids = { documentId: documentIdFor(TENANT, key), fingerprint: currentFingerprint(services, sha256Hex(bytes)) };
    return services.chunker.chunk(extracted, ids, { maxChunks: services.config.ingestion.maxChunksPerDocument }).length;
  };

  /** Manifest, index and answers all show exactly `text` (one generation, its chunk count, nothing older). */
  const expectIndexedAs = async (key: string, text: string, code: string, oldCodes: string[]): Promise<void> => {
    const documentId = documentIdFor(TENANT, key);
    const bytes = Buffer.from(text, 'utf8');
    const fingerprint = currentFingerprint(services, sha256Hex(bytes));
    const chunks = await expectedChunks(key, text);
    const manifest = await services.manifests.get(TENANT, documentId);
    expect(manifest).toMatchObject({
      status: 'INDEXED',
      version: sha256Hex(bytes),
      fingerprint,
      chunkCount: chunks,
      etag: (await services.documents.head(key))?.etag,
    });
    expect(await services.vectors.countDocument(TENANT, documentId, fingerprint)).toBe(chunks);
    expect(await services.vectors.countDocument(TENANT, documentId)).toBe(chunks);
    expect(await services.state.list(`work/${TENANT}/${documentId}/`)).toEqual({ items: [] });
    const response = await workflows.runQuery({ requestId: `req-${code}`, tenant: TENANT, question: `What is the vault code of the notice? ${code}` });
    expect(response.citations.map((c) => c.key)).toContain(key);
    expect(response.answer).toContain(code);
    for (const old of oldCodes) expect(response.answer).not.toContain(old);
  };

  const expectGone = async (key: string): Promise<void> => {
    const documentId = documentIdFor(TENANT, key);
    expect(await services.manifests.get(TENANT, documentId)).toBeUndefined();
    expect(await services.vectors.countDocument(TENANT, documentId)).toBe(0);
    expect(await services.state.list(`work/${TENANT}/${documentId}/`)).toEqual({ items: [] });
  };

  it('create, duplicate create, changed create, delete, create in quick succession: the last version is indexed once (at the latest after the next sweep)', async () => {
    const key = `${TENANT}/burst.md`;
    const v1 = version('burst', 'BURST-ONE', 1);
    const v2 = version('burst', 'BURST-TWO', 6);
    const v3 = version('burst', 'BURST-THREE', 3);

    await write(key, v1);
    await created(key);
    await created(key);
    await write(key, v2);
    await created(key);
    await documents.delete(key);
    await deleted(key);
    await write(key, v3);
    await created(key);
    await workflows.settle();
    // The scheduled sweep's run: it is the safety net for a delete that raced the object's next version (the delete
    // checked that the object was gone, it was written again, the delete removed the new execution's work files).
    await workflows.startReindex('schedule');
    await workflows.settle();

    await expectIndexedAs(key, v3, 'BURST-THREE', ['BURST-ONE', 'BURST-TWO']);
  });

  it('an older version finishing after a newer one does not replace it', async () => {
    const key = `${TENANT}/overtaken.md`;
    const v1 = version('overtaken', 'SLOW-ONE', 5);
    const v2 = version('overtaken', 'FAST-TWO', 2);
    const gate = await heldCreate(key, v1, 'SLOW-ONE');

    await write(key, v2);
    await created(key);
    // Let the newer execution finish while the older one is held before its embedding.
    await waitFor(async () => (await manifestOf(key))?.version === sha256Hex(Buffer.from(v2)));
    gate.release();
    await workflows.settle();

    await expectIndexedAs(key, v2, 'FAST-TWO', ['SLOW-ONE']);
  });

  it('a create held while the object is deleted and written again leaves only the newest version', async () => {
    const key = `${TENANT}/recreated.md`;
    const v1 = version('recreated', 'GHOST-ONE', 4);
    const v3 = version('recreated', 'LIVE-THREE', 2);
    const gate = await heldCreate(key, v1, 'GHOST-ONE');

    await deleteObject(key);
    await write(key, v3);
    await created(key);
    await waitFor(async () => (await manifestOf(key))?.status === 'INDEXED');
    gate.release();
    await workflows.settle();

    await expectIndexedAs(key, v3, 'LIVE-THREE', ['GHOST-ONE']);
  });

  it('a create held while its object is deleted leaves nothing behind', async () => {
    const key = `${TENANT}/vanished.md`;
    const v1 = version('vanished', 'VANISH-ONE', 3);
    const gate = await heldCreate(key, v1, 'VANISH-ONE');

    await deleteObject(key);
    gate.release();
    await workflows.settle();

    await expectGone(key);
  });

  it('a delete that removes the next version mid-way (it found the object gone, then it came back) leaves it for the sweep, which indexes it', async () => {
    const key = `${TENANT}/raced.md`;
    const v1 = version('raced', 'RACED-ONE', 2);
    const v2 = version('raced', 'RACED-TWO', 4);
    await write(key, v1);
    await created(key);
    await workflows.settle();
    const gate = new Gate();
    const vectors = services.vectors;
    const deleteDocument = vectors.deleteDocument.bind(vectors);
    vectors.deleteDocument = async (...args) => {
      await gate.pass();
      return deleteDocument(...args);
    };

    try {
      await documents.delete(key);
      await deleted(key);
      await gate.reached;
      await write(key, v2);
      await created(key);
      await waitFor(async () => (await manifestOf(key))?.version === sha256Hex(Buffer.from(v2)));
      gate.release();
      await workflows.settle();
    } finally {
      vectors.deleteDocument = deleteDocument;
    }
    // The delete withdrew the new version with the old one, and said so: PENDING without an etag.
    const left = await services.manifests.get(TENANT, documentIdFor(TENANT, key));
    expect({ status: left?.status, etag: left?.etag }).toEqual({ status: 'PENDING', etag: undefined });
    await workflows.startReindex('schedule');
    await workflows.settle();

    await expectIndexedAs(key, v2, 'RACED-TWO', ['RACED-ONE']);
  });

  it.each([
    ['NotFoundError', true],
    ['IndexConsistencyError', true],
    ['UnsupportedDocumentError', false],
  ])('a current version failing with %s is recorded FAILED; left for the sweep to retry (etag cleared): %s', async (error, retried) => {
    const key = `${TENANT}/failing-${error}.md`;
    const text = version('failing', 'FAILING-ONE', 1);
    await write(key, text);
    const head = await services.documents.head(key);
    const documentId = documentIdFor(TENANT, key);
    await services.manifests.create({ ...newManifest(TENANT, key, documentId), status: 'PENDING', etag: head?.etag });
    const versionHash = sha256Hex(Buffer.from(text));

    const result = await recordFailure(
      services,
      { tenant: TENANT, key, etag: head?.etag, action: 'upsert' },
      { Error: error, Cause: 'gone' },
      { version: versionHash, fingerprint: currentFingerprint(services, versionHash) },
      { chunkCount: 1 },
    );

    const manifest = await services.manifests.get(TENANT, documentId);
    expect(result.status).toBe('FAILED');
    expect({ status: manifest?.status, etag: manifest?.etag }).toEqual({ status: 'FAILED', etag: retried ? undefined : head?.etag });
  });

  it('a delete whose execution runs after the object was written again does not remove the new version', async () => {
    const key = `${TENANT}/revived.md`;
    const v1 = version('revived', 'OLD-ONE', 2);
    const v2 = version('revived', 'REVIVED-TWO', 3);
    await write(key, v1);
    await created(key);
    await workflows.settle();
    const gate = new Gate();
    documents.held.set(key, gate);

    await documents.delete(key);
    await deleted(key);
    await gate.reached;
    await write(key, v2);
    await created(key);
    await waitFor(async () => (await manifestOf(key))?.version === sha256Hex(Buffer.from(v2)));
    gate.release();
    await workflows.settle();

    await expectIndexedAs(key, v2, 'REVIVED-TWO', ['OLD-ONE']);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
