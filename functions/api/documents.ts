import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { documentsPort } from '../../shared/adapters/blob-store';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { workflowsPort } from '../../shared/adapters/workflows';
import { NotFoundError, PayloadTooLargeError, UnsupportedDocumentError, ValidationError } from '../../shared/errors';
import { withObservability } from '../../shared/observability/handler-stack';
import { assertDocumentKey, isIgnoredKey, rejectedKeyReason } from '../../shared/pipeline/document-keys';
import { detectContentType, SUPPORTED_CONTENT_TYPES, SUPPORTED_EXTENSIONS } from '../../shared/documents/formats';
import type { DocumentManifest } from '../../shared/pipeline/manifest';
import type { Services } from '../../shared/pipeline/services';
import { assertRoomForDocument, type StartIngestionDeps, startIngestion } from '../../shared/pipeline/start-ingestion';
import { rejectedFilesQuerySchema } from '../../shared/contracts/documents';
import { assertAdmin, type HttpEvent, type HttpResult, httpErrors, json, tenantOf } from './http';

/**
 * GET /documents, GET|DELETE /documents/{documentId}, POST /documents/{documentId}/redrive, PUT /documents/content/{path+};
 * and the operator's GET /rejected-files (admin scope).
 */

const listQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(2048).optional(),
    status: z.enum(['PENDING', 'INDEXED', 'FAILED']).optional(),
  })
  .strict();

const documentIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be a document id');

/** The ports these routes use: the documents store, the manifests, and the orchestrator to start ingestions. */
type DocumentsDeps = Pick<Services, 'config' | 'documents' | 'manifests'> & StartIngestionDeps;

/** What a caller sees of a manifest: no internal chunk ids. */
export function documentView(manifest: DocumentManifest) {
  return {
    documentId: manifest.documentId,
    key: manifest.key,
    status: manifest.status,
    chunkCount: manifest.chunkCount,
    ...(manifest.failure ? { failure: { error: manifest.failure.error, reason: manifest.failure.reason, at: manifest.failure.at } } : {}),
    ...(manifest.version ? { version: manifest.version } : {}),
    ...(manifest.contentType ? { contentType: manifest.contentType } : {}),
    ...(manifest.title ? { title: manifest.title } : {}),
    ...(manifest.bytes !== undefined ? { bytes: manifest.bytes } : {}),
    attempts: manifest.attempts,
    updatedAt: manifest.updatedAt,
    ...(manifest.indexedAt ? { indexedAt: manifest.indexedAt } : {}),
  };
}

function parseDocumentId(event: HttpEvent): string {
  const parsed = documentIdSchema.safeParse(event.pathParameters?.documentId);
  if (!parsed.success) throw new ValidationError('Invalid document id', [{ path: 'documentId', message: 'must be a 32-character document id' }]);
  return parsed.data;
}

async function requireManifest(deps: Pick<Services, 'manifests'>, tenant: string, documentId: string): Promise<DocumentManifest> {
  const manifest = await deps.manifests.get(tenant, documentId);
  if (!manifest) throw new NotFoundError('No such document');
  return manifest;
}

async function listDocuments(deps: Pick<Services, 'manifests'>, tenant: string, event: HttpEvent): Promise<HttpResult> {
  const parsed = listQuerySchema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      'Invalid query string',
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(query)', message: i.message })),
    );
  }
  const { status, limit = 200 } = parsed.data;
  // With a status filter, read on until `limit` documents match (or the end, or a scan bound): one page could
  // hold none of them while later pages do, and an empty answer with a cursor read as "none". Each read asks
  // for at most the number still wanted, so the cursor never skips a manifest that was read but not returned.
  const documents: ReturnType<typeof documentView>[] = [];
  let cursor = parsed.data.cursor;
  let scanned = 0;
  do {
    const page = await deps.manifests.list(tenant, cursor, limit - documents.length);
    scanned += page.manifests.length;
    documents.push(...page.manifests.filter((m) => !status || m.status === status).map(documentView));
    cursor = page.nextCursor;
  } while (status && cursor && documents.length < limit && scanned < MAX_SCANNED_FOR_STATUS);
  return json(200, { documents, ...(cursor ? { nextCursor: cursor } : {}) });
}

/**
 * GET /rejected-files (admin scope): the files of the documents store that are never indexed and why (at the root,
 * under a folder that is no tenant name, a key over RAG_MAX_KEY_BYTES): the report behind the trigger's and the
 * sweep's log lines, which carry only the reason. Derived from the store itself, so it is never stale: fixing a
 * file (moving it into a tenant folder) removes it from the list. Reads on like the status-filtered listing.
 */
async function listRejectedFiles(deps: Pick<Services, 'config' | 'documents'>, event: HttpEvent): Promise<HttpResult> {
  assertAdmin(event);
  const parsed = rejectedFilesQuerySchema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      'Invalid query string',
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(query)', message: i.message })),
    );
  }
  const { limit = 200 } = parsed.data;
  const files: { key: string; reason: string; bytes: number; lastModified: string }[] = [];
  let cursor = parsed.data.cursor;
  let scanned = 0;
  do {
    const page = await deps.documents.list('', cursor, limit - files.length);
    scanned += page.items.length;
    for (const item of page.items) {
      const reason = isIgnoredKey(item.key) ? undefined : rejectedKeyReason(item.key, deps.config.ingestion.maxKeyBytes);
      if (reason) files.push({ key: item.key, reason, bytes: item.size, lastModified: item.lastModified.toISOString() });
    }
    cursor = page.nextCursor;
  } while (cursor && files.length < limit && scanned < MAX_SCANNED_FOR_STATUS);
  return json(200, { files, ...(cursor ? { nextCursor: cursor } : {}) });
}

/** Manifests one filtered listing reads at most before it answers with what it found and a cursor. */
const MAX_SCANNED_FOR_STATUS = 10_000;

/**
 * Stores the request body as `<tenant>/<path>` in the documents store and starts its ingestion.
 * The object event that follows (S3 -> EventBridge, or the local watcher) carries the same ETag,
 * so it maps to the same execution name and starts nothing twice.
 * Refused before anything is written: a key over RAG_MAX_KEY_BYTES (400), a new document beyond
 * RAG_MAX_DOCUMENTS_PER_TENANT (403). Refused after: a full ingest queue (429 with Retry-After), when
 * the file is stored and PENDING, so the next re-index sweep ingests it even if the client never retries.
 */
async function uploadDocument(deps: DocumentsDeps, tenant: string, event: HttpEvent): Promise<HttpResult> {
  const relative = event.pathParameters?.path ?? '';
  if (relative.split('/').some((segment) => segment.length === 0 || segment === '.' || segment === '..')) {
    throw new ValidationError('Invalid document path', [{ path: 'path', message: 'must be a relative path without empty, "." or ".." segments' }]);
  }
  const key = `${tenant}/${relative}`;
  const documentId = assertDocumentKey(tenant, key, deps.config.ingestion.maxKeyBytes);
  if (isIgnoredKey(key)) {
    throw new ValidationError('This file name is never indexed', [{ path: 'path', message: 'hidden, temporary and .metadata.json files are not indexed' }]);
  }
  const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const limit = deps.config.ingestion.maxUploadBytes;
  if (body.length > limit) {
    throw new PayloadTooLargeError(`Upload is ${body.length} bytes, above the limit of ${limit}; put larger files into the documents bucket directly`);
  }
  if (body.length === 0) throw new ValidationError('Empty upload', [{ path: '(body)', message: 'must not be empty' }]);
  const contentType = event.headers?.['content-type']?.split(';')[0]?.trim();
  // Refused before it is stored: a file no extractor reads would only become a FAILED document.
  const format = detectContentType(key, body, contentType);
  if (!SUPPORTED_CONTENT_TYPES.has(format)) {
    throw new UnsupportedDocumentError(
      `Unsupported format (${format}); accepted: ${SUPPORTED_EXTENSIONS.map((e) => `.${e}`).join(', ')}, or a PDF, DOCX or UTF-8 text body`,
    );
  }
  await assertRoomForDocument(deps, tenant, key);
  await deps.documents.put(key, body, contentType ? { contentType } : {});
  const head = await deps.documents.head(key);
  const started = await startIngestion(deps, { tenant, key, action: 'upsert', etag: head?.etag, reason: 'upload' });
  return json(202, { documentId, key, status: 'PENDING', bytes: body.length, execution: started.executionName });
}

export function makeHandler(services: () => Promise<DocumentsDeps>) {
  return withObservability(
    async (event: HttpEvent, _context: Context): Promise<HttpResult> => {
      const deps = await services();
      // The operator's route needs no tenant: an admin token may stand for none.
      if (event.routeKey === 'GET /rejected-files') return listRejectedFiles(deps, event);
      const tenant = tenantOf(event, deps.config);
      switch (event.routeKey) {
        case 'GET /documents':
          return listDocuments(deps, tenant, event);
        case 'GET /documents/{documentId}':
          return json(200, documentView(await requireManifest(deps, tenant, parseDocumentId(event))));
        case 'DELETE /documents/{documentId}': {
          const manifest = await requireManifest(deps, tenant, parseDocumentId(event));
          await deps.documents.delete(manifest.key);
          const started = await startIngestion(deps, { tenant, key: manifest.key, action: 'delete', etag: manifest.etag, reason: 'event' });
          return json(202, { documentId: manifest.documentId, status: 'DELETING', execution: started.executionName });
        }
        case 'POST /documents/{documentId}/redrive': {
          const manifest = await requireManifest(deps, tenant, parseDocumentId(event));
          if (manifest.status === 'INDEXED')
            throw new ValidationError('Document is already indexed', [{ path: 'documentId', message: 'only PENDING or FAILED documents can be re-driven' }]);
          const head = await deps.documents.head(manifest.key);
          if (!head) throw new NotFoundError('The document no longer exists in the documents store');
          const started = await startIngestion(deps, { tenant, key: manifest.key, action: 'upsert', etag: head.etag, reason: 'redrive' });
          return json(202, { documentId: manifest.documentId, status: 'PENDING', execution: started.executionName });
        }
        case 'PUT /documents/content/{path+}':
          return uploadDocument(deps, tenant, event);
        default:
          throw new NotFoundError(`No route ${event.routeKey}`);
      }
    },
    { correlationId: (event) => event.requestContext?.requestId, use: [httpErrors()] },
  );
}

export const handler = makeHandler(servicesFor(documentsPort, manifestsPort, workflowsPort));
