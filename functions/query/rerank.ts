import { getServices } from '../../shared/container';
import { rerank } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, rerankSchema } from './state';

/** Query Task "Rerank": re-score the candidates, keep topK above the relevance threshold. */
export const makeHandler = taskHandler(rerankSchema, (services, state) => rerank(services, state.query, state.inputGuard.question, state.retrieval), labels);
export const handler = makeHandler(getServices);
