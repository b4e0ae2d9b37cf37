import { getServices } from '../../shared/container';
import { validateQuery } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, workflowInputSchema } from './state';

/** Query Task "ValidateQuery": re-check the request, apply defaults from configuration. */
export const makeHandler = taskHandler(workflowInputSchema, async (services, input) => validateQuery(services, input), labels);
export const handler = makeHandler(getServices);
