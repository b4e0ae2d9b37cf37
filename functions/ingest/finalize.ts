import { documentsPort, statePort } from '../../shared/adapters/blob-store';
import { conversationsPort } from '../../shared/adapters/conversations';
import { chunkerPort } from '../../shared/adapters/chunker';
import { embedderPort } from '../../shared/adapters/embedder';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type FinalizeDocumentDeps, finalizeDocument } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { labels, finalizeSchema } from './state';

/** Ingest Task "Finalize": verify the vector count, drop stale chunks, write the INDEXED manifest. */
export const makeHandler = taskHandler(
  finalizeSchema,
  (services: FinalizeDocumentDeps, input) => finalizeDocument(services, input, input.document, input.chunks),
  labels,
);
export const handler = makeHandler(servicesFor(documentsPort, statePort, vectorsPort, manifestsPort, chunkerPort, embedderPort, conversationsPort));
