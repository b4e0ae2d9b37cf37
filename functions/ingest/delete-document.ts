import { getServices } from '../../shared/container';
import { deleteDocument } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { documentRefSchema, labels } from './state';

/** Ingest Task "DeleteDocument": remove every vector and the manifest of a deleted object. */
export const makeHandler = taskHandler(documentRefSchema, (services, input) => deleteDocument(services, input), labels);
export const handler = makeHandler(getServices);
