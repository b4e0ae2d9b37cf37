import { z } from 'zod';
import { getServices } from '../../shared/container';
import { guardInput, type ValidatedQuery } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels } from './state';

const schema = z.custom<{ requestId: string; tenant: string; query: ValidatedQuery }>(
  (value) => typeof value === 'object' && value !== null && 'query' in value,
  'must carry query',
);

/** Query Task "GuardInput": prompt-attack and denied-topic checks, PII redaction of the question. */
export const makeHandler = taskHandler(schema, (services, state) => guardInput(services, state.query), labels);
export const handler = makeHandler(getServices);
