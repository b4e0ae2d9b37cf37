import { embedderPort } from '../../shared/adapters/embedder';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type RetrieveDeps, retrieve } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, retrieveSchema } from './state';

/** Query Task "Retrieve": embed the question, tenant-filtered (hybrid) search; returns chunk ids and scores. */
export const makeHandler = taskHandler(retrieveSchema, (services: RetrieveDeps, state) => retrieve(services, state.query, state.inputGuard.question), labels);
export const handler = makeHandler(servicesFor(embedderPort, vectorsPort));
