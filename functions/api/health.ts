import type { Context } from 'aws-lambda';
import { getServices } from '../../shared/container';
import { withObservability } from '../../shared/observability/handler-stack';
import type { Services } from '../../shared/pipeline/services';
import { type HttpEvent, type HttpResult, httpErrors, json } from './http';

/** GET /health: 200 when configuration is valid and the vector store answers. No tenant data. */
export function makeHandler(services: () => Promise<Services>) {
  return withObservability(async (_event: HttpEvent, _context: Context): Promise<HttpResult> => {
    const deps = await services();
    await deps.vectors.count(deps.config.tenancy.defaultTenant);
    return json(200, {
      status: 'ok',
      adapters: deps.config.adapters,
      embeddingModel: deps.embedder.modelId,
      generationModel: deps.generator.modelId,
      promptVersion: deps.config.query.promptVersion,
    });
  }).use(httpErrors());
}

export const handler = makeHandler(getServices);
