import type { Context } from 'aws-lambda';
import { servicesFor } from '../../shared/adapters/wiring';
import { conversationsPort } from '../../shared/adapters/conversations';
import { usagePort } from '../../shared/adapters/usage';
import { workflowsPort } from '../../shared/adapters/workflows';
import { withObservability } from '../../shared/observability/handler-stack';
import { METRIC } from '../../shared/observability/metric-names';
import { logger, MetricUnit, recordMetric } from '../../shared/observability/telemetry';
import { type AnswerDeps, answerQuestion } from '../../shared/pipeline/answer';
import { requestSchemaFor } from '../../shared/pipeline/request-schema';
import type { Services } from '../../shared/pipeline/services';
import { queryBudgetMs, startDeadline } from '../../shared/reliability/deadline';
import { type HttpEvent, type HttpResult, httpErrors, json, parseJsonBody, tenantOf } from './http';

/**
 * POST /query: validate at the edge, refuse a tenant whose daily budget is used up (429, before any model is
 * called), then answer within the conversation: from the answer cache, or by running the query state machine
 * synchronously.
 */
export function makeHandler(services: () => Promise<AnswerDeps & Pick<Services, 'usage'>>) {
  return withObservability(
    async (event: HttpEvent, context: Context): Promise<HttpResult> => {
      const deps = await services();
      const tenant = tenantOf(event, deps.config);
      const request = parseJsonBody(event, requestSchemaFor(deps.config.query));
      await deps.usage.admit(tenant);
      const started = performance.now();
      // Past the deadline the execution is cancelled and the answer is a 503 with the reason, not a hung request.
      const deadline = startDeadline(queryBudgetMs(deps.config.query.timeoutMs, context.getRemainingTimeInMillis()));
      const requestId = event.requestContext.requestId;
      const response = await deps.usage
        .run({ requestId, tenant, feature: 'query', promptVersion: deps.config.query.promptVersion }, () =>
          answerQuestion(deps, { ...request, tenant, requestId }, { signal: deadline.signal }),
        )
        .finally(deadline.clear);
      const latencyMs = Math.round(performance.now() - started);
      recordMetric(METRIC.queryLatency, MetricUnit.Milliseconds, latencyMs);
      logger.info('Query served', {
        latencyMs,
        citations: response.citations.length,
        model: response.model,
        costUsd: response.usage.costUsd,
        cached: response.cached === true,
        newSession: response.newSession === true,
        rewritten: response.rewrittenQuestion !== undefined,
      });
      return json(200, response);
    },
    { correlationId: (event) => event.requestContext?.requestId, use: [httpErrors()] },
  );
}

export const handler = makeHandler(servicesFor(workflowsPort, conversationsPort, usagePort));
