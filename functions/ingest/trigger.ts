import * as z from 'zod';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { workflowsPort } from '../../shared/adapters/workflows';
import { METRIC } from '../../shared/observability/metric-names';
import { logger, MetricUnit, recordMetric } from '../../shared/observability/telemetry';
import { ThrottlingError } from '../../shared/errors';
import { isIgnoredKey, rejectedKeyReason, tenantOfKey } from '../../shared/pipeline/document-keys';
import type { Services } from '../../shared/pipeline/services';
import { type StartIngestionDeps, startIngestion } from '../../shared/pipeline/start-ingestion';
import type { StartedExecution } from '../../shared/workflows/workflows';
import { taskHandler } from '../task';

/**
 * EventBridge "Object Created" / "Object Deleted" from the documents bucket (locally: the folder
 * watcher emits the same events) -> one ingest execution whose name derives from the object
 * version, so duplicate deliveries start nothing new. AWS owns the envelope and adds fields to it
 * (version, id, source, request-id, ...), so other fields pass; the ones read here are checked.
 */
export const s3EventSchema = z
  .object({
    'detail-type': z.enum(['Object Created', 'Object Deleted']),
    detail: z
      .object({
        bucket: z.object({ name: z.string() }).loose(),
        object: z
          .object({
            key: z.string().min(1),
            etag: z.string().optional(),
            sequencer: z.string().optional(),
            size: z.number().optional(),
          })
          .loose(),
      })
      .loose(),
  })
  .loose();

export const makeHandler = taskHandler(
  s3EventSchema,
  async (
    services: StartIngestionDeps & Pick<Services, 'config'>,
    event,
  ): Promise<StartedExecution | { ignored: true; reason: string } | { deferred: true; reason: string }> => {
    // EventBridge carries S3 keys URL-encoded, with '+' for spaces (as S3 notifications do).
    const key = decodeURIComponent(event.detail.object.key.replace(/\+/g, ' '));
    if (isIgnoredKey(key)) {
      logger.debug('Ignoring object', { keyLength: key.length });
      return { ignored: true, reason: 'ignored key' };
    }
    const tenant = tenantOfKey(key);
    const rejected = rejectedKeyReason(key, services.config.ingestion.maxKeyBytes);
    if (tenant === undefined || rejected !== undefined) {
      // Never indexed or served; reported with its reason (the key's length, not the key: it may name a person).
      const reason = rejected ?? 'no tenant';
      logger.warn('Object is not indexed', { keyLength: key.length, reason });
      recordMetric(METRIC.documentsRejected, MetricUnit.Count, 1);
      return { ignored: true, reason };
    }
    const action = event['detail-type'] === 'Object Created' ? 'upsert' : 'delete';
    try {
      return await startIngestion(services, {
        tenant,
        key,
        action,
        etag: event.detail.object.etag ?? event.detail.object.sequencer,
        reason: 'event',
      });
    } catch (error) {
      if (!(error instanceof ThrottlingError)) throw error;
      // The orchestrator is full (locally the bounded ingest queue, on AWS StartExecution throttled past the SDK's
      // retries): the object stays in the store and its manifest PENDING, so the next re-index sweep starts it.
      const reason = 'ingestions are throttled (locally: the ingest queue is full); left for the next re-index sweep';
      logger.warn('Ingestion deferred', { tenant, reason });
      recordMetric(METRIC.ingestionsDeferred, MetricUnit.Count, 1);
      return { deferred: true, reason };
    }
  },
  { correlationId: (event) => event.detail.object.sequencer },
);
export const handler = makeHandler(servicesFor(manifestsPort, workflowsPort));
