import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

/** Builds the API Gateway HTTP API (payload v2) event the Lambda would receive, with the JWT claims the authorizer would pass. */
export interface HttpRequestParts {
  method: string;
  rawPath: string;
  rawQueryString: string;
  routeKey: string;
  headers: Record<string, string>;
  pathParameters: Record<string, string>;
  queryStringParameters: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  sourceIp: string;
  claims: Record<string, string> | undefined;
}

export function apiGatewayEvent(parts: HttpRequestParts): APIGatewayProxyEventV2WithJWTAuthorizer {
  const now = new Date();
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: parts.routeKey,
    rawPath: parts.rawPath,
    rawQueryString: parts.rawQueryString,
    headers: parts.headers,
    ...(Object.keys(parts.queryStringParameters).length > 0 ? { queryStringParameters: parts.queryStringParameters } : {}),
    ...(Object.keys(parts.pathParameters).length > 0 ? { pathParameters: parts.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: parts.headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: { method: parts.method, path: parts.rawPath, protocol: 'HTTP/1.1', sourceIp: parts.sourceIp, userAgent: parts.headers['user-agent'] ?? '' },
      requestId,
      routeKey: parts.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: parts.claims ?? {}, scopes: [] },
      },
    },
    ...(parts.body !== undefined ? { body: parts.body } : {}),
    isBase64Encoded: parts.isBase64Encoded ?? false,
  };
}
