import { statePort } from '../../shared/adapters/blob-store';
import { embedderPort } from '../../shared/adapters/embedder';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { usagePort } from '../../shared/adapters/usage';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type EmbedBatchDeps, embedBatch } from '../../shared/pipeline/ingest';
import type { Services } from '../../shared/pipeline/services';
import { taskHandler } from '../task';
import { embedBatchSchema } from './state';

/**
 * Ingest Map Task "EmbedBatch": embed one batch of chunks and upsert it (idempotent by chunk id). Its embedding
 * call is recorded against the tenant (feature `reindex` for the scheduled re-index, `ingest` otherwise), keyed by
 * the document.
 */
export const makeHandler = taskHandler(
  embedBatchSchema,
  (services: EmbedBatchDeps & Pick<Services, 'usage'>, input) =>
    services.usage.run({ requestId: input.documentId, tenant: input.tenant, feature: input.reason === 'reindex' ? 'reindex' : 'ingest' }, () =>
      embedBatch(services, input),
    ),
  {
    correlationId: (input) => input.documentId,
    tenant: (input) => input.tenant,
  },
);
export const handler = makeHandler(servicesFor(statePort, vectorsPort, embedderPort, manifestsPort, usagePort));
