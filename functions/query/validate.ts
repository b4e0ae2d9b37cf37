import { generatorPort } from '../../shared/adapters/generator';
import { servicesFor } from '../../shared/adapters/wiring';
import { type ValidateQueryDeps, validateQuery } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, validateSchema } from './state';

/** Query Task "ValidateQuery": re-check the request against the configured limits, apply defaults from configuration. */
export const makeHandler = taskHandler(validateSchema, async (services: ValidateQueryDeps, input) => validateQuery(services, input), labels);
export const handler = makeHandler(servicesFor(generatorPort));
