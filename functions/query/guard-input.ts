import { guardrailPort } from '../../shared/adapters/guardrail';
import { usagePort } from '../../shared/adapters/usage';
import { servicesFor } from '../../shared/adapters/wiring';
import { type GuardInputDeps, guardInput } from '../../shared/pipeline/query';
import type { Services } from '../../shared/pipeline/services';
import { taskHandler } from '../task';
import { withSpend } from './spend';
import { guardInputSchema, labels } from './state';

/** Query Task "GuardInput": prompt-attack and denied-topic checks, PII redaction of the question. */
export const makeHandler = taskHandler(
  guardInputSchema,
  (services: GuardInputDeps & Pick<Services, 'usage'>, state) => withSpend(services.usage, state, () => guardInput(services, state.query)),
  labels,
);
export const handler = makeHandler(servicesFor(guardrailPort, usagePort));
