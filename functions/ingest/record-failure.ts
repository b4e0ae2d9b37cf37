import { documentsPort, statePort } from '../../shared/adapters/blob-store';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { conversationsPort } from '../../shared/adapters/conversations';
import { servicesFor } from '../../shared/adapters/wiring';
import { type RecordFailureDeps, recordFailure } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { recordFailureSchema, labels } from './state';

/** Ingest Task "RecordFailure" (the Catch target): manifest FAILED with the reason, partial chunks removed. */
export const makeHandler = taskHandler(
  recordFailureSchema,
  (services: RecordFailureDeps, input) => recordFailure(services, input, input.error, input.document, input.chunks),
  labels,
);
export const handler = makeHandler(servicesFor(documentsPort, statePort, vectorsPort, manifestsPort, conversationsPort));
