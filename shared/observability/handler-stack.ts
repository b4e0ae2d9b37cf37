import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { runInInvocation } from './invocation-context';
import { logger, metrics, tracer } from './telemetry';

export interface ObservabilityOptions<TEvent, TResult = unknown> {
  /** Picks the correlation id (request id, document id) out of the event for every log line and as a trace annotation. */
  correlationId?: (event: TEvent) => string | undefined;
  /** Picks the tenant out of the event for every log line and as a trace annotation. */
  tenant?: (event: TEvent) => string | undefined;
  /** Middlewares of the handler's own (e.g. the HTTP error mapper), innermost last. */
  use?: MiddlewareObj<TEvent, TResult, Error, Context>[];
}

export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * The middy stack every handler uses: Lambda context + correlation id + tenant in every log line,
 * EMF metrics flushed per invocation, the handler traced. Responses are not captured by the
 * tracer (they hold answer text). The whole invocation runs inside its invocation context
 * (function name, request id), so work that many concurrent invocations share in one local process
 * still knows whose it is.
 */
export function withObservability<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  options: ObservabilityOptions<TEvent, TResult> = {},
): LambdaHandler<TEvent, TResult> {
  const stack = middy<TEvent, TResult, Error, Context>(handler)
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
    // No Invocations or Errors of our own: AWS/Lambda already publishes both per function
    // (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
  for (const middleware of options.use ?? []) stack.use(middleware);
  return (event, context) => runInInvocation({ functionName: context.functionName, awsRequestId: context.awsRequestId }, () => stack(event, context));
}
