import type { Context } from 'aws-lambda';
import { conversationsPort } from '../../shared/adapters/conversations';
import { servicesFor } from '../../shared/adapters/wiring';
import { sessionIdSchema } from '../../shared/contracts/sessions';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { withObservability } from '../../shared/observability/handler-stack';
import type { Services } from '../../shared/pipeline/services';
import { type HttpEvent, type HttpResult, httpErrors, json, tenantOf } from './http';

/**
 * GET /sessions/{sessionId}: the conversation's turns; DELETE removes it. Sessions are the tenant's:
 * another tenant's session id is simply unknown here (404), as is an expired one.
 */
export type SessionsDeps = Pick<Services, 'config' | 'conversations'>;

function parseSessionId(event: HttpEvent): string {
  const parsed = sessionIdSchema.safeParse(event.pathParameters?.sessionId);
  if (!parsed.success) throw new ValidationError('Invalid session id', [{ path: 'sessionId', message: parsed.error.issues[0]?.message ?? 'is invalid' }]);
  return parsed.data;
}

export function makeHandler(services: () => Promise<SessionsDeps>) {
  return withObservability(
    async (event: HttpEvent, _context: Context): Promise<HttpResult> => {
      const deps = await services();
      const tenant = tenantOf(event, deps.config);
      const sessionId = parseSessionId(event);
      switch (event.routeKey) {
        case 'GET /sessions/{sessionId}': {
          const session = await deps.conversations.getSession(tenant, sessionId);
          if (!session) throw new NotFoundError('No such session');
          return json(200, session);
        }
        case 'DELETE /sessions/{sessionId}': {
          if (!(await deps.conversations.deleteSession(tenant, sessionId))) throw new NotFoundError('No such session');
          return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
        }
        default:
          throw new NotFoundError(`No route ${event.routeKey}`);
      }
    },
    { correlationId: (event) => event.requestContext?.requestId, use: [httpErrors()] },
  );
}

export const handler = makeHandler(servicesFor(conversationsPort));
