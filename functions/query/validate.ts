import { getServices } from '../../shared/container';
import { validateQuery } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, validateSchema } from './state';

/** Query Task "ValidateQuery": re-check the request against the configured limits, apply defaults from configuration. */
export const makeHandler = taskHandler(validateSchema, async (services, input) => validateQuery(services, input), labels);
export const handler = makeHandler(getServices);
