import { ADMIN_SCOPE } from '../../functions/api/http';
import { apiGatewayEvent } from '../../local/http-event';

/** What a test sets of an API Gateway event beyond its route; everything else is the local server's default. */
export interface RouteEventOptions {
  /** The tenant claim; absent (and no `admin`): no identity (the authorizer let nothing through). */
  tenant?: string;
  /** The identity has the admin scope (`rag/admin`), with or without a tenant. */
  admin?: boolean;
  path?: string;
  documentId?: string;
  body?: string;
  query?: Record<string, string>;
  contentType?: string;
}

/** The HTTP API event a handler receives for `routeKey` ("PUT /documents/content/{path+}"), as the local server builds it. */
export function routeEvent(routeKey: string, options: RouteEventOptions = {}): ReturnType<typeof apiGatewayEvent> {
  return apiGatewayEvent({
    method: routeKey.split(' ')[0] ?? 'GET',
    rawPath: routeKey.split(' ')[1] ?? '/',
    rawQueryString: '',
    routeKey,
    headers: { 'content-type': options.contentType ?? 'text/markdown' },
    pathParameters: {
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.documentId !== undefined ? { documentId: options.documentId } : {}),
    },
    queryStringParameters: options.query ?? {},
    ...(options.body !== undefined ? { body: options.body } : {}),
    sourceIp: '127.0.0.1',
    claims:
      options.tenant !== undefined || options.admin
        ? { ...(options.tenant !== undefined ? { 'custom:tenant': options.tenant } : {}), ...(options.admin ? { scope: ADMIN_SCOPE } : {}) }
        : undefined,
  });
}
