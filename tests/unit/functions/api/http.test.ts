import { z } from 'zod';
import type { Request } from '@middy/core';
import { errorResponse, httpErrors, parseJsonBody, tenantOf, type HttpEvent, type HttpResult } from '../../../../functions/api/http';
import { logger } from '../../../../shared/observability/telemetry';
import { loadConfig } from '../../../../shared/config/config';
import {
  DEPENDENCY_RETRY_AFTER_SECONDS,
  DependencyUnavailableError,
  QueryTimeoutError,
  ForbiddenError,
  PayloadTooLargeError,
  ThrottlingError,
  UnauthorizedError,
  ValidationError,
} from '../../../../shared/errors';

const config = loadConfig({});

function event(body: string | undefined, claims?: Record<string, string>, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpEvent {
  return {
    version: '2.0',
    routeKey: 'POST /query',
    rawPath: '/query',
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    ...(body !== undefined ? { body } : {}),
    requestContext: {
      requestId: 'req-1',
      ...(claims ? { authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } } } : {}),
    },
  } as unknown as HttpEvent;
}

describe('errorResponse', () => {
  it('gives a 400 with field-level issues for validation errors', () => {
    const res = errorResponse(new ValidationError('Invalid request', [{ path: 'question', message: 'is required' }]), 'r');
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}')).toEqual({
      error: { code: 'ValidationError', message: 'Invalid request', issues: [{ path: 'question', message: 'is required' }] },
      requestId: 'r',
    });
  });

  it('gives 429 when throttled and 503 when a dependency is down or the deadline passed, each with Retry-After; no other status has one', () => {
    const throttled = errorResponse(new ThrottlingError('Model is throttled', 7), 'r');
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers?.['retry-after']).toBe('7');
    for (const error of [new DependencyUnavailableError('Bedrock is unavailable'), new QueryTimeoutError('The query did not finish within 25 s')]) {
      const down = errorResponse(error, 'r');
      expect(down.statusCode).toBe(503);
      expect(down.headers?.['retry-after']).toBe(String(DEPENDENCY_RETRY_AFTER_SECONDS));
    }
    const tooBig = errorResponse(new PayloadTooLargeError('too big'), 'r');
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.headers?.['retry-after']).toBeUndefined();
  });

  it('hides unexpected errors behind a bare 500 without message or stack', () => {
    const res = errorResponse(new TypeError('secret internals at /var/task/index.js:1'), 'r');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/secret|index\.js/);
  });
});

describe('parseJsonBody', () => {
  const schema = z.object({ question: z.string().min(1) }).strict();

  it('rejects malformed JSON, a missing body, a non-JSON content type and unknown fields with reasons', () => {
    expect(() => parseJsonBody(event('{nope'), schema)).toThrow('Request body is not valid JSON');
    expect(() => parseJsonBody(event(undefined), schema)).toThrow('Request body is required');
    expect(() => parseJsonBody(event('{"question":"x"}', undefined, { 'content-type': 'text/plain' }), schema)).toThrow('Request body must be JSON');
    try {
      parseJsonBody(event('{"question":"x","tenant":"other"}'), schema);
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'tenant', message: 'unknown field: tenant' }]);
    }
  });

  it('refuses bodies above the size limit with 413', () => {
    expect(() => parseJsonBody(event(JSON.stringify({ question: 'x'.repeat(300 * 1024) })), schema)).toThrow(PayloadTooLargeError);
  });

  it('returns the parsed value when valid', () => {
    expect(parseJsonBody(event('{"question":"hi"}'), schema)).toEqual({ question: 'hi' });
  });
});

describe('tenantOf', () => {
  it('reads the tenant from the JWT claim, never the body', () => {
    expect(tenantOf(event('{}', { 'custom:tenant': 'acme' }), config)).toBe('acme');
  });

  it('is 401 without an identity and 403 without a valid tenant claim', () => {
    expect(() => tenantOf(event('{}'), config)).toThrow(UnauthorizedError);
    expect(() => tenantOf(event('{}', { sub: 'u1' }), config)).toThrow(ForbiddenError);
    expect(() => tenantOf(event('{}', { 'custom:tenant': '../etc' }), config)).toThrow(ForbiddenError);
  });
});

describe('httpErrors', () => {
  const fail = async (error: Error): Promise<Record<string, unknown>> => {
    const spy = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const request = { event: event('{}'), error, response: undefined } as unknown as Request<HttpEvent, HttpResult>;
      await httpErrors().onError?.(request);
      expect(request.response?.statusCode).toBeGreaterThanOrEqual(500);
      return (spy.mock.calls[0]?.[1] ?? {}) as Record<string, unknown>;
    } finally {
      spy.mockRestore();
    }
  };

  it("logs our own error's reason, and only the size and hash of any other error's message (it may echo a question)", async () => {
    expect(await fail(new DependencyUnavailableError('Bedrock is unavailable'))).toMatchObject({
      error: 'DependencyUnavailableError',
      reason: 'Bedrock is unavailable',
      status: 503,
    });
    const foreign = await fail(new Error('Malformed input: How many days of paid leave do I get?'));
    expect(foreign).toMatchObject({ error: 'Error', status: 500, reasonChars: 54, reasonSha256: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(JSON.stringify(foreign)).not.toContain('paid leave');
  });
});
