import { getServices } from '../../shared/container';
import { documentIdFor } from '../../shared/documents/identity';
import { startIngestion } from '../../shared/pipeline/reindex';
import { taskHandler } from '../task';
import { startIngestionSchema } from './state';

/** Re-index Map Task "StartIngestion": start one ingest execution (idempotent by name). */
export const makeHandler = taskHandler(startIngestionSchema, (services, input) => startIngestion(services, input), {
  correlationId: (input) => documentIdFor(input.tenant, input.key),
  tenant: (input) => input.tenant,
});
export const handler = makeHandler(getServices);
