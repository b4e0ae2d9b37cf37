import type { SessionTurn } from '../../shared/contracts/sessions';
import { type ConversationStore, MAX_STORED_JSON_BYTES } from '../../shared/conversations/conversation-store';
import { PayloadTooLargeError, ValidationError } from '../../shared/errors';

/** What a contract case needs: a fresh, empty store with `maxTurns` turns per session and the given clock. */
export type MakeConversationStore = (options: { maxTurns: number; now: () => number }) => Promise<{
  store: ConversationStore;
  cleanup: () => Promise<void>;
}>;

interface CachedAnswer {
  answer: string;
  citations: { documentId: string; excerpt: string }[];
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
}

const MAX_TURNS = 3;
// Far from the real clock: an emulator that runs TTL deletion on wall-clock time never touches these items.
const START = Date.UTC(2030, 0, 1, 12, 0, 0);
const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

const turn = (n: number, extra: Partial<SessionTurn> = {}): SessionTurn => ({
  requestId: `req-${n}`,
  question: `question ${n}`,
  answer: `answer ${n} with ünïcödé`,
  citedDocumentIds: [`doc-${n}`],
  at: new Date(START + n * 1000).toISOString(),
  ...extra,
});

const answer = (text: string): CachedAnswer => ({
  answer: text,
  citations: [{ documentId: 'd1', excerpt: 'the excerpt' }],
  usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.0001 },
});

/**
 * Behaviour every ConversationStore adapter must show (shared/conversations/conversation-store.ts).
 * Each case gets a fresh store with an injected clock that only the case moves.
 */
export function describeConversationStoreContract(name: string, makeStore: MakeConversationStore): void {
  describe(`ConversationStore contract: ${name}`, () => {
    let store: ConversationStore;
    let cleanup: () => Promise<void>;
    let nowMs: number;
    const advance = (ms: number): void => {
      nowMs += ms;
    };

    beforeEach(async () => {
      nowMs = START;
      ({ store, cleanup } = await makeStore({ maxTurns: MAX_TURNS, now: () => nowMs }));
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('sessions', () => {
      it('creates a session on the first turn and returns it from getSession', async () => {
        // Act
        const appended = await store.appendTurn('tenant-a', 'session-0001', turn(1), 3600);
        const read = await store.getSession('tenant-a', 'session-0001');
        // Assess
        expect(appended.created).toBe(true);
        expect(read).toEqual({
          sessionId: 'session-0001',
          createdAt: new Date(START).toISOString(),
          updatedAt: new Date(START).toISOString(),
          expiresAt: new Date(START + 3600_000).toISOString(),
          turns: [turn(1)],
        });
        expect(appended.session).toEqual(read);
      });

      it('continues a live session: keeps createdAt, moves updatedAt and expiresAt, appends in order', async () => {
        // Prepare
        await store.appendTurn('tenant-a', 'session-0001', turn(1), 3600);
        advance(60_000);
        // Act
        const appended = await store.appendTurn('tenant-a', 'session-0001', turn(2, { rewrittenQuestion: 'standalone 2' }), 3600);
        // Assess
        expect(appended.created).toBe(false);
        expect(await store.getSession('tenant-a', 'session-0001')).toEqual({
          sessionId: 'session-0001',
          createdAt: new Date(START).toISOString(),
          updatedAt: new Date(START + 60_000).toISOString(),
          expiresAt: new Date(START + 60_000 + 3600_000).toISOString(),
          turns: [turn(1), turn(2, { rewrittenQuestion: 'standalone 2' })],
        });
      });

      it('returns undefined for a session id the tenant does not have', async () => {
        await expect(store.getSession('tenant-a', 'never-created')).resolves.toBeUndefined();
      });

      it(`keeps only the newest ${MAX_TURNS} turns`, async () => {
        // Act
        for (let n = 1; n <= 5; n += 1) await store.appendTurn('tenant-a', 'session-0001', turn(n), 3600);
        // Assess
        const session = await store.getSession('tenant-a', 'session-0001');
        expect(session?.turns.map((t) => t.requestId)).toEqual(['req-3', 'req-4', 'req-5']);
      });

      it('expires a session ttlSeconds after its last turn, and a new turn then starts a new session', async () => {
        // Prepare
        await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
        advance(59_999);
        const justBefore = await store.getSession('tenant-a', 'session-0001');
        advance(1);
        // Act
        const atExpiry = await store.getSession('tenant-a', 'session-0001');
        const restarted = await store.appendTurn('tenant-a', 'session-0001', turn(2), 60);
        // Assess
        expect(justBefore?.turns).toHaveLength(1);
        expect(atExpiry).toBeUndefined();
        expect(restarted.created).toBe(true);
        expect(restarted.session.createdAt).toBe(new Date(START + 60_000).toISOString());
        expect((await store.getSession('tenant-a', 'session-0001'))?.turns).toEqual([turn(2)]);
      });

      it('slides the expiry with every turn', async () => {
        // Prepare
        await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
        advance(50_000);
        await store.appendTurn('tenant-a', 'session-0001', turn(2), 60);
        // Act: 100 s after the first turn, 50 s after the second
        advance(50_000);
        const session = await store.getSession('tenant-a', 'session-0001');
        // Assess
        expect(session?.turns).toHaveLength(2);
      });

      it('keeps the same session id apart in two tenants', async () => {
        // Prepare
        await store.appendTurn('tenant-a', 'shared-session', turn(1), 3600);
        await store.appendTurn('tenant-b', 'shared-session', turn(2), 3600);
        // Act
        const deletedInB = await store.deleteSession('tenant-b', 'shared-session');
        // Assess
        expect(deletedInB).toBe(true);
        expect((await store.getSession('tenant-a', 'shared-session'))?.turns).toEqual([turn(1)]);
        expect(await store.getSession('tenant-b', 'shared-session')).toBeUndefined();
        await expect(store.deleteSession('tenant-c', 'shared-session')).resolves.toBe(false);
        expect((await store.getSession('tenant-a', 'shared-session'))?.turns).toEqual([turn(1)]);
      });

      it('deletes a session once: true, then false, and it reads as missing', async () => {
        // Prepare
        await store.appendTurn('tenant-a', 'session-0001', turn(1), 3600);
        // Act
        const first = await store.deleteSession('tenant-a', 'session-0001');
        const second = await store.deleteSession('tenant-a', 'session-0001');
        // Assess
        expect([first, second]).toEqual([true, false]);
        expect(await store.getSession('tenant-a', 'session-0001')).toBeUndefined();
      });

      it('reports an expired session as not existing when deleted', async () => {
        // Prepare
        await store.appendTurn('tenant-a', 'session-0001', turn(1), 60);
        advance(60_000);
        // Act / Assess
        await expect(store.deleteSession('tenant-a', 'session-0001')).resolves.toBe(false);
      });

      it('loses no turn when appends to one session run concurrently', async () => {
        // Prepare: a store that keeps more turns than the appends
        await cleanup();
        ({ store, cleanup } = await makeStore({ maxTurns: 10, now: () => nowMs }));
        // Act
        const results = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => store.appendTurn('tenant-a', 'busy-session', turn(n), 3600)));
        // Assess
        const session = await store.getSession('tenant-a', 'busy-session');
        expect(session?.turns.map((t) => t.requestId).sort()).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6', 'req-7', 'req-8']);
        expect(results.filter((result) => result.created)).toHaveLength(1);
      });

      it('drops the oldest turns when the kept turns would exceed the stored size limit', async () => {
        // Prepare: two turns that fit alone but not together
        const big = (n: number): SessionTurn => turn(n, { answer: String(n).repeat(Math.floor(MAX_STORED_JSON_BYTES * 0.6)) });
        await store.appendTurn('tenant-a', 'session-0001', big(1), 3600);
        // Act
        const appended = await store.appendTurn('tenant-a', 'session-0001', big(2), 3600);
        // Assess
        expect(appended.session.turns.map((t) => t.requestId)).toEqual(['req-2']);
        expect((await store.getSession('tenant-a', 'session-0001'))?.turns).toEqual([big(2)]);
      });

      it('refuses a turn larger than the stored size limit and stores nothing', async () => {
        // Prepare
        const huge = turn(1, { answer: 'x'.repeat(MAX_STORED_JSON_BYTES) });
        // Act
        const attempt = store.appendTurn('tenant-a', 'session-0001', huge, 3600);
        // Assess
        await expect(attempt).rejects.toThrow(PayloadTooLargeError);
        expect(await store.getSession('tenant-a', 'session-0001')).toBeUndefined();
      });

      it.each([
        ['a tenant with a key separator', () => store.getSession('tenant#a', 'session-0001')],
        ['an empty tenant', () => store.getSession('', 'session-0001')],
        ['a session id that breaks the contract', () => store.getSession('tenant-a', 'short')],
        ['a session id with a key separator', () => store.appendTurn('tenant-a', 'session#0001', turn(1), 60)],
        [
          'a turn that breaks the schema',
          () => store.appendTurn('tenant-a', 'session-0001', { ...turn(1), citedDocumentIds: 'doc' } as unknown as SessionTurn, 60),
        ],
        ['a TTL of zero', () => store.appendTurn('tenant-a', 'session-0001', turn(1), 0)],
        ['a cache key that is not a SHA-256 digest', () => store.getCached('tenant-a', 'not-a-digest')],
      ])('rejects %s with ValidationError', async (_title, call) => {
        await expect(call()).rejects.toThrow(ValidationError);
      });
    });

    describe('answer cache', () => {
      it('returns undefined for a key never cached', async () => {
        await expect(store.getCached('tenant-a', KEY_A)).resolves.toBeUndefined();
      });

      it('round-trips a JSON answer and overwrites it', async () => {
        // Act
        const stored = await store.putCached('tenant-a', KEY_A, answer('first'), 300);
        await store.putCached('tenant-a', KEY_A, answer('second'), 300);
        // Assess
        expect(stored).toBe(true);
        expect(await store.getCached('tenant-a', KEY_A)).toEqual(answer('second'));
        expect(await store.getCached('tenant-a', KEY_B)).toBeUndefined();
      });

      it('expires an answer after its TTL', async () => {
        // Prepare
        await store.putCached('tenant-a', KEY_A, answer('first'), 300);
        advance(299_999);
        const justBefore = await store.getCached('tenant-a', KEY_A);
        advance(1);
        // Act
        const atExpiry = await store.getCached('tenant-a', KEY_A);
        // Assess
        expect(justBefore).toEqual(answer('first'));
        expect(atExpiry).toBeUndefined();
      });

      it('keeps the same key apart in two tenants', async () => {
        // Prepare
        await store.putCached('tenant-a', KEY_A, answer('for a'), 300);
        // Act
        const fromB = await store.getCached('tenant-b', KEY_A);
        await store.putCached('tenant-b', KEY_A, answer('for b'), 300);
        // Assess
        expect(fromB).toBeUndefined();
        expect(await store.getCached('tenant-a', KEY_A)).toEqual(answer('for a'));
        expect(await store.getCached('tenant-b', KEY_A)).toEqual(answer('for b'));
      });

      it('declines an answer larger than the stored size limit', async () => {
        // Act
        const stored = await store.putCached('tenant-a', KEY_A, answer('x'.repeat(MAX_STORED_JSON_BYTES)), 300);
        // Assess
        expect(stored).toBe(false);
        expect(await store.getCached('tenant-a', KEY_A)).toBeUndefined();
      });
    });

    describe('index generation', () => {
      it('starts at 0 and counts bumps per tenant', async () => {
        // Act
        const initial = await store.indexGeneration('tenant-a');
        const first = await store.bumpIndexGeneration('tenant-a');
        const second = await store.bumpIndexGeneration('tenant-a');
        // Assess
        expect([initial, first, second]).toEqual([0, 1, 2]);
        expect(await store.indexGeneration('tenant-a')).toBe(2);
        expect(await store.indexGeneration('tenant-b')).toBe(0);
      });

      it('counts 20 concurrent bumps as 20', async () => {
        // Prepare
        await store.bumpIndexGeneration('tenant-a');
        // Act
        const results = await Promise.all(Array.from({ length: 20 }, () => store.bumpIndexGeneration('tenant-a')));
        // Assess
        expect(await store.indexGeneration('tenant-a')).toBe(21);
        expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
        expect(await store.indexGeneration('tenant-b')).toBe(0);
      });
    });
  });
}
