import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { functionCatalog } from '../functions/catalog';
import { httpRoutes, routeKey } from '../functions/api/routes';
import { apiGatewayEvent } from './http-event';
import { lambdaContext } from './lambda-context';
import type { StreamingHttpHandler } from '../functions/api/query-stream';
import { writableSink } from '../functions/api/response-sink';
import { registerWebPage } from './web/register-web-page';
import * as path from 'node:path';
import { ADMIN_SCOPE, errorResponse } from '../functions/api/http';
import { ThrottlingError, UnauthorizedError } from '../shared/errors';
import { DEFAULT_QUERY_ADMISSION } from '../shared/config/config';
import { QueryAdmission } from './query-admission';
import type { LocalAuth } from './auth';
import { registerMetricsRoute } from './metrics-route';

/**
 * The local HTTP API: the routes of functions/api/routes.ts, each request turned into the API
 * Gateway v2 event the Lambda would receive and handed to the same handler function. The local
 * server plays the JWT authorizer: a bearer token of RAG_API_KEYS (local/auth.ts) becomes the tenant
 * claim, and without one every route but the public ones answers 401, as API Gateway does.
 */
type ApiHandler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalServerOptions {
  host: string;
  port: number;
  tenantClaim: string;
  /** The bearer tokens and the tenant each stands for. */
  auth: LocalAuth;
  /** Until this returns true, every route but /health answers 503. */
  isReady: () => boolean;
  /** The bound on queries in flight: routes marked `admission: 'query'` past it answer 429 (default: the configuration's default). */
  admission?: QueryAdmission;
}

const repoRoot = path.resolve(__dirname, '..');

/** Path parameters under API Gateway's names: fastify calls a greedy `{name+}` segment `*`. */
function pathParameters(routePath: string, params: Record<string, string>): Record<string, string> {
  const greedy = /\{(\w+)\+\}/.exec(routePath)?.[1];
  if (!greedy || params['*'] === undefined) return params;
  const { '*': rest, ...named } = params;
  return { ...named, [greedy]: rest };
}

/** API Gateway passes text bodies as they are and binary ones base64-encoded. */
function httpBody(body: unknown, contentType: string | undefined): { body?: string; isBase64Encoded: boolean } {
  if (!Buffer.isBuffer(body) || body.length === 0) return { isBase64Encoded: false };
  const text = !contentType || /^(text\/|application\/([\w.+-]*\+)?(json|xml|x-www-form-urlencoded)\b)/i.test(contentType);
  return text ? { body: body.toString('utf8'), isBase64Encoded: false } : { body: body.toString('base64'), isBase64Encoded: true };
}

/** The JWT claims API Gateway would pass for this identity: the tenant claim, and `scope` with the admin scope. */
function claimsOf(identity: { tenant?: string; admin: boolean }, tenantClaim: string): Record<string, string> {
  return {
    ...(identity.tenant !== undefined ? { [tenantClaim]: identity.tenant } : {}),
    ...(identity.admin ? { scope: ADMIN_SCOPE } : {}),
  };
}

/** A Lambda proxy result as the HTTP response. */
function sendResult(reply: FastifyReply, result: APIGatewayProxyStructuredResultV2): FastifyReply {
  reply.code(result.statusCode ?? 200);
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, String(value));
  return reply.send(result.body ?? '');
}

export async function createLocalServer(options: LocalServerOptions): Promise<FastifyInstance> {
  // The body limit is the handlers' to enforce (413 with a reason); fastify only caps memory.
  const app = Fastify({
    logger: false,
    bodyLimit: 10 * 1024 * 1024,
    // A path fastify cannot decode (an overlong UTF-8 sequence such as %C0%AF) fails before any route or error
    // handler: answer it with our error body, not the framework's.
    frameworkErrors: (_error, _request, reply) => {
      void (reply as FastifyReply).code(400).send({ error: { code: 'ValidationError', message: 'Malformed request path' } });
    },
  });
  const admission = options.admission ?? new QueryAdmission(DEFAULT_QUERY_ADMISSION);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const route of httpRoutes) {
    const entry = functionCatalog.find((f) => f.name === route.function);
    if (!entry) throw new Error(`Route ${routeKey(route)} names unknown function ${route.function}`);
    const module = (await import(path.join(repoRoot, entry.module))) as { handler: ApiHandler; streamingHandler?: StreamingHttpHandler };
    const { handler, streamingHandler } = module;
    if (route.stream && !streamingHandler) throw new Error(`Route ${routeKey(route)} streams, but ${entry.module} exports no streamingHandler`);
    app.route({
      method: route.method,
      // API Gateway `{name}` is fastify `:name`; a greedy `{name+}` is fastify's `*`.
      url: route.path.replace(/\{(\w+)\+\}/g, '*').replace(/\{(\w+)\}/g, ':$1'),
      handler: async (request, reply) => {
        const authentication = route.public ? undefined : options.auth.authenticate(request.headers.authorization);
        if (authentication && !authentication.ok) {
          const refused = errorResponse(
            new UnauthorizedError(authentication.reason === 'missing' ? 'A bearer token is required' : 'The bearer token is not valid'),
            String(request.id),
          );
          // RFC 6750 §3: the scheme, and `invalid_token` when a token was sent and refused.
          reply.header('www-authenticate', authentication.reason === 'missing' ? 'Bearer realm="rag"' : 'Bearer realm="rag", error="invalid_token"');
          return sendResult(reply, refused);
        }
        if (!route.public && !options.isReady()) {
          return reply
            .code(503)
            .header('retry-after', '1')
            .send({ error: { code: 'NotReady', message: 'The service is starting' } });
        }
        const url = new URL(request.url, 'http://local');
        const headers = Object.fromEntries(
          Object.entries(request.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]])),
        );
        const event = apiGatewayEvent({
          method: route.method,
          rawPath: url.pathname,
          rawQueryString: url.search.slice(1),
          routeKey: routeKey(route),
          headers,
          pathParameters: pathParameters(route.path, request.params as Record<string, string>),
          queryStringParameters: Object.fromEntries(url.searchParams),
          ...httpBody(request.body, headers['content-type']),
          sourceIp: request.ip,
          claims: authentication?.ok ? claimsOf(authentication, options.tenantClaim) : undefined,
        });
        if (route.public && !options.isReady()) {
          return reply.code(503).send({ status: 'starting' });
        }
        const release = route.admission === 'query' ? admission.tryAdmit() : () => undefined;
        if (!release) {
          return sendResult(
            reply,
            errorResponse(new ThrottlingError('Too many queries in flight; retry later', admission.options.retryAfterSeconds), event.requestContext.requestId),
          );
        }
        try {
          if (route.stream && streamingHandler) {
            // The handler writes status, headers and events itself, as Lambda response streaming does.
            reply.hijack();
            await streamingHandler(event, writableSink(reply.raw), lambdaContext(entry.name, 300_000));
            return reply;
          }
          return sendResult(reply, await handler(event, lambdaContext(entry.name, 30_000)));
        } finally {
          release();
        }
      },
    });
  }
  // The query page (local/web): `/` and `/app/*`, outside the API's route table and its readiness gate.
  registerWebPage(app);
  registerMetricsRoute(app, options.auth, admission);
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: { code: 'NotFoundError', message: 'No such route' } }));
  // Errors of the HTTP layer itself (a body above fastify's cap, a broken request) keep their 4xx status.
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const code = status === 413 ? 'PayloadTooLargeError' : status < 500 ? 'ValidationError' : 'InternalError';
    return reply
      .code(status)
      .send({ error: { code, message: status === 413 ? 'Request body is too large' : status < 500 ? 'Malformed request' : 'Internal error' } });
  });
  await app.listen({ host: options.host, port: options.port });
  return app;
}
