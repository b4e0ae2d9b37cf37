import { getServices } from '../../shared/container';
import { recordFailure } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { recordFailureSchema, labels } from './state';

/** Ingest Task "RecordFailure" (the Catch target): manifest FAILED with the reason, partial chunks removed. */
export const makeHandler = taskHandler(
  recordFailureSchema,
  (services, input) => recordFailure(services, input, input.error, input.document, input.chunks),
  labels,
);
export const handler = makeHandler(getServices);
