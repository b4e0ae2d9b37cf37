import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import type { AppConfig } from '../../shared/config/config';
import {
  type FieldIssue,
  DependencyUnavailableError,
  ForbiddenError,
  PayloadTooLargeError,
  RagError,
  ThrottlingError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/errors';
import { isValidTenant } from '../../shared/contracts/tenant';
import { sha256Hex } from '../../shared/documents/identity';
import { logger } from '../../shared/observability/telemetry';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** Request bodies above this are refused before parsing (API Gateway itself allows 10 MB). */
const MAX_BODY_BYTES = 256 * 1024;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The one place where errors become HTTP responses. Anything not exposed becomes a bare 500. */
export function errorResponse(error: unknown, requestId: string): HttpResult {
  if (error instanceof RagError && error.expose) {
    // 429 and 503 say when to come back: every refusal the caller may retry carries Retry-After.
    const headers: Record<string, string> =
      error instanceof ThrottlingError || error instanceof DependencyUnavailableError ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    return json(
      error.status,
      {
        error: {
          code: error.name,
          message: error.message,
          ...(error instanceof ValidationError && error.issues.length > 0 ? { issues: error.issues } : {}),
        },
        requestId,
      },
      headers,
    );
  }
  return json(500, { error: { code: 'InternalError', message: 'Internal error' }, requestId });
}

function failureReason(error: Error | null | undefined): Record<string, string | number> {
  if (!error) return {};
  if (error instanceof RagError) return { reason: error.message };
  return { reasonChars: error.message.length, reasonSha256: sha256Hex(error.message).slice(0, 16) };
}

/** middy middleware: maps thrown errors to responses, logs them without payloads or stacks of user data. */
export function httpErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const error = request.error;
      const requestId = request.event.requestContext?.requestId ?? 'unknown';
      const status = error instanceof RagError ? error.status : 500;
      // `reason`, not `message`: Powertools' logger reserves `message` and drops it (the log said only that).
      // Only our own errors' messages are logged as they are; any other message (a library's, a service's) may
      // echo a question or a document, so it is logged as its size and hash.
      if (status >= 500) logger.error('Request failed', { error: error?.name, status, ...failureReason(error) });
      else logger.info('Request rejected', { error: error?.name, status });
      request.response = errorResponse(error, requestId);
    },
  };
}

/** The tenant comes from the authenticated identity (JWT claim), never from the body. */
/**
 * The OAuth scope of the operator's routes (GET /rejected-files): in the JWT's space-separated `scope` claim on
 * AWS (an access token's scopes, as Cognito issues them), from a `token=*` entry of RAG_API_KEYS locally.
 */
export const ADMIN_SCOPE = 'rag/admin';

/** Whether the authenticated identity has the admin scope (401 when there is no identity). */
export function isAdmin(event: HttpEvent): boolean {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw new UnauthorizedError('Authentication required');
  const scope = claims.scope;
  const scopes = typeof scope === 'string' ? scope.split(' ') : Array.isArray(scope) ? scope.map(String) : [];
  return scopes.includes(ADMIN_SCOPE);
}

/** Admits only an identity with the admin scope: 401 without one, 403 for a tenant's identity. */
export function assertAdmin(event: HttpEvent): void {
  if (!isAdmin(event)) throw new ForbiddenError(`This route needs the ${ADMIN_SCOPE} scope`);
}

/** The identity's tenant, or undefined for one that carries none (an operator token). */
export function optionalTenantOf(event: HttpEvent, config: AppConfig): string | undefined {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw new UnauthorizedError('Authentication required');
  const tenant = claims[config.tenancy.tenantClaim];
  return typeof tenant === 'string' && isValidTenant(tenant) ? tenant : undefined;
}

export function tenantOf(event: HttpEvent, config: AppConfig): string {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw new UnauthorizedError('Authentication required');
  const tenant = claims[config.tenancy.tenantClaim];
  if (typeof tenant !== 'string' || !isValidTenant(tenant)) throw new ForbiddenError('The identity carries no valid tenant');
  return tenant;
}

function bodyText(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Zod issues as field-level reasons; an unknown key is named as the field. */
function fieldIssues(error: z.ZodError, root: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : root),
    message: issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` : issue.message,
  }));
}

/** Parses and validates the query string; every failure is a 400 with a reason per parameter. */
export function parseQueryString<T extends z.ZodType>(event: HttpEvent, schema: T): z.infer<T> {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw new ValidationError('Invalid query string', fieldIssues(parsed.error, '(query)'));
  return parsed.data;
}

/** Parses and validates a JSON body; every failure is a 400/413 with a reason. */
export function parseJsonBody<T extends z.ZodType>(event: HttpEvent, schema: T): z.infer<T> {
  const text = bodyText(event);
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new PayloadTooLargeError(`Request body is larger than ${MAX_BODY_BYTES} bytes`);
  const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'];
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new ValidationError('Request body must be JSON', [{ path: '(body)', message: 'content-type must be application/json' }]);
  }
  let value: unknown;
  try {
    value = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    throw new ValidationError('Request body is not valid JSON', [{ path: '(body)', message: 'is not valid JSON' }]);
  }
  if (value === undefined) throw new ValidationError('Request body is required', [{ path: '(body)', message: 'is required' }]);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError('Invalid request', fieldIssues(parsed.error, '(body)'));
  return parsed.data;
}
