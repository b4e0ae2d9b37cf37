import { statePort } from '../../shared/adapters/blob-store';
import { chunkerPort } from '../../shared/adapters/chunker';
import { servicesFor } from '../../shared/adapters/wiring';
import { type ChunkExtractedDeps, chunkExtracted } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { labels, chunkSchema } from './state';

/** Ingest Task "Chunk": split the extracted text, write chunk batches to the state store, return their keys. */
export const makeHandler = taskHandler(chunkSchema, (services: ChunkExtractedDeps, input) => chunkExtracted(services, input, input.document), labels);
export const handler = makeHandler(servicesFor(statePort, chunkerPort));
