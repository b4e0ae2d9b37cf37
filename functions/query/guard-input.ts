import { guardrailPort } from '../../shared/adapters/guardrail';
import { servicesFor } from '../../shared/adapters/wiring';
import { type GuardInputDeps, guardInput } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { guardInputSchema, labels } from './state';

/** Query Task "GuardInput": prompt-attack and denied-topic checks, PII redaction of the question. */
export const makeHandler = taskHandler(guardInputSchema, (services: GuardInputDeps, state) => guardInput(services, state.query), labels);
export const handler = makeHandler(servicesFor(guardrailPort));
