import { getServices } from '../../shared/container';
import { generate } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, queryStateSchema } from './state';

/** Query Task "Generate": answer from the ranked chunks under the guardrail, with the grounding check. */
export const makeHandler = taskHandler(queryStateSchema, (services, state) => generate(services, state), labels);
export const handler = makeHandler(getServices);
