import { generatorPort } from '../../shared/adapters/generator';
import { guardrailPort } from '../../shared/adapters/guardrail';
import { usagePort } from '../../shared/adapters/usage';
import { servicesFor } from '../../shared/adapters/wiring';
import { type GenerateDeps, generate } from '../../shared/pipeline/query';
import type { Services } from '../../shared/pipeline/services';
import { taskHandler } from '../task';
import { withSpend } from './spend';
import { generateSchema, labels } from './state';

/** Query Task "Generate": answer from the ranked chunks under the guardrail, with the grounding check. */
export const makeHandler = taskHandler(
  generateSchema,
  (services: GenerateDeps & Pick<Services, 'usage'>, state) => withSpend(services.usage, state, () => generate(services, state)),
  labels,
);
export const handler = makeHandler(servicesFor(generatorPort, guardrailPort, usagePort));
