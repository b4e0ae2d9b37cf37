import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SessionTurn } from '../../../../shared/contracts/sessions';
import { createSqliteConversationStore, SqliteConversationStore } from '../../../../shared/conversations/sqlite-conversation-store';
import { describeConversationStoreContract } from '../../../contract/conversation-store.contract';
import { tempConfig } from '../../../helpers/temp-config';

/** SqliteConversationStore on a real database file in a fresh temp folder per case. */
const turn = (n: number): SessionTurn => ({ requestId: `req-${n}`, question: `q${n}`, answer: `a${n}`, citedDocumentIds: [], at: '2030-01-01T00:00:00.000Z' });
const KEY = 'c'.repeat(64);

async function tempFile(): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rag-conversations-'));
  return { file: path.join(dir, 'nested', 'conversations.sqlite'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Rows of a table, read through a second connection (what another process would see). */
function countRows(file: string, table: 'conversation_sessions' | 'answer_cache'): number {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return ((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number } | undefined)?.n as number) ?? 0;
  } finally {
    db.close();
  }
}

describeConversationStoreContract('SqliteConversationStore (temp file)', async ({ maxTurns, now }) => {
  const { file, cleanup } = await tempFile();
  // Purges a day apart: the contract's expiry cases then prove the read-side checks, not the purge.
  const store = new SqliteConversationStore({ file, maxTurns, now, purgeIntervalMs: 24 * 3600_000 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await cleanup();
    },
  };
});

describe('SqliteConversationStore', () => {
  let file: string;
  let cleanup: () => Promise<void>;
  let store: SqliteConversationStore | undefined;
  let nowMs: number;

  beforeEach(async () => {
    ({ file, cleanup } = await tempFile());
    nowMs = Date.UTC(2030, 0, 1);
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await cleanup();
  });

  it('creates its folder and runs the database in WAL mode', async () => {
    // Act
    store = new SqliteConversationStore({ file, maxTurns: 3 });
    await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
    // Assess
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    } finally {
      db.close();
    }
    expect(existsSync(`${file}-wal`)).toBe(true);
  });

  it('keeps sessions, answers and generations across a reopen of the file', async () => {
    // Prepare
    store = new SqliteConversationStore({ file, maxTurns: 3, now: () => nowMs });
    await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
    await store.putCached('tenant-a', KEY, { answer: 'kept' }, 60);
    await store.bumpIndexGeneration('tenant-a');
    await store.close();
    // Act
    store = new SqliteConversationStore({ file, maxTurns: 3, now: () => nowMs });
    // Assess
    expect((await store.getSession('tenant-a', 'session-0001'))?.turns).toEqual([turn(1)]);
    expect(await store.getCached('tenant-a', KEY)).toEqual({ answer: 'kept' });
    expect(await store.indexGeneration('tenant-a')).toBe(1);
  });

  it('leaves expired rows to the next write, then purges them', async () => {
    // Prepare: two sessions and an answer that expire, and one session that lives on
    store = new SqliteConversationStore({ file, maxTurns: 3, now: () => nowMs, purgeIntervalMs: 0 });
    await store.appendTurn('tenant-a', 'expiring-1', turn(1), 60);
    await store.appendTurn('tenant-b', 'expiring-2', turn(2), 60);
    await store.putCached('tenant-a', KEY, { answer: 'old' }, 60);
    await store.appendTurn('tenant-a', 'long-lived', turn(3), 3600);
    nowMs += 60_000;
    // Act: reads see the expiry but delete nothing; a write purges
    const read = await store.getSession('tenant-a', 'expiring-1');
    const rowsAfterRead = countRows(file, 'conversation_sessions');
    await store.appendTurn('tenant-a', 'long-lived', turn(4), 3600);
    // Assess
    expect(read).toBeUndefined();
    expect(rowsAfterRead).toBe(3);
    expect(countRows(file, 'conversation_sessions')).toBe(1);
    expect(countRows(file, 'answer_cache')).toBe(0);
  });

  it('purges at most once per purge interval', async () => {
    // Prepare
    store = new SqliteConversationStore({ file, maxTurns: 3, now: () => nowMs, purgeIntervalMs: 60_000 });
    await store.appendTurn('tenant-a', 'first-session', turn(1), 1);
    nowMs += 2_000;
    // Act: 2 s after the first purge, the next write does not purge yet; 60 s after it, one does
    await store.appendTurn('tenant-a', 'second-session', turn(2), 3600);
    const beforeInterval = countRows(file, 'conversation_sessions');
    nowMs += 60_000;
    await store.appendTurn('tenant-a', 'second-session', turn(3), 3600);
    // Assess
    expect(beforeInterval).toBe(2);
    expect(countRows(file, 'conversation_sessions')).toBe(1);
  });

  it('lets two stores on the same file see each other', async () => {
    // Prepare
    store = new SqliteConversationStore({ file, maxTurns: 3, now: () => nowMs });
    const other = new SqliteConversationStore({ file, maxTurns: 3, now: () => nowMs });
    try {
      // Act
      await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
      await other.appendTurn('tenant-a', 'session-0001', turn(2), 60);
      await Promise.all([store.bumpIndexGeneration('tenant-a'), other.bumpIndexGeneration('tenant-a')]);
      // Assess
      expect((await store.getSession('tenant-a', 'session-0001'))?.turns).toEqual([turn(1), turn(2)]);
      expect(await store.indexGeneration('tenant-a')).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('is built by the factory in the data folder', async () => {
    // Prepare
    const temp = await tempConfig();
    try {
      // Act
      store = createSqliteConversationStore(temp.config, { maxTurns: 2 });
      await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
      // Assess
      expect(existsSync(path.join(temp.dir, 'conversations.sqlite'))).toBe(true);
    } finally {
      await store?.close();
      store = undefined;
      await temp.cleanup();
    }
  });
});
