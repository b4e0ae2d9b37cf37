import type { Context } from 'aws-lambda';
import { usagePort } from '../../shared/adapters/usage';
import { servicesFor } from '../../shared/adapters/wiring';
import { usageQuerySchema } from '../../shared/contracts/usage';
import { ForbiddenError } from '../../shared/errors';
import { withObservability } from '../../shared/observability/handler-stack';
import type { Services } from '../../shared/pipeline/services';
import { usageReport } from '../../shared/usage/usage-report';
import { ADMIN_SCOPE, type HttpEvent, type HttpResult, httpErrors, isAdmin, json, optionalTenantOf, parseQueryString } from './http';

/**
 * GET /usage: tokens, calls and cost of the caller's tenant, by day, feature or model (shared/contracts/usage.ts).
 * Only the admin scope may name another tenant or `*` (all); an operator token without a tenant sees all by
 * default.
 */
export type UsageDeps = Pick<Services, 'config' | 'usage'>;

export function makeHandler(services: () => Promise<UsageDeps>) {
  return withObservability(
    async (event: HttpEvent, _context: Context): Promise<HttpResult> => {
      const deps = await services();
      const query = parseQueryString(event, usageQuerySchema);
      const own = optionalTenantOf(event, deps.config);
      const admin = isAdmin(event);
      const tenant = query.tenant ?? own ?? (admin ? '*' : undefined);
      if (!tenant) throw new ForbiddenError('The identity carries no valid tenant');
      if (tenant !== own && !admin) throw new ForbiddenError(`Only the ${ADMIN_SCOPE} scope sees another tenant's usage`);
      const { tenant: _tenant, ...range } = query;
      const report = await usageReport(
        deps.usage.store,
        { retentionDays: deps.config.usage.retentionDays, budgets: deps.config.usage.budgets },
        { tenant, ...range },
      );
      return json(200, report, { 'cache-control': 'no-store' });
    },
    { correlationId: (event) => event.requestContext?.requestId, use: [httpErrors()] },
  );
}

export const handler = makeHandler(servicesFor(usagePort));
