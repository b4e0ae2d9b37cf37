import { copyFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { Generator, GenerationEvent, GenerationRequest, GenerationResult } from '../../shared/generation/generator';
import { ExtractiveGenerator } from '../../shared/generation/extractive-generator';
import { parseStreamEvents } from '../../shared/contracts/stream';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { tempConfig } from '../helpers/temp-config';
import { DEV_AUTHORIZATION, postJson, type QueryBody, request } from '../helpers/http';

/**
 * The query experience over HTTP on the local service: POST /query/stream (Server-Sent Events: meta,
 * several deltas, citations, done; a broken generation ends with an error event and no done),
 * conversations (a follow-up rewritten from the session, GET/DELETE /sessions/{id}, another tenant's
 * session id never continued) and the answer cache (a repeated question answered from it, bypassed with
 * `cache: false`, invalidated by an ingestion in the tenant).
 */
const fixtures = path.resolve(__dirname, '../fixtures/documents');

/** The embedded generator, whose stream can be made to break after its first delta. */
class BreakableGenerator implements Generator {
  readonly mode = 'own-retrieval' as const;
  breakNext = false;
  private readonly inner = new ExtractiveGenerator();
  get modelId(): string {
    return this.inner.modelId;
  }
  generate(request: GenerationRequest): Promise<GenerationResult> {
    return this.inner.generate(request);
  }
  async *generateStream(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    const breaking = this.breakNext;
    this.breakNext = false;
    for await (const event of this.inner.generateStream(request)) {
      yield event;
      if (breaking && event.type === 'delta') {
        yield { type: 'error', error: { name: 'ModelStreamErrorException', message: 'The model stream broke' } };
        return;
      }
    }
  }
}

interface StreamedQueryBody extends QueryBody {
  sessionId: string;
  newSession: boolean;
  cached: boolean;
  rewrittenQuestion?: string;
  notContinued?: string;
}

describe('streaming, conversations and the answer cache over HTTP', () => {
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  let folder: string;
  const generator = new BreakableGenerator();

  const stream = async (body: unknown) => {
    const res = await fetch(`${runtime.url}/query/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
      body: JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  beforeAll(async () => {
    const temp = await tempConfig({ RAG_WATCH: 'off' });
    cleanup = temp.cleanup;
    runtime = await startLocalRuntime(temp.config, { retryDelayScale: 0, services: { generator } });
    folder = path.join(temp.config.local.documentsDir, 'default');
    await mkdir(folder, { recursive: true });
    for (const file of ['library-hours.txt', 'observatory.md']) await copyFile(path.join(fixtures, file), path.join(folder, file));
    await runtime.workflows.startReindex('manual');
    await runtime.settle();
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await cleanup?.();
  });

  it('streams meta, more than one delta, the citations, then done — the same answer as POST /query', async () => {
    // Act
    const streamed = await stream({ question: 'Until what time is the library open on Thursdays?', cache: false });
    const whole = await postJson<StreamedQueryBody>(`${runtime.url}/query`, { question: 'Until what time is the library open on Thursdays?', cache: false });

    // Assess
    expect(streamed.status).toBe(200);
    expect(streamed.type).toMatch(/^text\/event-stream/);
    const events = parseStreamEvents(streamed.text);
    expect(events.map((e) => e.event)).toEqual(['meta', ...events.slice(1, -2).map(() => 'delta'), 'citations', 'done']);
    expect(events.filter((e) => e.event === 'delta').length).toBeGreaterThan(1);
    const text = events.flatMap((e) => (e.event === 'delta' ? [e.data.text] : [])).join('');
    expect(text).toBe(whole.body.answer);
    const citations = events.find((e) => e.event === 'citations');
    expect(citations?.event === 'citations' && citations.data.citations[0]?.key).toBe('default/library-hours.txt');
    const done = events.at(-1);
    expect(done?.event === 'done' && done.data.firstDeltaMs).toBeGreaterThan(0);
  });

  it('ends a stream that breaks with an error event and no done', async () => {
    generator.breakNext = true;

    const streamed = await stream({ question: 'Until what time is the library open on Thursdays?', cache: false });

    const events = parseStreamEvents(streamed.text);
    expect(events.map((e) => e.event)).toEqual(['meta', 'delta', 'error']);
    const error = events.at(-1);
    expect(error?.event === 'error' && error.data.error.code).toBe('ModelStreamErrorException');
  });

  it('refuses an invalid body with the JSON error of POST /query, before any event', async () => {
    const streamed = await stream({ question: '' });

    expect(streamed.status).toBe(400);
    expect(JSON.parse(streamed.text)).toMatchObject({ error: { code: 'ValidationError' } });
  });

  it('continues a conversation: a follow-up is rewritten from the last turn, and the session can be read and deleted', async () => {
    // Prepare
    const first = await postJson<StreamedQueryBody>(`${runtime.url}/query`, { question: 'Until what time is the library open on Thursdays?' });

    // Act
    const followUp = await postJson<StreamedQueryBody>(`${runtime.url}/query`, { question: 'and on Saturdays?', sessionId: first.body.sessionId });
    const session = await request<{ turns: { question: string; rewrittenQuestion?: string }[] }>(`${runtime.url}/sessions/${first.body.sessionId}`);
    const deleted = await request(`${runtime.url}/sessions/${first.body.sessionId}`, { method: 'DELETE' });
    const gone = await request(`${runtime.url}/sessions/${first.body.sessionId}`);

    // Assess
    expect(first.body.newSession).toBe(true);
    expect(followUp.body.sessionId).toBe(first.body.sessionId);
    expect(followUp.body.newSession).toBe(false);
    expect(followUp.body.rewrittenQuestion).toMatch(/library/i);
    expect(followUp.body.citations[0]?.key).toBe('default/library-hours.txt');
    expect(session.body.turns.map((t) => t.question)).toEqual(['Until what time is the library open on Thursdays?', 'and on Saturdays?']);
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
  });

  it('starts a new session for an id the tenant does not have, and says so', async () => {
    const res = await postJson<StreamedQueryBody>(`${runtime.url}/query`, { question: 'and on Saturdays?', sessionId: 'someone-elses-session' });

    expect(res.body.newSession).toBe(true);
    expect(res.body.notContinued).toBe('unknown-session');
    expect(res.body.sessionId).not.toBe('someone-elses-session');
    expect(res.body.rewrittenQuestion).toBeUndefined();
  });

  it('answers a repeated question from the cache, not with cache: false, and not after the tenant’s index changed', async () => {
    // Prepare
    const question = 'How large is the primary mirror of the main reflector?';
    const first = await postJson<StreamedQueryBody>(`${runtime.url}/query`, { question });

    // Act
    const repeated = await postJson<StreamedQueryBody>(`${runtime.url}/query`, { question: `  ${question.toUpperCase()}  ` });
    const bypassed = await postJson<StreamedQueryBody>(`${runtime.url}/query`, { question, cache: false });
    const streamedHit = parseStreamEvents((await stream({ question })).text);
    await copyFile(path.join(fixtures, 'bakery.html'), path.join(folder, 'bakery.html'));
    await runtime.workflows.startReindex('manual');
    await runtime.settle();
    const afterIngestion = await postJson<StreamedQueryBody>(`${runtime.url}/query`, { question });

    // Assess
    expect(first.body.cached).toBe(false);
    expect(repeated.body.cached).toBe(true);
    expect(repeated.body.answer).toBe(first.body.answer);
    expect(repeated.body.usage.costUsd).toBe(0);
    expect(bypassed.body.cached).toBe(false);
    expect(streamedHit[0]?.event === 'meta' && streamedHit[0].data.cached).toBe(true);
    expect(afterIngestion.body.cached).toBe(false);
  }, 60_000);
});
