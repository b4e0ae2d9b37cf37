import { getServices } from '../../shared/container';
import { retrieve } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, retrieveSchema } from './state';

/** Query Task "Retrieve": embed the question, tenant-filtered (hybrid) search; returns chunk ids and scores. */
export const makeHandler = taskHandler(retrieveSchema, (services, state) => retrieve(services, state.query, state.inputGuard.question), labels);
export const handler = makeHandler(getServices);
