import { type SessionTurn, type SessionView, sessionIdSchema, sessionTurnSchema } from '../contracts/sessions';
import { ConfigurationError, PayloadTooLargeError, ValidationError } from '../errors';
import { isValidTenant } from '../contracts/tenant';
import {
  type AppendedTurn,
  CACHE_KEY_PATTERN,
  type ConversationStore,
  type ConversationStoreOptions,
  MAX_STORED_JSON_BYTES,
  MAX_TTL_SECONDS,
} from './conversation-store';

/** A session as the adapters keep it; expired records may still be stored until purged. */
export interface StoredSession {
  tenant: string;
  sessionId: string;
  createdAt: string;
  updatedAt: string;
  /** Epoch milliseconds; the session is gone from this instant on. */
  expiresAtMs: number;
  /** Oldest first. */
  turns: SessionTurn[];
}

/** A session as both adapters store it: the turns as one JSON string. */
export type SessionRecord = Omit<StoredSession, 'turns'> & { turns: string };

export function parseSessionRecord(record: SessionRecord): StoredSession {
  return {
    tenant: record.tenant,
    sessionId: record.sessionId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    expiresAtMs: record.expiresAtMs,
    turns: JSON.parse(record.turns) as SessionTurn[],
  };
}

/** A cached answer as the adapters keep it: its JSON text, not the parsed value. */
export interface StoredAnswer {
  tenant: string;
  key: string;
  json: string;
  expiresAtMs: number;
}

/** Computes the next state of a session from the stored one (undefined when there is none). */
export type SessionUpdate = (current: StoredSession | undefined) => StoredSession;

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * The rules every adapter shares: argument checks, expiry, the tenant check on every read, which
 * turns a session keeps, and the size limit. Adapters implement the protected storage primitives only
 * (Powertools' BasePersistenceLayer shape), so the local and AWS stores cannot drift apart.
 */
export abstract class ConversationStoreBase<Answer = unknown> implements ConversationStore<Answer> {
  protected readonly maxTurns: number;
  protected readonly now: () => number;

  constructor(options: ConversationStoreOptions) {
    if (!Number.isInteger(options.maxTurns) || options.maxTurns < 1) {
      throw new ConfigurationError(`maxTurns must be a positive integer (got ${options.maxTurns})`);
    }
    this.maxTurns = options.maxTurns;
    this.now = options.now ?? Date.now;
  }

  async getSession(tenant: string, sessionId: string): Promise<SessionView | undefined> {
    assertTenant(tenant);
    assertSessionId(sessionId);
    const stored = await this.readSession(tenant, sessionId);
    return stored && this.isLiveSession(stored, tenant, sessionId) ? toView(stored) : undefined;
  }

  async appendTurn(tenant: string, sessionId: string, turn: SessionTurn, ttlSeconds: number): Promise<AppendedTurn> {
    assertTenant(tenant);
    assertSessionId(sessionId);
    assertTtl(ttlSeconds);
    const checked = sessionTurnSchema.safeParse(turn);
    if (!checked.success) {
      throw new ValidationError(
        'Invalid session turn',
        checked.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      );
    }
    const newTurn = checked.data;
    // Refused before any write: a turn that cannot be stored even alone.
    const turnBytes = jsonBytes([newTurn]);
    if (turnBytes > MAX_STORED_JSON_BYTES) {
      throw new PayloadTooLargeError(`A session turn takes ${turnBytes} bytes of JSON; at most ${MAX_STORED_JSON_BYTES} can be stored`);
    }
    let created = false;
    // The update may run more than once (an adapter retries on a concurrent write): it only computes.
    const stored = await this.writeSession(tenant, sessionId, (current) => {
      const now = this.now();
      const continued = current !== undefined && this.isLiveSession(current, tenant, sessionId, now);
      created = !continued;
      const at = new Date(now).toISOString();
      return {
        tenant,
        sessionId,
        createdAt: continued ? current.createdAt : at,
        updatedAt: at,
        expiresAtMs: now + ttlSeconds * 1000,
        turns: this.keepNewestTurns([...(continued ? current.turns : []), newTurn]),
      };
    });
    return { session: toView(stored), created };
  }

  async deleteSession(tenant: string, sessionId: string): Promise<boolean> {
    assertTenant(tenant);
    assertSessionId(sessionId);
    const removed = await this.removeSession(tenant, sessionId);
    return removed !== undefined && this.isLiveSession(removed, tenant, sessionId);
  }

  async getCached(tenant: string, key: string): Promise<Answer | undefined> {
    assertTenant(tenant);
    assertCacheKey(key);
    const stored = await this.readCached(tenant, key);
    if (!stored || stored.tenant !== tenant || stored.key !== key || stored.expiresAtMs <= this.now()) return undefined;
    return JSON.parse(stored.json) as Answer;
  }

  async putCached(tenant: string, key: string, value: Answer, ttlSeconds: number): Promise<boolean> {
    assertTenant(tenant);
    assertCacheKey(key);
    assertTtl(ttlSeconds);
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new ValidationError('A cached answer must be JSON-serialisable');
    if (Buffer.byteLength(json, 'utf8') > MAX_STORED_JSON_BYTES) return false;
    await this.writeCached({ tenant, key, json, expiresAtMs: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async indexGeneration(tenant: string): Promise<number> {
    assertTenant(tenant);
    return this.readGeneration(tenant);
  }

  async bumpIndexGeneration(tenant: string): Promise<number> {
    assertTenant(tenant);
    return this.incrementGeneration(tenant);
  }

  /** The stored session, expired or not; undefined when there is none. */
  protected abstract readSession(tenant: string, sessionId: string): Promise<StoredSession | undefined>;
  /** Reads the session, applies `update` and stores the result atomically: no concurrent write is lost. */
  protected abstract writeSession(tenant: string, sessionId: string, update: SessionUpdate): Promise<StoredSession>;
  /** Deletes the session and returns what was stored, expired or not. */
  protected abstract removeSession(tenant: string, sessionId: string): Promise<StoredSession | undefined>;
  protected abstract readCached(tenant: string, key: string): Promise<StoredAnswer | undefined>;
  protected abstract writeCached(answer: StoredAnswer): Promise<void>;
  protected abstract readGeneration(tenant: string): Promise<number>;
  /** Adds one atomically (no read-modify-write) and returns the new value. */
  protected abstract incrementGeneration(tenant: string): Promise<number>;

  /** Belongs to this tenant and id (a defence against a key bug) and has not expired. */
  protected isLiveSession(stored: StoredSession, tenant: string, sessionId: string, now = this.now()): boolean {
    return stored.tenant === tenant && stored.sessionId === sessionId && stored.expiresAtMs > now;
  }

  /** The newest `maxTurns` turns, then fewer while their JSON exceeds MAX_STORED_JSON_BYTES. */
  private keepNewestTurns(turns: SessionTurn[]): SessionTurn[] {
    const kept = turns.slice(-this.maxTurns);
    const sizes = kept.map((turn) => jsonBytes(turn));
    // JSON array: brackets plus a comma between elements.
    let total = 2 + sizes.reduce((sum, size) => sum + size, 0) + Math.max(0, kept.length - 1);
    while (kept.length > 1 && total > MAX_STORED_JSON_BYTES) {
      total -= (sizes.shift() ?? 0) + 1;
      kept.shift();
    }
    return kept;
  }
}

function toView(stored: StoredSession): SessionView {
  return {
    sessionId: stored.sessionId,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    expiresAt: new Date(stored.expiresAtMs).toISOString(),
    turns: stored.turns,
  };
}

function assertTenant(tenant: string): void {
  if (typeof tenant !== 'string' || !isValidTenant(tenant)) throw new ValidationError('Invalid tenant', [{ path: 'tenant', message: 'is not a tenant name' }]);
}

function assertSessionId(sessionId: string): void {
  const checked = sessionIdSchema.safeParse(sessionId);
  if (!checked.success) throw new ValidationError('Invalid session id', [{ path: 'sessionId', message: checked.error.issues[0]?.message ?? 'is invalid' }]);
}

function assertCacheKey(key: string): void {
  if (typeof key !== 'string' || !CACHE_KEY_PATTERN.test(key))
    throw new ValidationError('Invalid cache key', [{ path: 'key', message: 'must be a SHA-256 hex digest' }]);
}

function assertTtl(ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new ValidationError('Invalid TTL', [{ path: 'ttlSeconds', message: `must be more than 0 and at most ${MAX_TTL_SECONDS}` }]);
  }
}
