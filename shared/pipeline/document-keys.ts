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

/** Why a key's length is refused (RAG_MAX_KEY_BYTES counts UTF-8 bytes, as S3 does); undefined when it fits. */
export function keyTooLongReason(key: string, maxKeyBytes: number): string | undefined {
  const bytes = Buffer.byteLength(key, 'utf8');
  return bytes > maxKeyBytes ? `the key (tenant/path) is ${bytes} bytes of UTF-8, above the limit of ${maxKeyBytes} (RAG_MAX_KEY_BYTES)` : undefined;
}

/**
 * Why a key in the documents store is never indexed: no tenant, or too long. The trigger and the re-index sweep
 * report it (reason, not the key: it may name a person) and start nothing. Undefined when it may be indexed.
 */
export function rejectedKeyReason(key: string, maxKeyBytes: number): string | undefined {
  return noTenantReason(key) ?? keyTooLongReason(key, maxKeyBytes);
}

/** Keys we never ingest: folders, hidden files, editor temp files, metadata sidecars. */
export function isIgnoredKey(key: string): boolean {
  const name = key.split('/').pop() ?? '';
  return key.endsWith('/') || name.startsWith('.') || name.startsWith('~$') || name.endsWith('~') || name.endsWith('.tmp') || name.endsWith('.metadata.json');
}

/** The document id of `key` for `tenant`; a ValidationError (400) for a key that is not the tenant's, unsafe, or over maxKeyBytes. */
export function assertDocumentKey(tenant: string, key: string, maxKeyBytes: number): string {
  if (!key || key.includes('\0') || key.split('/').includes('..')) {
    throw new ValidationError('Invalid document key', [{ path: 'key', message: 'must be a relative object key without NUL or ".." segments' }]);
  }
  const tooLong = keyTooLongReason(key, maxKeyBytes);
  if (tooLong) throw new ValidationError('Document key too long', [{ path: 'path', message: tooLong }]);
  if (tenantOfKey(key) !== tenant) {
    throw new ValidationError('Document key does not belong to the tenant', [{ path: 'key', message: `must start with "${tenant}/"` }]);
  }
  return documentIdFor(tenant, key);
}
