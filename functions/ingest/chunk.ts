import { getServices } from '../../shared/container';
import { chunkExtracted } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { labels, chunkSchema } from './state';

/** Ingest Task "Chunk": split the extracted text, write chunk batches to the state store, return their keys. */
export const makeHandler = taskHandler(chunkSchema, (services, input) => chunkExtracted(services, input, input.document), labels);
export const handler = makeHandler(getServices);
