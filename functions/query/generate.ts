import { getServices } from '../../shared/container';
import { generate } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { generateSchema, labels } from './state';

/** Query Task "Generate": answer from the ranked chunks under the guardrail, with the grounding check. */
export const makeHandler = taskHandler(generateSchema, (services, state) => generate(services, state), labels);
export const handler = makeHandler(getServices);
