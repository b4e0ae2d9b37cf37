import type { Chunk, IndexedChunk } from '../documents/chunk';
import type { ExtractedDocument } from '../documents/extractors/document-types';
import { documentIdFor, fingerprintFor, generationChunkIds, sha256Hex } from '../documents/identity';
import { IndexConsistencyError, NotFoundError, UnsupportedDocumentError } from '../errors';
import { METRIC } from '../observability/metric-names';
import { logger, MetricUnit, recordMetric } from '../observability/telemetry';
import { indexedChunkIds } from '../vectors/vector-store';
import { tenantOfKey } from './document-keys';
import { newManifest, workPrefix } from './manifest';
import type { Services } from './services';
import type { IngestionRequest } from '../workflows/workflows';

/**
 * Ingestion use-cases, one per ingest state machine Task (Extract has its own module,
 * extract-document.ts, so that only its function bundles the document extractors). Each step is
 * idempotent, reads its inputs from blob keys and writes its outputs to blob keys, so a retried or
 * re-driven execution resumes instead of redoing or duplicating work.
 */

export interface DocumentRef {
  tenant: string;
  key: string;
  /** The object version the event (or sweep, or upload) that started the execution saw, when it named one. */
  etag?: string;
}

export interface ExtractOutput {
  documentId: string;
  version: string;
  fingerprint: string;
  contentType: string;
  bytes: number;
  /** True when this exact version is already indexed with the current chunker and model: nothing to do. */
  unchanged: boolean;
  /** State-store key of the extracted text (absent when unchanged). */
  textKey?: string;
}

export interface ChunkOutput {
  chunkCount: number;
  batches: { batchKey: string }[];
  maxConcurrency: number;
}

export interface EmbedBatchInput {
  tenant: string;
  /** Why the document is being ingested (the usage records' feature: `reindex` for the scheduled re-index, `ingest` otherwise). */
  reason?: IngestionRequest['reason'];
  documentId: string;
  fingerprint: string;
  batchKey: string;
}

interface StoredBatch {
  identity: Omit<IndexedChunk, 'id' | 'index' | 'text' | 'location' | 'vector'>;
  chunks: Chunk[];
}

const now = (): string => new Date().toISOString();

/**
 * How many chunks of one index generation are in the store and searchable. Chunk ids are
 * deterministic, so this is a lookup by key, not a scan: cheap on every store, S3 Vectors and a
 * Knowledge Base (document status by id) included.
 */
export async function storedChunks(
  services: Pick<Services, 'vectors'>,
  tenant: string,
  documentId: string,
  fingerprint: string,
  count: number,
): Promise<number> {
  if (count === 0) return 0;
  return (await indexedChunkIds(services.vectors, { tenant, documentId, fingerprint }, generationChunkIds(documentId, fingerprint, count))).length;
}

/** The index generation of a document version: the version, chunked and embedded as configured now. */
export function currentFingerprint(services: Pick<Services, 'chunker' | 'embedder'>, version: string): string {
  return fingerprintFor(version, services.chunker.configId, services.embedder.modelId, services.embedder.dimensions);
}

export type ChunkExtractedDeps = Pick<Services, 'config' | 'state' | 'chunker'>;

export async function chunkExtracted(services: ChunkExtractedDeps, ref: DocumentRef, document: ExtractOutput): Promise<ChunkOutput> {
  if (!document.textKey) throw new IndexConsistencyError('Chunk step called without extracted text');
  const extracted = JSON.parse((await services.state.get(document.textKey)).toString('utf8')) as ExtractedDocument;
  // Over the limit, the chunker throws before any batch is written: nothing to embed, nothing half-indexed.
  const chunks = services.chunker.chunk(
    extracted,
    { documentId: document.documentId, fingerprint: document.fingerprint },
    { maxChunks: services.config.ingestion.maxChunksPerDocument },
  );
  if (chunks.length === 0) throw new UnsupportedDocumentError('The document contains no text to index');
  const identity: StoredBatch['identity'] = {
    tenant: ref.tenant,
    documentId: document.documentId,
    key: ref.key,
    version: document.version,
    contentType: extracted.contentType,
    fingerprint: document.fingerprint,
    ...(extracted.title ? { title: extracted.title } : {}),
  };
  const size = services.config.ingestion.embedBatchSize;
  const batches: { batchKey: string }[] = [];
  for (let start = 0, n = 0; start < chunks.length; start += size, n += 1) {
    const batchKey = `${workPrefix(ref.tenant, document.documentId)}${document.fingerprint}/batch-${String(n).padStart(5, '0')}.json`;
    const batch: StoredBatch = { identity, chunks: chunks.slice(start, start + size) };
    await services.state.put(batchKey, JSON.stringify(batch), { contentType: 'application/json' });
    batches.push({ batchKey });
  }
  logger.info('Document chunked', { documentId: document.documentId, chunks: chunks.length, batches: batches.length, chunker: services.chunker.configId });
  return { chunkCount: chunks.length, batches, maxConcurrency: services.config.ingestion.embedConcurrency };
}

export type EmbedBatchDeps = Pick<Services, 'state' | 'vectors' | 'embedder' | 'manifests'>;

/**
 * Embeds and indexes one batch. Chunks already in the index (a retried or re-driven batch) are not
 * embedded again. A store that embeds text itself (a Knowledge Base) gets the chunks without
 * vectors: our embedder is not called, so nothing is embedded twice.
 */
export async function embedBatch(services: EmbedBatchDeps, input: EmbedBatchInput): Promise<{ embedded: number; skipped: number }> {
  const batch = JSON.parse((await services.state.get(input.batchKey)).toString('utf8')) as StoredBatch;
  const present = new Set(
    await indexedChunkIds(
      services.vectors,
      { tenant: input.tenant, documentId: input.documentId, fingerprint: input.fingerprint },
      batch.chunks.map((c) => c.id),
    ),
  );
  const missing = batch.chunks.filter((c) => !present.has(c.id));
  if (missing.length === 0) return { embedded: 0, skipped: batch.chunks.length };
  const { vectors, inputTokens } = services.vectors.embedsText
    ? { vectors: missing.map((): number[] => []), inputTokens: 0 }
    : await services.embedder.embed(
        missing.map((c) => c.text),
        'document',
      );
  if (vectors.length !== missing.length) throw new IndexConsistencyError(`Embedder returned ${vectors.length} vectors for ${missing.length} texts`);
  const rows: IndexedChunk[] = missing.map((chunk, i) => ({
    ...batch.identity,
    id: chunk.id,
    index: chunk.index,
    text: chunk.text,
    location: chunk.location,
    vector: vectors[i] as number[],
  }));
  await services.vectors.upsert(rows);
  // A batch still in flight when its execution failed (Map iterations are not cancelled
  // mid-invocation) must not leave chunks behind: RecordFailure writes the FAILED manifest before
  // it deletes the partial generation, so a late batch sees FAILED here and withdraws itself.
  const manifest = await services.manifests.get(input.tenant, input.documentId);
  if (manifest?.status === 'FAILED' && manifest.fingerprint !== input.fingerprint) {
    await services.vectors.deleteChunks(
      input.tenant,
      rows.map((row) => row.id),
    );
    throw new IndexConsistencyError('The ingestion this batch belongs to has failed; batch withdrawn');
  }
  recordMetric(METRIC.embeddingInputTokens, MetricUnit.Count, inputTokens);
  recordMetric(METRIC.embeddedChunks, MetricUnit.Count, rows.length);
  return { embedded: rows.length, skipped: batch.chunks.length - rows.length };
}

/** Deletes work files whose keys the execution knows (Finalize: the text and every batch): no listing. */
async function removeKnownWorkFiles(services: Pick<Services, 'state'>, keys: string[]): Promise<void> {
  await Promise.all(keys.map((key) => services.state.delete(key)));
}

type GenerationStore = Pick<Services['conversations'], 'bumpIndexGeneration'>;
interface TenantBumps {
  /** The last bump started or scheduled. */
  tail: Promise<unknown>;
  /** A bump scheduled but not started: every caller until it starts shares it. */
  next?: Promise<unknown>;
}
const bumpsByStore = new WeakMap<GenerationStore, Map<string, TenantBumps>>();

/**
 * Bumps the tenant's index generation once for every caller that asks before the bump starts (group commit:
 * while one bump runs, the callers meanwhile share the next). Each caller's index change happened before it
 * called and its bump starts after the call, so no answer cached over an older index survives; documents that
 * finish together cost one conversation-store write instead of one each.
 */
export function bumpIndexGenerationCoalesced(conversations: GenerationStore, tenant: string): Promise<unknown> {
  let tenants = bumpsByStore.get(conversations);
  if (!tenants) {
    tenants = new Map();
    bumpsByStore.set(conversations, tenants);
  }
  let bumps = tenants.get(tenant);
  if (!bumps) {
    bumps = { tail: Promise.resolve() };
    tenants.set(tenant, bumps);
  }
  if (bumps.next) return bumps.next;
  const entry = bumps;
  const next = entry.tail
    .catch(() => undefined)
    .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
    .then(() => {
      // From here on, a new caller needs a bump that starts after its call.
      entry.next = undefined;
      return conversations.bumpIndexGeneration(tenant);
    });
  entry.next = next;
  entry.tail = next;
  return next;
}

async function removeWorkFiles(services: Pick<Services, 'state'>, prefix: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await services.state.list(prefix, cursor);
    await Promise.all(page.items.map((item) => services.state.delete(item.key)));
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * Where the object stands against the version an execution read. Events for one object may be delivered twice and
 * out of order, and their executions run concurrently (on Step Functions as in the local interpreter), so an older
 * version's execution can reach Finalize after a newer one's, or after the object was deleted.
 * 'current': the object still holds that version (or none was read yet); 'changed': it holds another; 'gone': deleted.
 */
export async function objectStanding(
  services: Pick<Services, 'documents'>,
  ref: DocumentRef,
  version: string | undefined,
): Promise<{ standing: 'current'; etag: string | undefined } | { standing: 'changed' | 'gone' }> {
  const head = await services.documents.head(ref.key);
  if (!head) return { standing: 'gone' };
  // The etag the execution started with is still the object's: nothing was written since, so Extract read it as it is.
  if (version === undefined || (ref.etag !== undefined && head.etag === ref.etag)) return { standing: 'current', etag: head.etag };
  try {
    return sha256Hex(await services.documents.get(ref.key)) === version ? { standing: 'current', etag: head.etag } : { standing: 'changed' };
  } catch (error) {
    if (error instanceof NotFoundError) return { standing: 'gone' };
    throw error;
  }
}

/**
 * Withdraws what an overtaken execution wrote: its generation's chunks (unless that generation is the live one)
 * and its generation's work files. Other generations' work files are left alone: a newer execution may be using
 * them. When the object is gone, a PENDING or FAILED manifest (a trace of ingesting an object that no longer
 * exists) goes too; an INDEXED one is the delete event's to remove, with every chunk of the document.
 */
async function withdrawOvertaken(
  services: Pick<Services, 'state' | 'vectors' | 'manifests' | 'conversations'>,
  ref: DocumentRef,
  generation: { fingerprint?: string; chunkCount?: number },
  standing: 'changed' | 'gone',
): Promise<void> {
  const documentId = documentIdFor(ref.tenant, ref.key);
  const manifest = await services.manifests.get(ref.tenant, documentId);
  const { fingerprint, chunkCount } = generation;
  if (fingerprint && fingerprint !== manifest?.fingerprint) {
    if (chunkCount) {
      await services.vectors.deleteChunks(ref.tenant, generationChunkIds(documentId, fingerprint, chunkCount));
      // Its chunks were searchable while it ran: answers cached meanwhile must not be served.
      await bumpIndexGenerationCoalesced(services.conversations, ref.tenant);
    }
    await removeWorkFiles(services, `${workPrefix(ref.tenant, documentId)}${fingerprint}/`);
  }
  if (standing === 'gone' && manifest && manifest.status !== 'INDEXED') await services.manifests.delete(ref.tenant, documentId);
  recordMetric(METRIC.overtakenIngestions, MetricUnit.Count, 1);
  logger.info('Ingestion overtaken by a later object event; its generation withdrawn', { documentId, standing });
}

export type FinalizeDocumentDeps = Pick<Services, 'documents' | 'state' | 'vectors' | 'manifests' | 'chunker' | 'embedder' | 'conversations'>;

/**
 * Makes the new generation live: checks every chunk is indexed, drops stale chunks, writes the manifest. An
 * execution overtaken by a later event (the object changed or was deleted since Extract read it) makes nothing
 * live: it withdraws its own generation and ends, so the object's latest event decides the final state.
 */
export async function finalizeDocument(
  services: FinalizeDocumentDeps,
  ref: DocumentRef,
  document: ExtractOutput,
  chunking: ChunkOutput,
): Promise<{ chunkCount: number; overtaken?: true }> {
  const { vectors, manifests } = services;
  const object = await objectStanding(services, ref, document.version);
  if (object.standing !== 'current') {
    await withdrawOvertaken(services, ref, { fingerprint: document.fingerprint, chunkCount: chunking.chunkCount }, object.standing);
    return { chunkCount: 0, overtaken: true };
  }
  const indexed = await storedChunks(services, ref.tenant, document.documentId, document.fingerprint, chunking.chunkCount);
  if (indexed !== chunking.chunkCount) {
    throw new IndexConsistencyError(`Index holds ${indexed} chunks of this version, expected ${chunking.chunkCount}`);
  }
  const extracted = document.textKey ? (JSON.parse((await services.state.get(document.textKey)).toString('utf8')) as ExtractedDocument) : undefined;
  const previous = (await manifests.get(ref.tenant, document.documentId)) ?? newManifest(ref.tenant, ref.key, document.documentId);
  // The manifest names the live generation and its size, so its chunks are dropped by id.
  if (previous.fingerprint && previous.fingerprint !== document.fingerprint && previous.chunkCount > 0) {
    await vectors.deleteChunks(ref.tenant, generationChunkIds(document.documentId, previous.fingerprint, previous.chunkCount));
  }
  // Work files go before the manifest says INDEXED: a process killed in between leaves a PENDING document the
  // next sweep ingests again (rewriting and then removing them), never an INDEXED one whose work files stay forever
  // (an unchanged version is skipped at Extract). Seen in CI: tests/e2e/crash-recovery.test.ts.
  await removeKnownWorkFiles(services, [...(document.textKey ? [document.textKey] : []), ...chunking.batches.map((batch) => batch.batchKey)]);
  const at = now();
  await manifests.put({
    ...previous,
    status: 'INDEXED',
    // The object version that holds this content: a delete or another execution may have rewritten the manifest since Extract.
    ...(object.etag !== undefined ? { etag: object.etag } : {}),
    version: document.version,
    contentType: document.contentType,
    bytes: document.bytes,
    title: extracted?.title,
    chunker: services.chunker.configId,
    embeddingModel: services.embedder.modelId,
    dimensions: services.embedder.dimensions,
    fingerprint: document.fingerprint,
    chunkCount: chunking.chunkCount,
    failure: undefined,
    updatedAt: at,
    indexedAt: at,
  });
  // The tenant's index changed: answers cached over the old index are never read again.
  await bumpIndexGenerationCoalesced(services.conversations, ref.tenant);
  recordMetric(METRIC.ingestedDocuments, MetricUnit.Count, 1);
  recordMetric(METRIC.ingestedChunks, MetricUnit.Count, chunking.chunkCount);
  logger.info('Document indexed', { documentId: document.documentId, version: document.version, chunks: chunking.chunkCount });
  return { chunkCount: chunking.chunkCount };
}

/** Step Functions puts the Lambda error in `Cause` as JSON ({errorType, errorMessage, trace}); locally it is the message. */
export function failureReason(error: { Error?: string; Cause?: string } | undefined): { error: string; reason: string } {
  const name = error?.Error ?? 'UnknownError';
  let reason = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(reason) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') reason = parsed.errorMessage;
  } catch {
    // Not JSON: the cause is already the message.
  }
  return { error: name, reason: reason.slice(0, 1000) || name };
}

export type RecordFailureDeps = Pick<Services, 'documents' | 'state' | 'vectors' | 'manifests' | 'conversations'>;

/**
 * Records a failed ingestion: manifest FAILED with the reason, the failed attempt's partial
 * chunks removed (the previously live generation stays searchable), work files removed.
 * An upsert that failed because a later event overtook it (the object changed or was deleted since Extract read
 * it, so a delete removed its work files, say) is not a failure of the object: it withdraws what it wrote and
 * records nothing, leaving the later event's execution to decide the document's state.
 */
export async function recordFailure(
  services: RecordFailureDeps,
  ref: DocumentRef & { action?: 'upsert' | 'delete' },
  error: { Error?: string; Cause?: string } | undefined,
  document?: { fingerprint?: string; version?: string },
  chunks?: { chunkCount?: number },
): Promise<{ status: 'FAILED' | 'OVERTAKEN'; reason: string }> {
  const documentId = documentIdFor(ref.tenant, ref.key);
  const { error: name, reason } = failureReason(error);
  // Extract's NotFoundError: the object was deleted before it could be read; otherwise only a read version can be overtaken.
  if (ref.action !== 'delete' && (document?.version !== undefined || name === 'NotFoundError')) {
    const object = await objectStanding(services, ref, document?.version);
    if (object.standing !== 'current') {
      await withdrawOvertaken(services, ref, { fingerprint: document?.fingerprint, chunkCount: chunks?.chunkCount }, object.standing);
      return { status: 'OVERTAKEN', reason };
    }
  }
  const previous = (await services.manifests.get(ref.tenant, documentId)) ?? newManifest(ref.tenant, ref.key, documentId);
  // Manifest first, then the partial chunks: a batch finishing late sees FAILED and withdraws itself.
  // Work files or chunks that vanished under a current version: a delete event's execution raced this one (it
  // checked the object, the object was written again, it cleaned up). Not the object's fault: without an etag the
  // next re-index sweep takes the manifest as stale and ingests the document again.
  const lostToRace = document?.version !== undefined && (name === 'NotFoundError' || name === 'IndexConsistencyError');
  await services.manifests.put({
    ...previous,
    status: 'FAILED',
    ...(lostToRace ? { etag: undefined } : {}),
    failure: { error: name, reason, at: now() },
    updatedAt: now(),
  });
  if (document?.fingerprint && document.fingerprint !== previous.fingerprint) {
    // Chunked: the attempt's ids are known. Not chunked yet: nothing of it can be in the index.
    if (chunks?.chunkCount) {
      await services.vectors.deleteChunks(ref.tenant, generationChunkIds(documentId, document.fingerprint, chunks.chunkCount));
      // Its chunks were searchable while it ran: an answer cached meanwhile may cite them, so it must go.
      await services.conversations.bumpIndexGeneration(ref.tenant);
    }
  }
  await removeWorkFiles(services, workPrefix(ref.tenant, documentId));
  recordMetric(METRIC.failedDocuments, MetricUnit.Count, 1);
  logger.warn('Document ingestion failed', { documentId, error: name });
  return { status: 'FAILED', reason };
}

export type DeleteDocumentDeps = Pick<Services, 'documents' | 'state' | 'vectors' | 'manifests' | 'conversations'>;

/**
 * A delete event: every vector of the document and its manifest go. This one deletes by
 * document rather than by known ids (a scan on S3 Vectors), so no stray chunk can outlive its object.
 */
export async function deleteDocument(services: DeleteDocumentDeps, ref: DocumentRef): Promise<{ deleted: boolean; documentId: string }> {
  const documentId = documentIdFor(ref.tenant, ref.key);
  // A delete event delivered after the object was written again is stale: the create event that follows it owns the
  // document now. (A document indexed under a tenant its key does not name is withdrawn whether or not it exists.)
  if (tenantOfKey(ref.key) === ref.tenant && (await services.documents.head(ref.key))) {
    logger.info('Delete skipped: the object exists again', { documentId });
    return { deleted: false, documentId };
  }
  await services.vectors.deleteDocument(ref.tenant, documentId);
  await removeWorkFiles(services, workPrefix(ref.tenant, documentId));
  await services.manifests.delete(ref.tenant, documentId);
  await services.conversations.bumpIndexGeneration(ref.tenant);
  if (tenantOfKey(ref.key) === ref.tenant && (await services.documents.head(ref.key))) {
    // Written again while this ran: its new version's chunks, work files or manifest may have gone with the old
    // ones. A PENDING manifest without an etag makes the next re-index sweep ingest it again.
    await services.manifests.create({ ...newManifest(ref.tenant, ref.key, documentId), status: 'PENDING' });
    logger.info('Object written again during its delete: left PENDING for the next sweep', { documentId });
  }
  recordMetric(METRIC.deletedDocuments, MetricUnit.Count, 1);
  logger.info('Document deleted', { documentId });
  return { deleted: true, documentId };
}
