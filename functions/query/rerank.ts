import { rerankerPort } from '../../shared/adapters/reranker';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type RerankDeps, rerank } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { labels, rerankSchema } from './state';

/** Query Task "Rerank": re-score the candidates, keep topK above the relevance threshold. */
export const makeHandler = taskHandler(
  rerankSchema,
  (services: RerankDeps, state) => rerank(services, state.query, state.inputGuard.question, state.retrieval),
  labels,
);
export const handler = makeHandler(servicesFor(vectorsPort, rerankerPort));
