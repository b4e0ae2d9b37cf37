import type { Context } from 'aws-lambda';
import { servicesFor } from '../../shared/adapters/wiring';
import { workflowsPort } from '../../shared/adapters/workflows';
import { withObservability } from '../../shared/observability/handler-stack';
import { logger, MetricUnit, metrics } from '../../shared/observability/telemetry';
import { queryRequestSchema } from '../../shared/contracts/query';
import type { Services } from '../../shared/pipeline/services';
import { type HttpEvent, type HttpResult, httpErrors, json, parseJsonBody, tenantOf } from './http';

/** POST /query: validate at the edge, run the query state machine synchronously, return its response. */
export function makeHandler(services: () => Promise<Pick<Services, 'config' | 'workflows'>>) {
  return withObservability(
    async (event: HttpEvent, _context: Context): Promise<HttpResult> => {
      const deps = await services();
      const tenant = tenantOf(event, deps.config);
      const request = parseJsonBody(event, queryRequestSchema(deps.config.query));
      const started = performance.now();
      const response = await deps.workflows.runQuery({ ...request, tenant, requestId: event.requestContext.requestId });
      const latencyMs = Math.round(performance.now() - started);
      metrics.addMetric('QueryLatencyMs', MetricUnit.Milliseconds, latencyMs);
      logger.info('Query served', { latencyMs, citations: response.citations.length, model: response.model, costUsd: response.usage.costUsd });
      return json(200, response);
    },
    { correlationId: (event) => event.requestContext?.requestId, use: [httpErrors()] },
  );
}

export const handler = makeHandler(servicesFor(workflowsPort));
