import { getServices } from '../../shared/container';
import { extractDocument } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { extractSchema, labels } from './state';

/** Ingest Task "Extract": read the object, hash it, skip if unchanged, extract its text to the state store. */
export const makeHandler = taskHandler(extractSchema, (services, input) => extractDocument(services, input), labels);
export const handler = makeHandler(getServices);
