import type { SessionTurn, SessionView } from '../contracts/sessions';

/**
 * ConversationStore: what `POST /query` remembers between requests, per tenant.
 *
 * - Sessions (shared/contracts/sessions.ts): the last `maxTurns` turns of a conversation, expiring
 *   `ttlSeconds` after the last turn. An expired session reads as missing, and a turn appended to it
 *   starts a new session under the same id.
 * - The answer cache: a JSON answer under a key from `answerCacheKey` (./cache-key.ts), expiring after
 *   its own TTL.
 * - The tenant's index generation: a counter that every ingestion or deletion in the tenant bumps.
 *   Cache keys include it, so answers computed over an older index are never read again (they expire
 *   on their own), with no scan or delete of the cache.
 *
 * Every key includes the tenant and every read checks the tenant stored with the record: a tenant
 * never reads another tenant's session, answer or generation, even under the same session id.
 */
export interface ConversationStore<Answer = unknown> {
  /** The live session, turns oldest first; undefined when the tenant has none under this id or it expired. */
  getSession(tenant: string, sessionId: string): Promise<SessionView | undefined>;
  /**
   * Appends a turn and extends the session to `ttlSeconds` from now; creates the session when it is
   * missing or expired. Keeps the newest `maxTurns` turns (fewer when they would exceed
   * MAX_STORED_JSON_BYTES). Concurrent appends to one session all land.
   */
  appendTurn(tenant: string, sessionId: string, turn: SessionTurn, ttlSeconds: number): Promise<AppendedTurn>;
  /** Removes the session; true when the tenant had it (live), false otherwise. */
  deleteSession(tenant: string, sessionId: string): Promise<boolean>;
  /** The cached answer, or undefined when missing or expired. */
  getCached(tenant: string, key: string): Promise<Answer | undefined>;
  /**
   * Caches a JSON-serialisable answer for `ttlSeconds`. Returns false, storing nothing, when its JSON
   * exceeds MAX_STORED_JSON_BYTES: a cache may decline, and the answer was served anyway.
   */
  putCached(tenant: string, key: string, value: Answer, ttlSeconds: number): Promise<boolean>;
  /** The tenant's index generation; 0 before the first bump. */
  indexGeneration(tenant: string): Promise<number>;
  /** Atomically adds one to the tenant's index generation and returns the new value. */
  bumpIndexGeneration(tenant: string): Promise<number>;
  /** Releases the store (the SQLite file) on shutdown. */
  close?(): Promise<void>;
}

export interface AppendedTurn {
  session: SessionView;
  /** True when this append started the session (it was missing or had expired). */
  created: boolean;
}

export interface ConversationStoreOptions {
  /** How many turns a session keeps (the newest). */
  maxTurns: number;
  /** Epoch milliseconds; injected by tests to expire records without waiting. */
  now?: () => number;
}

/**
 * Largest JSON a stored session's turns or a cached answer may take. DynamoDB refuses items over
 * 400 KB, counting attribute names and values ("Any individual item in a batch exceeds 400 KB":
 * @aws-sdk/client-dynamodb 3.1164.0 BatchWriteItemCommand.d.ts; sizes per
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html,
 * read 2026-11-30). 350 KiB of JSON leaves 50 KiB for the key and the other attributes (under 1 KiB).
 * Both adapters apply the same limit, so a turn behaves the same locally and on AWS.
 */
export const MAX_STORED_JSON_BYTES = 350 * 1024;

/** Longest TTL a caller may ask for: one year keeps epoch arithmetic and DynamoDB's TTL in range. */
export const MAX_TTL_SECONDS = 366 * 24 * 3600;

/** Cache keys are SHA-256 hex digests (./cache-key.ts); anything else is a caller bug. */
export const CACHE_KEY_PATTERN = /^[0-9a-f]{64}$/;
