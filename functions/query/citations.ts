import { getServices } from '../../shared/container';
import { resolveCitations } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { citationsSchema, labels } from './state';

/** Query Task "ResolveCitations": map citations to documents, price the request, shape the response. */
export const makeHandler = taskHandler(citationsSchema, (services, state) => resolveCitations(services, state), labels);
export const handler = makeHandler(getServices);
