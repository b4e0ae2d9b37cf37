import { z } from 'zod';
import { getServices } from '../../shared/container';
import { documentIdFor } from '../../shared/documents/identity';
import { tenantPattern } from '../../shared/pipeline/document-keys';
import { startIngestion } from '../../shared/pipeline/reindex';
import { taskHandler } from '../task';

const schema = z.object({
  tenant: z.string().regex(tenantPattern),
  key: z.string().min(1).max(1024),
  action: z.enum(['upsert', 'delete']),
  etag: z.string().optional(),
  reason: z.enum(['event', 'reindex', 'redrive', 'upload', 'samples']).default('reindex'),
});

/** Re-index Map Task "StartIngestion": start one ingest execution (idempotent by name). */
export const makeHandler = taskHandler(schema, (services, input) => startIngestion(services, input), {
  correlationId: (input) => documentIdFor(input.tenant, input.key),
  tenant: (input) => input.tenant,
});
export const handler = makeHandler(getServices);
