import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { logger, MetricUnit, metrics, tracer } from './telemetry';

export interface ObservabilityOptions<TEvent> {
  /** Picks the correlation id (request id, document id) out of the event for every log line. */
  correlationId?: (event: TEvent) => string | undefined;
  /** Picks the tenant out of the event for every log line and as a metric dimension. */
  tenant?: (event: TEvent) => string | undefined;
}

/**
 * The middy stack every handler uses: Lambda context + correlation id + tenant in every log line,
 * EMF metrics flushed per invocation, the handler traced. Responses are not captured by the
 * tracer (they hold answer text).
 */
export function withObservability<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  options: ObservabilityOptions<TEvent> = {},
): MiddyfiedHandler<TEvent, TResult, Error, Context> {
  return (
    middy<TEvent, TResult, Error, Context>(handler)
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use({
        before: (request) => {
          const correlationId = options.correlationId?.(request.event);
          const tenant = options.tenant?.(request.event);
          logger.appendKeys({ correlationId, tenant });
          if (correlationId) tracer.putAnnotation('correlationId', correlationId);
          if (tenant) tracer.putAnnotation('tenant', tenant);
        },
      })
      .use(logMetrics(metrics, { captureColdStartMetric: true }))
      // Registered after logMetrics so these run before it flushes (middy runs `after` in reverse).
      .use({
        // Blocks, not expressions: a middy middleware that returns a value replaces the response.
        after: () => {
          metrics.addMetric('Invocations', MetricUnit.Count, 1);
        },
        onError: (request) => {
          metrics.addMetric('Invocations', MetricUnit.Count, 1);
          metrics.addMetric('Errors', MetricUnit.Count, 1);
          metrics.addMetadata('errorName', request.error?.name ?? 'UnknownError');
        },
      })
  );
}
