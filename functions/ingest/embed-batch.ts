import { getServices } from '../../shared/container';
import { embedBatch } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { embedBatchSchema } from './state';

/** Ingest Map Task "EmbedBatch": embed one batch of chunks and upsert it (idempotent by chunk id). */
export const makeHandler = taskHandler(embedBatchSchema, (services, input) => embedBatch(services, input), {
  correlationId: (input) => input.documentId,
  tenant: (input) => input.tenant,
});
export const handler = makeHandler(getServices);
