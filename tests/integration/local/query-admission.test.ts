import { HeldGenerator } from '../../helpers/held-generator';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import { DEV_AUTHORIZATION } from '../../helpers/http';
import { tempConfig } from '../../helpers/temp-config';

/**
 * Back-pressure over HTTP: the local server runs at most RAG_MAX_INFLIGHT_QUERIES queries at once and
 * answers the next with 429, Retry-After and the JSON error body, instead of queueing it; a finished
 * query frees its slot. The generator is held open by the test, so "in flight" is not a matter of timing.
 */

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('local server: bounded queries in flight (RAG_MAX_INFLIGHT_QUERIES)', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  const generator = new HeldGenerator();

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_WATCH: 'off', RAG_MAX_INFLIGHT_QUERIES: '2', RAG_QUERY_RETRY_AFTER_SECONDS: '3' });
    cleanup = temp.cleanup;
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0, services: { generator } });
  });

  afterAll(async () => {
    generator.releaseAll();
    await runtime?.stop();
    await cleanup?.();
  });

  const ask = (question: string) =>
    fetch(`${runtime.url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
      body: JSON.stringify({ question, cache: false }),
    });

  it('answers 429 with Retry-After and the JSON error past the bound, and admits again once a query finishes', async () => {
    // Prepare: two queries held inside Generate.
    const first = ask('How many days of leave do employees get?');
    const second = ask('Where do I file an expense report?');
    await until(() => generator.started === 2, 'two queries to reach Generate');

    // Act
    const refused = await ask('Is the office open on Sunday?');
    const other = await fetch(`${runtime.url}/documents`, { headers: { authorization: DEV_AUTHORIZATION } });
    generator.releaseAll();
    const answered = await Promise.all([first, second]);
    const after = ask('Is the office open on Saturday?');
    await until(() => generator.started === 3, 'the next query to be admitted');
    generator.releaseAll();
    const admitted = await after;

    // Assess
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3');
    const body = (await refused.json()) as { error: { code: string; message: string }; requestId: string };
    expect(body.error.code).toBe('ThrottlingError');
    expect(body.requestId).toEqual(expect.any(String));
    // Only query routes are bounded.
    expect(other.status).toBe(200);
    expect(answered.map((r) => r.status)).toEqual([200, 200]);
    expect(admitted.status).toBe(200);
    expect(runtime.admission.inFlight).toBe(0);
    expect(runtime.admission.refused).toBe(1);
  });
});
