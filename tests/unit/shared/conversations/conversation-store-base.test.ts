import type { SessionTurn } from '../../../../shared/contracts/sessions';
import { ConversationStoreBase, type SessionUpdate, type StoredAnswer, type StoredSession } from '../../../../shared/conversations/conversation-store-base';
import { ConfigurationError } from '../../../../shared/errors';

/**
 * An adapter with a key bug: it drops the tenant from every key, so two tenants share records. The
 * base class's read-side tenant check must still keep each tenant to its own.
 */
class TenantBlindStore extends ConversationStoreBase {
  readonly sessions = new Map<string, StoredSession>();
  readonly answers = new Map<string, StoredAnswer>();

  protected async readSession(_tenant: string, sessionId: string): Promise<StoredSession | undefined> {
    return this.sessions.get(sessionId);
  }
  protected async writeSession(_tenant: string, sessionId: string, update: SessionUpdate): Promise<StoredSession> {
    const next = update(this.sessions.get(sessionId));
    this.sessions.set(sessionId, next);
    return next;
  }
  protected async removeSession(_tenant: string, sessionId: string): Promise<StoredSession | undefined> {
    const removed = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    return removed;
  }
  protected async readCached(_tenant: string, key: string): Promise<StoredAnswer | undefined> {
    return this.answers.get(key);
  }
  protected async writeCached(answer: StoredAnswer): Promise<void> {
    this.answers.set(answer.key, answer);
  }
  protected async readGeneration(): Promise<number> {
    return 0;
  }
  protected async incrementGeneration(): Promise<number> {
    return 1;
  }
}

const turn = (n: number): SessionTurn => ({ requestId: `req-${n}`, question: `q${n}`, answer: `a${n}`, citedDocumentIds: [], at: '2030-01-01T00:00:00.000Z' });
const KEY = 'd'.repeat(64);

describe('ConversationStoreBase', () => {
  it("never returns another tenant's session or answer, even from an adapter that mixes them up", async () => {
    // Prepare
    const store = new TenantBlindStore({ maxTurns: 3 });
    await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
    await store.putCached('tenant-a', KEY, { answer: 'for a' }, 60);
    // Act
    const session = await store.getSession('tenant-b', 'session-0001');
    const answer = await store.getCached('tenant-b', KEY);
    const appended = await store.appendTurn('tenant-b', 'session-0001', turn(2), 60);
    // Assess
    expect(session).toBeUndefined();
    expect(answer).toBeUndefined();
    expect(appended.created).toBe(true);
    expect(appended.session.turns).toEqual([turn(2)]);
  });

  it('says a session of another tenant did not exist when that tenant deletes it', async () => {
    // Prepare
    const store = new TenantBlindStore({ maxTurns: 3 });
    await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
    // Act / Assess
    await expect(store.deleteSession('tenant-b', 'session-0001')).resolves.toBe(false);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxTurns %p at construction', (maxTurns) => {
    expect(() => new TenantBlindStore({ maxTurns })).toThrow(ConfigurationError);
  });
});
