import { documentIdFor } from '../documents/identity';
import type { IngestionRequest, StartedExecution } from '../workflows/workflows';
import type { DocumentRef } from './ingest';
import { newManifest } from './manifest';
import type { Services } from './services';

/**
 * Starting an ingestion, for everyone who does (object events, uploads, re-drives, the re-index
 * sweep). Kept apart from the ingest steps: starting one needs the manifests and the orchestrator,
 * nothing that reads or indexes a document.
 */

export type MarkPendingDeps = Pick<Services, 'manifests'>;

/** Marks a document PENDING when it is new or its object changed; leaves an up-to-date manifest alone. */
export async function markPending(services: MarkPendingDeps, ref: DocumentRef, etag: string | undefined): Promise<void> {
  const documentId = documentIdFor(ref.tenant, ref.key);
  const manifest = await services.manifests.get(ref.tenant, documentId);
  if (manifest && manifest.status !== 'FAILED' && manifest.etag === etag && etag !== undefined) return;
  await services.manifests.put({ ...(manifest ?? newManifest(ref.tenant, ref.key, documentId)), status: 'PENDING', updatedAt: new Date().toISOString() });
}

export type StartIngestionDeps = Pick<Services, 'manifests' | 'workflows'>;

/** Starts one ingestion (the idempotent execution name makes a duplicate start a no-op). */
export async function startIngestion(services: StartIngestionDeps, request: IngestionRequest): Promise<StartedExecution> {
  if (request.action === 'upsert') await markPending(services, { tenant: request.tenant, key: request.key }, request.etag);
  return services.workflows.startIngestion(request);
}
