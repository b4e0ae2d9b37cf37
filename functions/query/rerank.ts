import { getServices } from '../../shared/container';
import { ValidationError } from '../../shared/errors';
import { rerank } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, queryStateSchema } from './state';

/** Query Task "Rerank": re-score the candidates, keep topK above the relevance threshold. */
export const makeHandler = taskHandler(
  queryStateSchema,
  async (services, state) => {
    if (!state.retrieval) throw new ValidationError('Rerank needs the retrieval output');
    return rerank(services, state.query, state.inputGuard.question, state.retrieval);
  },
  labels,
);
export const handler = makeHandler(getServices);
