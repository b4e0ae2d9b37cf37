import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The local server's bearer tokens (RAG_API_KEYS): each stands for one tenant, as the HTTP API's JWT
 * authorizer's tenant claim does on AWS. Written by hand because it is a table lookup: a JWT library
 * would only add a signature scheme nobody configures locally.
 *
 * Tokens are compared in constant time: the presented token and every configured one are hashed to
 * SHA-256 (equal lengths, whatever was sent) and compared with `timingSafeEqual`, and every entry is
 * compared, so neither a token's length nor its position in the list shows in the time taken. Tokens are
 * never logged or echoed.
 */
export interface ApiKey {
  token: string;
  /** Absent for an operator token (admin scope only). */
  tenant?: string;
  admin: boolean;
}

export type Authentication = { ok: true; tenant?: string; admin: boolean } | { ok: false; reason: 'missing' | 'refused' };

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** `Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1); anything else carries no token. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export class LocalAuth {
  private readonly keys: readonly { digest: Buffer; key: ApiKey }[];

  constructor(keys: readonly ApiKey[]) {
    if (keys.length === 0) throw new RangeError('LocalAuth needs at least one token');
    this.keys = keys.map((key) => ({ digest: digest(key.token), key }));
  }

  /** The tenant an `Authorization` header stands for, or why it stands for none. */
  authenticate(authorization: string | undefined): Authentication {
    const token = bearerToken(authorization);
    if (token === undefined) return { ok: false, reason: 'missing' };
    const presented = digest(token);
    let found: ApiKey | undefined;
    for (const entry of this.keys) {
      // No early exit: every entry is compared.
      if (timingSafeEqual(presented, entry.digest) && found === undefined) found = entry.key;
    }
    if (!found) return { ok: false, reason: 'refused' };
    return { ok: true, admin: found.admin, ...(found.tenant !== undefined ? { tenant: found.tenant } : {}) };
  }
}
