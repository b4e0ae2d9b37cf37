import { manifestsPort } from '../../shared/adapters/manifest-store';
import { workflowsPort } from '../../shared/adapters/workflows';
import { servicesFor } from '../../shared/adapters/wiring';
import { documentIdFor } from '../../shared/documents/identity';
import { type StartIngestionDeps, startIngestion } from '../../shared/pipeline/start-ingestion';
import { taskHandler } from '../task';
import { startIngestionSchema } from './state';

/** Re-index Map Task "StartIngestion": start one ingest execution (idempotent by name). */
export const makeHandler = taskHandler(startIngestionSchema, (services: StartIngestionDeps, input) => startIngestion(services, input), {
  correlationId: (input) => documentIdFor(input.tenant, input.key),
  tenant: (input) => input.tenant,
});
export const handler = makeHandler(servicesFor(manifestsPort, workflowsPort));
