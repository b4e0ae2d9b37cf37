import { getServices } from '../../shared/container';
import { deleteDocument } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { deleteDocumentSchema, labels } from './state';

/** Ingest Task "DeleteDocument": remove every vector and the manifest of a deleted object. */
export const makeHandler = taskHandler(deleteDocumentSchema, (services, input) => deleteDocument(services, input), labels);
export const handler = makeHandler(getServices);
