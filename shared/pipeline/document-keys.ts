import { ValidationError } from '../errors';
import { documentIdFor } from '../documents/identity';
import { tenantPattern } from '../contracts/tenant';

/**
 * Objects live under `<tenant>/...` in the documents store; the first path segment is the tenant, so the
 * bucket layout alone decides who may see a document. A key at the root, or under a folder whose name is not
 * a valid tenant ("ACME/", "Other/"), belongs to nobody: it is never indexed or served (it once fell back to
 * the default tenant, which served another team's files to it). `noTenantReason` says why, for the report.
 */
export function tenantOfKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  if (slash <= 0) return undefined;
  const tenant = key.slice(0, slash);
  return tenantPattern.test(tenant) ? tenant : undefined;
}

/** Why a key has no tenant (undefined when it has one). */
export function noTenantReason(key: string): string | undefined {
  if (tenantOfKey(key) !== undefined) return undefined;
  return key.indexOf('/') <= 0
    ? 'at the root of the documents store: files go in a tenant folder (<tenant>/...)'
    : 'the first folder is not a tenant name (1-63 lower-case letters, digits, "-" or "_")';
}

/** Keys we never ingest: folders, hidden files, editor temp files, metadata sidecars. */
export function isIgnoredKey(key: string): boolean {
  const name = key.split('/').pop() ?? '';
  return key.endsWith('/') || name.startsWith('.') || name.startsWith('~$') || name.endsWith('~') || name.endsWith('.tmp') || name.endsWith('.metadata.json');
}

export function assertDocumentKey(tenant: string, key: string): string {
  if (!key || key.length > 1024 || key.includes('\0') || key.split('/').includes('..')) {
    throw new ValidationError('Invalid document key', [{ path: 'key', message: 'must be a relative object key of at most 1024 characters' }]);
  }
  if (tenantOfKey(key) !== tenant) {
    throw new ValidationError('Document key does not belong to the tenant', [{ path: 'key', message: `must start with "${tenant}/"` }]);
  }
  return documentIdFor(tenant, key);
}
