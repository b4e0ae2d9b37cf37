import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { AppConfig } from '../config/config';
import { DependencyUnavailableError, RagError } from '../errors';
import {
  ConversationStoreBase,
  parseSessionRecord,
  type SessionRecord,
  type SessionUpdate,
  type StoredAnswer,
  type StoredSession,
} from './conversation-store-base';
import type { ConversationStoreOptions } from './conversation-store';

/**
 * ConversationStore for the embedded runtime: one SQLite file in the data folder, through Node's own
 * `node:sqlite` (Node 22, which npm start and npm test run). Not better-sqlite3: its native addon is
 * compiled at `npm ci` for the machine's Node 20, and CI runs the code on Node 22 (a different ABI).
 * `node:sqlite` prints an ExperimentalWarning once per process (Node 22.23).
 *
 * - WAL journal: readers never block the writer, so `npm start` and a concurrent `npm run invoke`
 *   share the file; a locked database is waited on for up to 5 s (`timeout`).
 * - Statements are prepared once. `node:sqlite` is synchronous, so within one process every call
 *   runs alone; across processes the session update runs in a BEGIN IMMEDIATE transaction (the write
 *   lock is taken before the read, so two appends cannot both read the old turns).
 * - Expiry is checked on every read (ConversationStoreBase); expired rows are purged by writes, at most
 *   once per `purgeIntervalMs`, through the expiry indexes.
 */
export interface SqliteConversationStoreOptions extends ConversationStoreOptions {
  /** The database file, e.g. `<data dir>/conversations.sqlite`; its folder is created when missing. */
  file: string;
  /** Least time between two purges of expired rows (default one minute). */
  purgeIntervalMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS conversation_sessions (
  tenant TEXT NOT NULL,
  session_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  turns TEXT NOT NULL,
  PRIMARY KEY (tenant, session_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS conversation_sessions_expiry ON conversation_sessions (expires_at_ms);
CREATE TABLE IF NOT EXISTS answer_cache (
  tenant TEXT NOT NULL,
  cache_key TEXT NOT NULL,
  answer TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  PRIMARY KEY (tenant, cache_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS answer_cache_expiry ON answer_cache (expires_at_ms);
CREATE TABLE IF NOT EXISTS index_generations (
  tenant TEXT NOT NULL PRIMARY KEY,
  generation INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface AnswerRow {
  tenant: string;
  cache_key: string;
  answer: string;
  expires_at_ms: number;
}

const DEFAULT_PURGE_INTERVAL_MS = 60_000;
/** Session columns under the names of SessionRecord. */
const SESSION_COLUMNS = 'tenant, session_id AS sessionId, created_at AS createdAt, updated_at AS updatedAt, expires_at_ms AS expiresAtMs, turns';

export class SqliteConversationStore<Answer = unknown> extends ConversationStoreBase<Answer> {
  private readonly db: DatabaseSync;
  private open = true;
  private readonly purgeIntervalMs: number;
  private lastPurgeMs = Number.NEGATIVE_INFINITY;
  private readonly statements: Record<
    | 'selectSession'
    | 'upsertSession'
    | 'deleteSession'
    | 'selectAnswer'
    | 'upsertAnswer'
    | 'selectGeneration'
    | 'bumpGeneration'
    | 'purgeSessions'
    | 'purgeAnswers',
    StatementSync
  >;

  constructor(options: SqliteConversationStoreOptions) {
    super(options);
    this.purgeIntervalMs = options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
    mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
    // Wait up to 5 s on a database another process holds locked, as better-sqlite3 did by default.
    this.db = new DatabaseSync(options.file, { timeout: 5000 });
    this.db.exec('PRAGMA journal_mode = WAL');
    // NORMAL in WAL mode: no fsync per commit (which cost ~30 ms of main-thread time per query under load),
    // still safe from corruption and durable across application crashes; a commit may roll back after a
    // power loss, acceptable for sessions and an answer cache (https://www.sqlite.org/pragma.html#pragma_synchronous,
    // as quoted in the Android SQLiteDatabase.SYNC_MODE_NORMAL reference, read 2026-12-01).
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.statements = {
      selectSession: this.db.prepare(`SELECT ${SESSION_COLUMNS} FROM conversation_sessions WHERE tenant = ? AND session_id = ?`),
      upsertSession: this.db.prepare(
        `INSERT INTO conversation_sessions (tenant, session_id, created_at, updated_at, expires_at_ms, turns) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, session_id) DO UPDATE SET created_at = excluded.created_at, updated_at = excluded.updated_at,
           expires_at_ms = excluded.expires_at_ms, turns = excluded.turns`,
      ),
      deleteSession: this.db.prepare(`DELETE FROM conversation_sessions WHERE tenant = ? AND session_id = ? RETURNING ${SESSION_COLUMNS}`),
      selectAnswer: this.db.prepare('SELECT * FROM answer_cache WHERE tenant = ? AND cache_key = ?'),
      upsertAnswer: this.db.prepare(
        `INSERT INTO answer_cache (tenant, cache_key, answer, expires_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant, cache_key) DO UPDATE SET answer = excluded.answer, expires_at_ms = excluded.expires_at_ms`,
      ),
      selectGeneration: this.db.prepare('SELECT generation FROM index_generations WHERE tenant = ?'),
      // One statement: SQLite applies it atomically, with no read-modify-write in JavaScript.
      bumpGeneration: this.db.prepare(
        `INSERT INTO index_generations (tenant, generation) VALUES (?, 1)
         ON CONFLICT (tenant) DO UPDATE SET generation = generation + 1 RETURNING generation`,
      ),
      purgeSessions: this.db.prepare('DELETE FROM conversation_sessions WHERE expires_at_ms <= ?'),
      purgeAnswers: this.db.prepare('DELETE FROM answer_cache WHERE expires_at_ms <= ?'),
    };
  }

  /**
   * Read, update and write one session in a BEGIN IMMEDIATE transaction: the write lock is taken before
   * the read, so two processes sharing the file cannot interleave their read-modify-write.
   */
  private updateSessionAtomically(tenant: string, sessionId: string, update: SessionUpdate): StoredSession {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const row = this.statements.selectSession.get(tenant, sessionId) as SessionRecord | undefined;
      const next = update(row ? parseSessionRecord(row) : undefined);
      this.statements.upsertSession.run(tenant, sessionId, next.createdAt, next.updatedAt, next.expiresAtMs, JSON.stringify(next.turns));
      this.db.exec('COMMIT');
      return next;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Closes the database file (checkpointing the WAL). */
  async close(): Promise<void> {
    if (this.open) {
      this.open = false;
      this.db.close();
    }
  }

  protected async readSession(tenant: string, sessionId: string): Promise<StoredSession | undefined> {
    return this.guard('read session', () => {
      const row = this.statements.selectSession.get(tenant, sessionId) as SessionRecord | undefined;
      return row ? parseSessionRecord(row) : undefined;
    });
  }

  protected async writeSession(tenant: string, sessionId: string, update: SessionUpdate): Promise<StoredSession> {
    return this.guard('write session', () => {
      this.purgeExpiredRows();
      return this.updateSessionAtomically(tenant, sessionId, update);
    });
  }

  protected async removeSession(tenant: string, sessionId: string): Promise<StoredSession | undefined> {
    return this.guard('delete session', () => {
      const row = this.statements.deleteSession.get(tenant, sessionId) as SessionRecord | undefined;
      return row ? parseSessionRecord(row) : undefined;
    });
  }

  protected async readCached(tenant: string, key: string): Promise<StoredAnswer | undefined> {
    return this.guard('read cached answer', () => {
      const row = this.statements.selectAnswer.get(tenant, key) as AnswerRow | undefined;
      return row ? { tenant: row.tenant, key: row.cache_key, json: row.answer, expiresAtMs: row.expires_at_ms } : undefined;
    });
  }

  protected async writeCached(answer: StoredAnswer): Promise<void> {
    this.guard('write cached answer', () => {
      this.purgeExpiredRows();
      this.statements.upsertAnswer.run(answer.tenant, answer.key, answer.json, answer.expiresAtMs);
    });
  }

  protected async readGeneration(tenant: string): Promise<number> {
    return this.guard('read index generation', () => (this.statements.selectGeneration.get(tenant) as { generation: number } | undefined)?.generation ?? 0);
  }

  protected async incrementGeneration(tenant: string): Promise<number> {
    return this.guard('bump index generation', () => {
      const row = this.statements.bumpGeneration.get(tenant) as { generation: number } | undefined;
      if (!row) throw new DependencyUnavailableError('SQLite returned no generation after the bump');
      return row.generation;
    });
  }

  /** Deletes expired sessions and answers, at most once per purge interval. */
  private purgeExpiredRows(): void {
    const now = this.now();
    if (now - this.lastPurgeMs < this.purgeIntervalMs) return;
    this.lastPurgeMs = now;
    this.statements.purgeSessions.run(now);
    this.statements.purgeAnswers.run(now);
  }

  /** SQLite failures (a locked or full database) become DependencyUnavailableError, naming the code only. */
  private guard<T>(operation: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof RagError) throw error;
      const code = (error as { code?: unknown }).code;
      throw new DependencyUnavailableError(`SQLite conversation store could not ${operation} (${typeof code === 'string' ? code : 'error'})`, { cause: error });
    }
  }
}

/** The database file of the embedded runtime: beside the vector index, outside the blob store's folders. */
export function conversationsDatabaseFile(config: AppConfig): string {
  return path.join(config.local.dataDir, 'conversations.sqlite');
}

export function createSqliteConversationStore<Answer = unknown>(config: AppConfig, settings: { maxTurns: number }): SqliteConversationStore<Answer> {
  return new SqliteConversationStore<Answer>({ file: conversationsDatabaseFile(config), maxTurns: settings.maxTurns });
}
