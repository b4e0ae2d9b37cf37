import { ValidationError } from '../errors';
import { documentIdFor } from '../documents/identity';
import { tenantPattern } from '../contracts/tenant';

/**
 * Objects live under `<tenant>/...` in the documents store; the first path segment is the
 * tenant, so the bucket layout alone decides who may see a document. Objects at the root
 * belong to the default tenant.
 */
export function tenantOfKey(key: string, defaultTenant: string): string {
  const slash = key.indexOf('/');
  if (slash <= 0) return defaultTenant;
  const tenant = key.slice(0, slash);
  return tenantPattern.test(tenant) ? tenant : defaultTenant;
}

/** Keys we never ingest: folders, hidden files, editor temp files, metadata sidecars. */
export function isIgnoredKey(key: string): boolean {
  const name = key.split('/').pop() ?? '';
  return key.endsWith('/') || name.startsWith('.') || name.startsWith('~$') || name.endsWith('~') || name.endsWith('.tmp') || name.endsWith('.metadata.json');
}

export function assertDocumentKey(tenant: string, key: string, defaultTenant: string): string {
  if (!key || key.length > 1024 || key.includes('\0') || key.split('/').includes('..')) {
    throw new ValidationError('Invalid document key', [{ path: 'key', message: 'must be a relative object key of at most 1024 characters' }]);
  }
  if (tenantOfKey(key, defaultTenant) !== tenant) {
    throw new ValidationError('Document key does not belong to the tenant', [{ path: 'key', message: `must start with "${tenant}/"` }]);
  }
  return documentIdFor(tenant, key);
}
