import { documentIdFor } from '../documents/identity';
import { logger } from '../observability/telemetry';
import type { IngestionRequest } from '../workflows/workflows';
import { isIgnoredKey, keyTooLongReason, tenantOfKey } from './document-keys';
import type { Services } from './services';

/**
 * The re-index sweep, one page per call: first every object in the documents store (new or
 * changed ones, or ones indexed with another chunker/model, are ingested), then every manifest
 * (documents whose object is gone are deleted). The cursor makes the sweep resumable.
 */
export interface ReindexCursor {
  phase: 'documents' | 'manifests';
  token?: string;
}

export interface ReindexPage {
  items: IngestionRequest[];
  done: boolean;
  nextCursor?: ReindexCursor;
}

export type PlanReindexPageDeps = Pick<Services, 'config' | 'documents' | 'manifests' | 'chunker' | 'embedder'>;

export async function planReindexPage(services: PlanReindexPageDeps, cursor: ReindexCursor | undefined, pageSize = 100): Promise<ReindexPage> {
  const { documents, manifests } = services;
  const at: ReindexCursor = cursor ?? { phase: 'documents' };
  const items: IngestionRequest[] = [];
  if (at.phase === 'documents') {
    const page = await documents.list('', at.token, pageSize);
    let skippedOutsideTenants = 0;
    let skippedTooLong = 0;
    for (const object of page.items) {
      if (isIgnoredKey(object.key)) continue;
      const tenant = tenantOfKey(object.key);
      if (tenant === undefined) {
        skippedOutsideTenants += 1;
        continue;
      }
      if (keyTooLongReason(object.key, services.config.ingestion.maxKeyBytes)) {
        skippedTooLong += 1;
        continue;
      }
      const manifest = await manifests.get(tenant, documentIdFor(tenant, object.key));
      const stale =
        !manifest ||
        manifest.etag !== object.etag ||
        manifest.status === 'PENDING' ||
        (manifest.status === 'INDEXED' &&
          (manifest.chunker !== services.chunker.configId ||
            manifest.embeddingModel !== services.embedder.modelId ||
            manifest.dimensions !== services.embedder.dimensions));
      if (stale) items.push({ tenant, key: object.key, action: 'upsert', etag: object.etag, reason: 'reindex' });
    }
    if (skippedOutsideTenants > 0) logger.warn('Objects outside any tenant folder are not indexed', { objects: skippedOutsideTenants });
    if (skippedTooLong > 0) logger.warn('Objects whose key is over RAG_MAX_KEY_BYTES are not indexed', { objects: skippedTooLong });
    const nextCursor: ReindexCursor = page.nextCursor ? { phase: 'documents', token: page.nextCursor } : { phase: 'manifests' };
    return { items, done: false, nextCursor };
  }
  const page = await manifests.list(undefined, at.token, pageSize);
  for (const manifest of page.manifests) {
    // Gone, or indexed under a tenant its key does not name (the old root / invalid-folder fallback): withdraw it.
    if (tenantOfKey(manifest.key) !== manifest.tenant || !(await documents.head(manifest.key))) {
      items.push({ tenant: manifest.tenant, key: manifest.key, action: 'delete', etag: manifest.etag, reason: 'reindex' });
    }
  }
  if (page.nextCursor) return { items, done: false, nextCursor: { phase: 'manifests', token: page.nextCursor } };
  logger.info('Re-index sweep planned its last page', { items: items.length });
  return { items, done: true };
}
