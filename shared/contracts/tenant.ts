import * as z from 'zod';

/** Tenant names: lower-case, safe in object keys, filters, table keys and metric dimensions. */
export const tenantPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const tenantSchema = z.string().regex(tenantPattern, 'must be 1-63 lower-case letters, digits, "-" or "_"');

export function isValidTenant(tenant: string): boolean {
  return tenantPattern.test(tenant);
}
