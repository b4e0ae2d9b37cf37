import type { Chunk, IndexedChunk } from '../documents/chunk';
import type { ExtractedDocument } from '../documents/extractors/document-types';
import { documentIdFor, fingerprintFor, generationChunkIds } from '../documents/identity';
import { IndexConsistencyError, UnsupportedDocumentError } from '../errors';
import { logger, metrics, MetricUnit } from '../observability/telemetry';
import { indexedChunkIds } from '../vectors/vector-store';
import { newManifest, workPrefix } from './manifest';
import type { Services } from './services';

/**
 * Ingestion use-cases, one per ingest state machine Task (Extract has its own module,
 * extract-document.ts, so that only its function bundles the document extractors). Each step is
 * idempotent, reads its inputs from blob keys and writes its outputs to blob keys, so a retried or
 * re-driven execution resumes instead of redoing or duplicating work.
 */

export interface DocumentRef {
  tenant: string;
  key: string;
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
  metrics.addMetric('EmbeddingInputTokens', MetricUnit.Count, inputTokens);
  metrics.addMetric('EmbeddedChunks', MetricUnit.Count, rows.length);
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

async function removeWorkFiles(services: Pick<Services, 'state'>, tenant: string, documentId: string): Promise<void> {
  const prefix = workPrefix(tenant, documentId);
  let cursor: string | undefined;
  do {
    const page = await services.state.list(prefix, cursor);
    await Promise.all(page.items.map((item) => services.state.delete(item.key)));
    cursor = page.nextCursor;
  } while (cursor);
}

export type FinalizeDocumentDeps = Pick<Services, 'state' | 'vectors' | 'manifests' | 'chunker' | 'embedder' | 'conversations'>;

/** Makes the new generation live: checks every chunk is indexed, drops stale chunks, writes the manifest. */
export async function finalizeDocument(
  services: FinalizeDocumentDeps,
  ref: DocumentRef,
  document: ExtractOutput,
  chunking: ChunkOutput,
): Promise<{ chunkCount: number }> {
  const { vectors, manifests } = services;
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
  const at = now();
  await manifests.put({
    ...previous,
    status: 'INDEXED',
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
  await removeKnownWorkFiles(services, [...(document.textKey ? [document.textKey] : []), ...chunking.batches.map((batch) => batch.batchKey)]);
  // The tenant's index changed: answers cached over the old index are never read again.
  await bumpIndexGenerationCoalesced(services.conversations, ref.tenant);
  metrics.addMetric('IngestedDocuments', MetricUnit.Count, 1);
  metrics.addMetric('IngestedChunks', MetricUnit.Count, chunking.chunkCount);
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

export type RecordFailureDeps = Pick<Services, 'state' | 'vectors' | 'manifests' | 'conversations'>;

/**
 * Records a failed ingestion: manifest FAILED with the reason, the failed attempt's partial
 * chunks removed (the previously live generation stays searchable), work files removed.
 */
export async function recordFailure(
  services: RecordFailureDeps,
  ref: DocumentRef,
  error: { Error?: string; Cause?: string } | undefined,
  document?: { fingerprint?: string },
  chunks?: { chunkCount?: number },
): Promise<{ status: 'FAILED'; reason: string }> {
  const documentId = documentIdFor(ref.tenant, ref.key);
  const { error: name, reason } = failureReason(error);
  const previous = (await services.manifests.get(ref.tenant, documentId)) ?? newManifest(ref.tenant, ref.key, documentId);
  // Manifest first, then the partial chunks: a batch finishing late sees FAILED and withdraws itself.
  await services.manifests.put({ ...previous, status: 'FAILED', failure: { error: name, reason, at: now() }, updatedAt: now() });
  if (document?.fingerprint && document.fingerprint !== previous.fingerprint) {
    // Chunked: the attempt's ids are known. Not chunked yet: nothing of it can be in the index.
    if (chunks?.chunkCount) {
      await services.vectors.deleteChunks(ref.tenant, generationChunkIds(documentId, document.fingerprint, chunks.chunkCount));
      // Its chunks were searchable while it ran: an answer cached meanwhile may cite them, so it must go.
      await services.conversations.bumpIndexGeneration(ref.tenant);
    }
  }
  await removeWorkFiles(services, ref.tenant, documentId);
  metrics.addMetric('FailedDocuments', MetricUnit.Count, 1);
  logger.warn('Document ingestion failed', { documentId, error: name });
  return { status: 'FAILED', reason };
}

export type DeleteDocumentDeps = Pick<Services, 'state' | 'vectors' | 'manifests' | 'conversations'>;

/**
 * A delete event: every vector of the document and its manifest go. This one deletes by
 * document rather than by known ids (a scan on S3 Vectors), so no stray chunk can outlive its object.
 */
export async function deleteDocument(services: DeleteDocumentDeps, ref: DocumentRef): Promise<{ deleted: true; documentId: string }> {
  const documentId = documentIdFor(ref.tenant, ref.key);
  await services.vectors.deleteDocument(ref.tenant, documentId);
  await removeWorkFiles(services, ref.tenant, documentId);
  await services.manifests.delete(ref.tenant, documentId);
  await services.conversations.bumpIndexGeneration(ref.tenant);
  metrics.addMetric('DeletedDocuments', MetricUnit.Count, 1);
  logger.info('Document deleted', { documentId });
  return { deleted: true, documentId };
}
