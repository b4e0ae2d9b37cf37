import { getServices } from '../../shared/container';
import { finalizeDocument } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { labels, finalizeSchema } from './state';

/** Ingest Task "Finalize": verify the vector count, drop stale chunks, write the INDEXED manifest. */
export const makeHandler = taskHandler(finalizeSchema, (services, input) => finalizeDocument(services, input, input.document, input.chunks), labels);
export const handler = makeHandler(getServices);
