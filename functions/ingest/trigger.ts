import * as z from 'zod';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { workflowsPort } from '../../shared/adapters/workflows';
import { logger, MetricUnit, metrics } from '../../shared/observability/telemetry';
import { isIgnoredKey, noTenantReason, tenantOfKey } from '../../shared/pipeline/document-keys';
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
  async (services: StartIngestionDeps & Pick<Services, 'config'>, event): Promise<StartedExecution | { ignored: true; reason: string }> => {
    // EventBridge carries S3 keys URL-encoded, with '+' for spaces (as S3 notifications do).
    const key = decodeURIComponent(event.detail.object.key.replace(/\+/g, ' '));
    if (isIgnoredKey(key)) {
      logger.debug('Ignoring object', { keyLength: key.length });
      return { ignored: true, reason: 'ignored key' };
    }
    const tenant = tenantOfKey(key);
    if (tenant === undefined) {
      // Never indexed or served; reported with its reason (the key's length, not the key: it may name a person).
      const reason = noTenantReason(key) ?? 'no tenant';
      logger.warn('Object outside any tenant folder is not indexed', { keyLength: key.length, reason });
      metrics.addMetric('DocumentsRejected', MetricUnit.Count, 1);
      return { ignored: true, reason };
    }
    const action = event['detail-type'] === 'Object Created' ? 'upsert' : 'delete';
    return startIngestion(services, {
      tenant,
      key,
      action,
      etag: event.detail.object.etag ?? event.detail.object.sequencer,
      reason: 'event',
    });
  },
  { correlationId: (event) => event.detail.object.sequencer },
);
export const handler = makeHandler(servicesFor(manifestsPort, workflowsPort));
