import type { FastifyInstance } from 'fastify';
import { ADMIN_SCOPE } from '../functions/api/http';
import type { MetricsResponse, StageLatency } from '../shared/contracts/usage';
import { METRIC, STAGES, stageLatencyMetric } from '../shared/observability/metric-names';
import { counterSums, latencySummaries, windowStartedAt } from '../shared/observability/metrics-window';
import type { LocalAuth } from './auth';
import type { QueryAdmission } from './query-admission';

/**
 * GET /metrics, served by the local runtime only: latency percentiles per stage and counter sums since the
 * process started (shared/observability/metrics-window.ts), for the page's usage panel. On AWS the same
 * figures are CloudWatch metrics on the dashboard, so the deployed API has no such route (the page says so
 * on its 404). The figures span every tenant, so the route needs the admin scope.
 */
const STAGE_METRICS: ReadonlyArray<{ stage: string; metric: string }> = [
  { stage: 'Query', metric: METRIC.queryLatency },
  { stage: 'FirstDelta', metric: METRIC.firstDelta },
  ...STAGES.map((stage) => ({ stage, metric: stageLatencyMetric(stage) })),
  { stage: 'Model', metric: METRIC.modelLatency },
];

export function metricsResponse(admission?: Pick<QueryAdmission, 'inFlight' | 'refused'>): MetricsResponse {
  const summaries = new Map(latencySummaries().map((s) => [s.name, s]));
  const stages: StageLatency[] = STAGE_METRICS.flatMap(({ stage, metric }) => {
    const summary = summaries.get(metric);
    return summary ? [{ stage, count: summary.count, p50Ms: summary.p50, p90Ms: summary.p90, p99Ms: summary.p99, maxMs: summary.max }] : [];
  });
  return {
    since: windowStartedAt().toISOString(),
    stages,
    counters: counterSums(),
    gauges: admission ? { queriesInFlight: admission.inFlight, queriesRefused: admission.refused } : {},
  };
}

export function registerMetricsRoute(app: FastifyInstance, auth: LocalAuth, admission: QueryAdmission): void {
  app.get('/metrics', async (request, reply) => {
    const identity = auth.authenticate(request.headers.authorization);
    if (!identity.ok) {
      reply.header('www-authenticate', identity.reason === 'missing' ? 'Bearer realm="rag"' : 'Bearer realm="rag", error="invalid_token"');
      return reply.code(401).send({
        error: { code: 'UnauthorizedError', message: identity.reason === 'missing' ? 'A bearer token is required' : 'The bearer token is not valid' },
      });
    }
    if (!identity.admin) return reply.code(403).send({ error: { code: 'ForbiddenError', message: `This route needs the ${ADMIN_SCOPE} scope` } });
    return reply.header('cache-control', 'no-store').send(metricsResponse(admission));
  });
}
