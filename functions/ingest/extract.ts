import { documentsPort, statePort } from '../../shared/adapters/blob-store';
import { chunkerPort } from '../../shared/adapters/chunker';
import { embedderPort } from '../../shared/adapters/embedder';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type ExtractDocumentDeps, extractDocument } from '../../shared/pipeline/extract-document';
import { taskHandler } from '../task';
import { extractSchema, labels } from './state';

/** Ingest Task "Extract": read the object, hash it, skip if unchanged, extract its text to the state store. */
export const makeHandler = taskHandler(extractSchema, (services: ExtractDocumentDeps, input) => extractDocument(services, input), labels);
export const handler = makeHandler(servicesFor(documentsPort, statePort, manifestsPort, chunkerPort, embedderPort, vectorsPort));
