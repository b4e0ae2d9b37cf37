import { extractOptionsFrom, extractText } from '../documents/extract';
import { documentIdFor, sha256Hex } from '../documents/identity';
import { NotFoundError, UnsupportedDocumentError } from '../errors';
import { logger } from '../observability/telemetry';
import { currentFingerprint, type DocumentRef, type ExtractOutput, storedChunks } from './ingest';
import { type DocumentManifest, newManifest, workPrefix } from './manifest';
import type { Services } from './services';

/**
 * Ingest Task "Extract", the one step that reads document formats: in a module of its own so that
 * the PDF and DOCX extractors go into its function's bundle and no other.
 */

const now = (): string => new Date().toISOString();

export type ExtractDocumentDeps = Pick<Services, 'config' | 'documents' | 'state' | 'manifests' | 'chunker' | 'embedder' | 'vectors'>;

/** Reads the object, hashes it, skips a version already indexed as configured now, stores its extracted text. */
export async function extractDocument(services: ExtractDocumentDeps, ref: DocumentRef): Promise<ExtractOutput> {
  const { config, documents, manifests } = services;
  const documentId = documentIdFor(ref.tenant, ref.key);
  const head = await documents.head(ref.key);
  if (!head) throw new NotFoundError(`Document ${documentId} no longer exists in the documents store`);
  if (head.size > config.ingestion.maxFileBytes) {
    throw new UnsupportedDocumentError(`File is ${head.size} bytes, above the limit of ${config.ingestion.maxFileBytes} bytes`);
  }
  const bytes = await documents.get(ref.key);
  const version = sha256Hex(bytes);
  const fingerprint = currentFingerprint(services, version);
  const previous = await manifests.get(ref.tenant, documentId);
  const manifest: DocumentManifest = previous ?? newManifest(ref.tenant, ref.key, documentId);

  if (
    previous?.fingerprint === fingerprint &&
    (await storedChunks(services, ref.tenant, documentId, fingerprint, previous.chunkCount)) === previous.chunkCount
  ) {
    if (previous.status !== 'INDEXED' || previous.etag !== head.etag) {
      await manifests.put({ ...previous, status: 'INDEXED', etag: head.etag, failure: undefined, updatedAt: now() });
    }
    logger.info('Document unchanged, skipping', { documentId, version, bytes: bytes.length });
    return { documentId, version, fingerprint, contentType: previous.contentType ?? 'application/octet-stream', bytes: bytes.length, unchanged: true };
  }

  await manifests.put({ ...manifest, status: 'PENDING', etag: head.etag, attempts: manifest.attempts + 1, updatedAt: now() });
  const extracted = await extractText(bytes, ref.key, extractOptionsFrom(config.ingestion, head.contentType));
  const textKey = `${workPrefix(ref.tenant, documentId)}${fingerprint}/extracted.json`;
  await services.state.put(textKey, JSON.stringify(extracted), { contentType: 'application/json' });
  logger.info('Document extracted', {
    documentId,
    version,
    bytes: bytes.length,
    chars: extracted.text.length,
    contentType: extracted.contentType,
    pages: extracted.pages?.length,
  });
  return { documentId, version, fingerprint, contentType: extracted.contentType, bytes: bytes.length, unchanged: false, textKey };
}
