import { embedderPort } from '../../shared/adapters/embedder';
import { rerankerPort } from '../../shared/adapters/reranker';
import { usagePort } from '../../shared/adapters/usage';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type RetrieveAndRankDeps, retrieveAndRank } from '../../shared/pipeline/query';
import type { Services } from '../../shared/pipeline/services';
import { taskHandler } from '../task';
import { withSpend } from './spend';
import { labels, retrieveAndRankSchema } from './state';

/** Query Task "RetrieveAndRank": embed the question, tenant-filtered (hybrid) search, rerank; returns the top chunks with their text. */
export const makeHandler = taskHandler(
  retrieveAndRankSchema,
  (services: RetrieveAndRankDeps & Pick<Services, 'usage'>, state) =>
    withSpend(services.usage, state, () => retrieveAndRank(services, state.query, state.inputGuard.question)),
  labels,
);
export const handler = makeHandler(servicesFor(embedderPort, vectorsPort, rerankerPort, usagePort));
