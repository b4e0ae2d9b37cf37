/**
 * The HTTP API: one table for the local server; serverless.yml declares the same routes
 * (a deploy test checks). Paths use API Gateway's `{param}` syntax; `routeKey` is what the
 * handler sees in its event.
 */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  path: string;
  /** Catalog function name that serves the route. */
  function: string;
  /** Routes without auth (health): the JWT authorizer is skipped. */
  public?: boolean;
  /**
   * A streamed response (Server-Sent Events). HTTP APIs cannot stream, so on AWS the route is the
   * function's URL in RESPONSE_STREAM mode (serverless.yml), not an HTTP API route; the function checks
   * the JWT itself. Locally the same server serves it.
   */
  stream?: boolean;
  /** Counted against the bound on queries in flight (the local server answers 429 beyond it). */
  admission?: 'query';
}

export const httpRoutes: readonly HttpRoute[] = [
  { method: 'POST', path: '/query', function: 'api-query', admission: 'query' },
  { method: 'POST', path: '/query/stream', function: 'api-query-stream', stream: true, admission: 'query' },
  { method: 'GET', path: '/sessions/{sessionId}', function: 'api-sessions' },
  { method: 'DELETE', path: '/sessions/{sessionId}', function: 'api-sessions' },
  { method: 'GET', path: '/openapi.json', function: 'api-openapi', public: true },
  { method: 'GET', path: '/documents', function: 'api-documents' },
  { method: 'GET', path: '/documents/{documentId}', function: 'api-documents' },
  { method: 'DELETE', path: '/documents/{documentId}', function: 'api-documents' },
  { method: 'POST', path: '/documents/{documentId}/redrive', function: 'api-documents' },
  { method: 'PUT', path: '/documents/content/{path+}', function: 'api-documents' },
  { method: 'GET', path: '/rejected-files', function: 'api-documents' },
  { method: 'GET', path: '/usage', function: 'api-usage' },
  { method: 'GET', path: '/health', function: 'api-health', public: true },
];

export const routeKey = (route: HttpRoute): string => `${route.method} ${route.path}`;
