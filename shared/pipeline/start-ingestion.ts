import { documentIdFor } from '../documents/identity';
import { ForbiddenError, ThrottlingError } from '../errors';
import { METRIC } from '../observability/metric-names';
import { logger, MetricUnit, recordMetric } from '../observability/telemetry';
import { ingestionExecutionName } from '../workflows/execution-name';
import type { IngestionRequest, StartedExecution } from '../workflows/workflows';
import type { DocumentRef } from './ingest';
import { type DocumentManifest, newManifest } from './manifest';
import type { Services } from './services';

/**
 * Starting an ingestion, for everyone who does (object events, uploads, re-drives, the re-index
 * sweep). Kept apart from the ingest steps: starting one needs the manifests and the orchestrator,
 * nothing that reads or indexes a document.
 */

export type MarkPendingDeps = Pick<Services, 'manifests'>;

/**
 * Marks a document PENDING when it is new or its object changed; leaves an up-to-date manifest alone. `known` is
 * the manifest as the caller read it (undefined: none), `refused` whether it was a refusal for the tenant's limit.
 */
export async function markPending(
  services: MarkPendingDeps,
  ref: DocumentRef,
  etag: string | undefined,
  known: { manifest: DocumentManifest | undefined; refused: boolean },
): Promise<void> {
  const { manifest, refused } = known;
  if (manifest && manifest.status !== 'FAILED' && manifest.etag === etag && etag !== undefined) return;
  const documentId = documentIdFor(ref.tenant, ref.key);
  const pending: DocumentManifest = {
    ...(manifest ?? newManifest(ref.tenant, ref.key, documentId)),
    status: 'PENDING',
    updatedAt: new Date().toISOString(),
  };
  if (!manifest) await services.manifests.create(pending);
  else if (refused) await services.manifests.admit(pending);
  else await services.manifests.put(pending);
}

export type DocumentLimitDeps = Pick<Services, 'config' | 'manifests'>;

/**
 * A document takes one of its tenant's RAG_MAX_DOCUMENTS_PER_TENANT slots when it has no manifest yet, or only
 * the FAILED one of an earlier refusal; a replacement of a known document takes none.
 */
async function slotNeeded(services: DocumentLimitDeps, tenant: string, documentId: string) {
  const manifest = await services.manifests.get(tenant, documentId);
  const refused = manifest?.status === 'FAILED' && (await services.manifests.isRefused(tenant, documentId));
  return { manifest, refused, needsSlot: !manifest || refused };
}

/** Why the tenant cannot take one more document (naming the setting), or undefined when it can. */
async function documentLimitReason(services: DocumentLimitDeps, tenant: string): Promise<string | undefined> {
  const limit = services.config.ingestion.maxDocumentsPerTenant;
  const count = await services.manifests.countDocuments(tenant);
  if (count < limit) return undefined;
  return `The tenant already has ${count} documents, its limit (RAG_MAX_DOCUMENTS_PER_TENANT=${limit}); delete documents to make room, then upload or re-drive this one`;
}

/**
 * For an upload, before anything is written: a new document beyond the tenant's limit is a ForbiddenError (403).
 * 403, not 409: the refusal is the tenant's quota, not a conflict with the document addressed (which does not
 * exist yet), and repeating the request unchanged cannot succeed until documents are deleted; the body's code
 * (ForbiddenError) and message (naming RAG_MAX_DOCUMENTS_PER_TENANT) tell it from a missing tenant claim.
 * A replacement of a known document is always accepted.
 */
export async function assertRoomForDocument(services: DocumentLimitDeps, tenant: string, key: string): Promise<void> {
  const { needsSlot } = await slotNeeded(services, tenant, documentIdFor(tenant, key));
  const reason = needsSlot ? await documentLimitReason(services, tenant) : undefined;
  if (reason) throw new ForbiddenError(reason);
}

export type StartIngestionDeps = Pick<Services, 'config' | 'manifests' | 'workflows'>;

/**
 * Starts one ingestion (the idempotent execution name makes a duplicate start a no-op).
 * - A new document beyond its tenant's limit starts nothing: an upload or a re-drive (a person waits) gets the
 *   ForbiddenError; a folder event or a sweep writes a FAILED manifest with the reason, which the listing shows
 *   and which holds no slot, so a re-drive once there is room ingests it.
 * - A full orchestrator (the local ingest queue, Step Functions throttling) throws a ThrottlingError after the
 *   manifest is PENDING, so the next re-index sweep starts it: nothing is dropped. The sweep itself does not wait
 *   for room (it would fail its Map after the Task's retries): what does not fit is left for its next run.
 */
export async function startIngestion(services: StartIngestionDeps, request: IngestionRequest): Promise<StartedExecution> {
  if (request.action === 'upsert') {
    const ref = { tenant: request.tenant, key: request.key };
    const documentId = documentIdFor(ref.tenant, ref.key);
    const known = await slotNeeded(services, ref.tenant, documentId);
    const reason = known.needsSlot ? await documentLimitReason(services, ref.tenant) : undefined;
    if (reason) {
      if (request.reason === 'upload' || request.reason === 'redrive') throw new ForbiddenError(reason);
      await refuseDocument(services, request, known.manifest, reason);
      return { executionName: ingestionExecutionName(request), started: false };
    }
    await markPending(services, ref, request.etag, known);
  }
  try {
    return await services.workflows.startIngestion(request);
  } catch (error) {
    if (!(error instanceof ThrottlingError) || request.reason !== 'reindex') throw error;
    logger.debug('Ingestion left for the next sweep: the orchestrator is full', { tenant: request.tenant });
    recordMetric(METRIC.ingestionsDeferred, MetricUnit.Count, 1);
    return { executionName: ingestionExecutionName(request), started: false };
  }
}

async function refuseDocument(
  services: Pick<Services, 'manifests'>,
  request: IngestionRequest,
  manifest: DocumentManifest | undefined,
  reason: string,
): Promise<void> {
  const at = new Date().toISOString();
  const documentId = documentIdFor(request.tenant, request.key);
  await services.manifests.refuse({
    ...(manifest ?? newManifest(request.tenant, request.key, documentId)),
    status: 'FAILED',
    // The object version refused: the sweep takes it as seen and does not try it again until it changes.
    ...(request.etag !== undefined ? { etag: request.etag } : {}),
    failure: { error: 'ForbiddenError', reason, at },
    updatedAt: at,
  });
  logger.warn('Document refused: its tenant is at its document limit', { tenant: request.tenant, documentId });
  recordMetric(METRIC.documentsRejected, MetricUnit.Count, 1);
}
