import { documentsPort, statePort } from '../../shared/adapters/blob-store';
import { conversationsPort } from '../../shared/adapters/conversations';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type DeleteDocumentDeps, deleteDocument } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { deleteDocumentSchema, labels } from './state';

/** Ingest Task "DeleteDocument": remove every vector and the manifest of a deleted object. */
export const makeHandler = taskHandler(deleteDocumentSchema, (services: DeleteDocumentDeps, input) => deleteDocument(services, input), labels);
export const handler = makeHandler(servicesFor(documentsPort, statePort, vectorsPort, manifestsPort, conversationsPort));
