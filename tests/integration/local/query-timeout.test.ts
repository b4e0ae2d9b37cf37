import { HeldGenerator } from '../../helpers/held-generator';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime';
import { DEV_AUTHORIZATION } from '../../helpers/http';
import { tempConfig } from '../../helpers/temp-config';

/**
 * A query past its deadline (RAG_QUERY_TIMEOUT_SECONDS) is cancelled, not left computing: the caller gets 503
 * with the documented error body, its admission slot is free at once, and no state of the execution runs after
 * the one that was running (its Task finishes, ResolveCitations never starts). The generator is held by the
 * test, so the timeout is certain, not a race.
 */

describe('local server: a query past its deadline', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  const generator = new HeldGenerator();
  const tasks: string[] = [];

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_WATCH: 'off', RAG_QUERY_TIMEOUT_SECONDS: '1' });
    cleanup = temp.cleanup;
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0, services: { generator } });
    await runtime.services.documents.put('default/leave.md', '# Leave\n\nEmployees get 25 days of paid leave a year.');
    await runtime.workflows.startIngestion({ tenant: 'default', key: 'default/leave.md', action: 'upsert', reason: 'event' });
    await runtime.settle();
    runtime.workflows.observe({ task: (name) => tasks.push(name) });
  });

  afterAll(async () => {
    generator.releaseAll();
    await runtime?.stop();
    await cleanup?.();
  });

  it('answers 503 with the reason, frees its slot, and runs no state after the one it was in', async () => {
    // Act
    const res = await fetch(`${runtime.url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
      body: JSON.stringify({ question: 'How many days of paid leave do employees get?', cache: false }),
    });
    const body = (await res.json()) as { error: { code: string; message: string }; requestId: string };
    const heldWhenAnswered = generator.started;
    const inFlightWhenAnswered = runtime.admission.inFlight;
    generator.releaseAll();
    await runtime.settle();

    // Assess
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(body.error).toEqual({ code: 'QueryTimeoutError', message: 'The query did not finish within 1 s and was cancelled; try again' });
    expect(body.requestId).toEqual(expect.any(String));
    expect(heldWhenAnswered).toBe(1);
    expect(inFlightWhenAnswered).toBe(0);
    // The Task that was running when the deadline passed finished; nothing after it ran.
    expect(tasks).toContain('query-generate');
    expect(tasks).not.toContain('query-citations');
  });
});
