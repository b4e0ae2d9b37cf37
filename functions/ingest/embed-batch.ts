import { statePort } from '../../shared/adapters/blob-store';
import { embedderPort } from '../../shared/adapters/embedder';
import { manifestsPort } from '../../shared/adapters/manifest-store';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type EmbedBatchDeps, embedBatch } from '../../shared/pipeline/ingest';
import { taskHandler } from '../task';
import { embedBatchSchema } from './state';

/** Ingest Map Task "EmbedBatch": embed one batch of chunks and upsert it (idempotent by chunk id). */
export const makeHandler = taskHandler(embedBatchSchema, (services: EmbedBatchDeps, input) => embedBatch(services, input), {
  correlationId: (input) => input.documentId,
  tenant: (input) => input.tenant,
});
export const handler = makeHandler(servicesFor(statePort, vectorsPort, embedderPort, manifestsPort));
