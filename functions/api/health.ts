import type { Context } from 'aws-lambda';
import { embedderPort } from '../../shared/adapters/embedder';
import { generatorPort } from '../../shared/adapters/generator';
import { servicesFor } from '../../shared/adapters/wiring';
import { withObservability } from '../../shared/observability/handler-stack';
import type { Services } from '../../shared/pipeline/services';
import { type HttpEvent, type HttpResult, httpErrors, json } from './http';

/**
 * GET /health: 200 once configuration is valid and the adapters it reports on (embedder, generator)
 * are built. It deliberately calls no dependency: a health probe must stay cheap (an S3 Vectors
 * count is a full scan).
 */
export function makeHandler(services: () => Promise<Pick<Services, 'config' | 'embedder' | 'generator'>>) {
  return withObservability(
    async (_event: HttpEvent, _context: Context): Promise<HttpResult> => {
      const deps = await services();
      return json(200, {
        status: 'ok',
        adapters: deps.config.adapters,
        embeddingModel: deps.embedder.modelId,
        generationModel: deps.generator.modelId,
        promptVersion: deps.config.query.promptVersion,
      });
    },
    { use: [httpErrors()] },
  );
}

export const handler = makeHandler(servicesFor(embedderPort, generatorPort));
