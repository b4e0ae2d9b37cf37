import type { Context } from 'aws-lambda';
import { servicesFor } from '../../shared/adapters/wiring';
import type { AppConfig } from '../../shared/config/config';
import { buildOpenApiDocument, type OpenApiDocument } from '../../shared/contracts/openapi';
import { withObservability } from '../../shared/observability/handler-stack';
import type { Services } from '../../shared/pipeline/services';
import { type HttpEvent, type HttpResult, httpErrors, json } from './http';
import { httpRoutes } from './routes';

/**
 * GET /openapi.json (public): the API description, generated from the route table and the contract's
 * zod schemas with this deployment's limits. Built once per configuration and kept while the process is
 * warm: generating the JSON Schemas takes about 10 ms, the document never changes.
 */
export function makeHandler(services: () => Promise<Pick<Services, 'config'>>) {
  const built = new WeakMap<AppConfig, OpenApiDocument>();
  return withObservability(
    async (_event: HttpEvent, _context: Context): Promise<HttpResult> => {
      const { config } = await services();
      let document = built.get(config);
      if (!document) {
        document = buildOpenApiDocument(httpRoutes, {
          limits: config.query,
          maxUploadBytes: config.ingestion.maxUploadBytes,
          tenantClaim: config.tenancy.tenantClaim,
        });
        built.set(config, document);
      }
      return json(200, document);
    },
    { use: [httpErrors()] },
  );
}

export const handler = makeHandler(servicesFor());
