import type { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { documentsPort } from '../../shared/adapters/blob-store';
import { conversationsPort } from '../../shared/adapters/conversations';
import { generatorPort } from '../../shared/adapters/generator';
import { guardrailPort } from '../../shared/adapters/guardrail';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { usagePort } from '../../shared/adapters/usage';
import { workflowsPort } from '../../shared/adapters/workflows';
import { loadConfig } from '../../shared/config/config';
import { formatStreamEvent } from '../../shared/contracts/stream';
import { ConfigurationError } from '../../shared/errors';
import { withObservability } from '../../shared/observability/handler-stack';
import { logger } from '../../shared/observability/telemetry';
import { type StreamAnswerDeps, streamAnswer } from '../../shared/pipeline/stream-answer';
import { queryBudgetMs, startDeadline } from '../../shared/reliability/deadline';
import type { QueryState } from '../../shared/pipeline/query';
import type { Services } from '../../shared/pipeline/services';
import { generateSchema } from '../query/state';
import { requestSchemaFor } from '../../shared/pipeline/request-schema';
import { errorResponse, type HttpEvent, parseJsonBody, tenantOf } from './http';
import { jwtAuthenticator } from './jwt';
import { lambdaSink, lambdaStreamingGlobals, type ResponseSink } from './response-sink';

/**
 * POST /query/stream: the body, auth and validation of POST /query, answered as Server-Sent Events
 * (shared/contracts/stream.ts). Errors found before the first event (validation, auth, throttling in
 * retrieval) are the usual JSON error with its status; an error after it is an `error` event, and the
 * stream ends without `done`.
 */
export type StreamingHttpHandler = (event: HttpEvent, sink: ResponseSink, context: Context) => Promise<void>;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // Proxies must pass each event on at once.
  'x-accel-buffering': 'no',
};

/** The exposed error of the one error mapper (functions/api/http.ts), as an SSE error event payload. */
function errorEvent(error: unknown, requestId: string): string {
  const response = errorResponse(error, requestId);
  const body = JSON.parse(response.body ?? '{}') as { error?: { code?: string; message?: string } };
  return formatStreamEvent({
    event: 'error',
    data: { error: { code: body.error?.code ?? 'InternalError', message: body.error?.message ?? 'Internal error' }, requestId },
  });
}

export function makeStreamingHandler(
  services: () => Promise<StreamAnswerDeps & Pick<Services, 'usage'>>,
  authenticate?: (event: HttpEvent) => Promise<HttpEvent>,
): StreamingHttpHandler {
  const serve = async (raw: HttpEvent, sink: ResponseSink, remainingMs: () => number): Promise<void> => {
    const requestId = raw.requestContext?.requestId ?? 'unknown';
    let opened = false;
    try {
      const event = authenticate ? await authenticate(raw) : raw;
      const deps = await services();
      const tenant = tenantOf(event, deps.config);
      const request = parseJsonBody(event, requestSchemaFor(deps.config.query));
      // Before any model is called: a tenant whose daily budget is used up gets 429 with the reset time.
      await deps.usage.admit(tenant);
      // The deadline bounds the wait for the first event (retrieval); once deltas flow the stream runs on.
      const deadline = startDeadline(queryBudgetMs(deps.config.query.timeoutMs, remainingMs()));
      // The generation and its output guard run here, in this invocation's usage scope; what they spent is stored when the stream ends.
      await deps.usage.run({ requestId, tenant, feature: 'stream', promptVersion: deps.config.query.promptVersion }, async () => {
        const events = streamAnswer(deps, { ...request, tenant, requestId }, (state) => generateSchema.parse(state) as QueryState, {
          signal: deadline.signal,
        });
        // Run up to the first event before answering 200: retrieval errors still get their status.
        const first = await events.next().finally(deadline.clear);
        sink.open(200, SSE_HEADERS);
        opened = true;
        if (!first.done) sink.write(formatStreamEvent(first.value));
        for await (const event of events) sink.write(formatStreamEvent(event));
      });
    } catch (error) {
      logger.warn('Stream failed', { error: error instanceof Error ? error.name : 'UnknownError', opened });
      if (opened) {
        sink.write(errorEvent(error, requestId));
      } else {
        const response = errorResponse(error, requestId);
        sink.open(response.statusCode ?? 500, Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, v]) => [k, String(v)])));
        sink.write(response.body ?? '');
      }
    } finally {
      await sink.end();
    }
  };
  return (event, sink, context) =>
    withObservability(
      async (e: HttpEvent, c: Context): Promise<void> => {
        await serve(e, sink, () => c.getRemainingTimeInMillis());
      },
      { correlationId: (e: HttpEvent) => e.requestContext?.requestId },
    )(event, context);
}

const ports = servicesFor(workflowsPort, conversationsPort, vectorsPort, generatorPort, guardrailPort, documentsPort, usagePort);

/** The handler the local server calls: its events already carry the claims (it plays the authorizer). */
export const streamingHandler = makeStreamingHandler(ports);

/**
 * The Lambda entry point: a function URL in RESPONSE_STREAM mode. No API Gateway authorizer stands in
 * front of it, so the JWT is verified here against RAG_JWT_ISSUER / RAG_JWT_AUDIENCE.
 */
function lambdaHandler(): unknown {
  const config = loadConfig();
  const globals = lambdaStreamingGlobals();
  if (!globals || !config.lambdaFunctionName) return undefined;
  if (!config.jwt) throw new ConfigurationError('RAG_JWT_ISSUER and RAG_JWT_AUDIENCE are required by the streaming function URL');
  const handler = makeStreamingHandler(ports, jwtAuthenticator(config.jwt));
  return globals.streamifyResponse(async (event: HttpEvent, responseStream: Writable, context: Context) =>
    handler(event, lambdaSink(responseStream, globals), context),
  );
}

export const handler = lambdaHandler();
