import { SMOKE_EXIT_CODES } from '../../../../scripts/smoke/errors';
import { makeProbe } from '../../../../scripts/smoke/probe';
import { runSmoke, type SmokeSettings } from '../../../../scripts/smoke/run-smoke';
import { type FakeBehaviour, FakeService } from './fake-service';

const settings: SmokeSettings = { indexTimeoutMs: 60_000, deleteTimeoutMs: 30_000, pollIntervalMs: 1_000, queryAttempts: 3 };
const probe = makeProbe('20261130t120000z-a1b2c3', () => 2);

async function smoke(behaviour: Partial<FakeBehaviour> = {}) {
  const service = new FakeService(behaviour);
  const start = service.time;
  const report = await runSmoke(
    { http: service, now: service.now, sleep: service.sleep, clock: () => new Date('2026-11-30T12:00:00Z') },
    settings,
    probe,
    'http://fake',
  );
  return { service, report, elapsed: service.time - start };
}

describe('runSmoke', () => {
  it('uploads, waits until INDEXED, asks, checks the citation, deletes, waits until gone, and times each step', async () => {
    // Prepare / Act
    const { service, report } = await smoke();

    // Assess: the verdict and the document the service derived from (tenant, key)
    expect(report).toMatchObject({ passed: true, exitCode: 0, target: 'http://fake', runId: probe.runId, startedAt: '2026-11-30T12:00:00.000Z' });
    expect(report.failure).toBeUndefined();
    expect(report.document).toEqual({ key: `acme/smoke/${probe.runId}.md`, documentId: service.uploaded?.documentId, chunkCount: 1 });

    // the requests, in order, with the upload path and body the routes expect
    const route = (c: { method: string; path: string }) => `${c.method} ${c.path.replace(/[0-9a-f]{32}/, '{id}')}`;
    expect(service.calls.map(route)).toEqual([
      'GET /health',
      `PUT /documents/content/smoke/${probe.runId}.md`,
      'GET /documents/{id}',
      'GET /documents/{id}',
      'GET /documents/{id}',
      'POST /query',
      'DELETE /documents/{id}',
      'GET /documents/{id}',
      'GET /documents/{id}',
    ]);
    const put = service.calls[1];
    expect(put?.contentType).toBe('text/markdown');
    expect(put?.data).toContain(`painted ${probe.fact.colour} and carries exactly ${probe.fact.passengers} passengers`);
    expect(JSON.parse(service.calls[5]?.data ?? '{}')).toEqual({ question: probe.question });

    // timings come from the clock: PUT (50) + 3 polls (3 x 50) + 2 sleeps (2 x 1000)
    expect(report.timings.uploadToIndexedMs).toBe(50 + 3 * 50 + 2 * 1_000);
    expect(report.timings.queryLatencyMs).toBe(50);
    expect(report.timings.deleteToGoneMs).toBe(50 + 2 * 50 + 1_000);
    expect(report.timings.totalMs).toBe(service.time - 1_000);
    expect(report.query).toMatchObject({ attempts: 1, citesUpload: true, answerStatesFact: true, model: 'fake-model', inputTokens: 120, costUsd: 0.000123 });
  });

  it('stops with exit 6 and the recorded reason when ingestion FAILED, and deletes the upload', async () => {
    const { service, report } = await smoke({ failure: { error: 'UnsupportedDocumentError', reason: 'no text could be extracted' } });

    expect(report.passed).toBe(false);
    expect(report.exitCode).toBe(SMOKE_EXIT_CODES.ingestionFailed);
    expect(report.failure).toEqual({
      step: 'index',
      error: 'SmokeIngestionFailedError',
      message: 'Ingestion failed: UnsupportedDocumentError: no text could be extracted',
    });
    expect(report.cleanup).toBe('deleted');
    expect(service.calls.filter((c) => c.method === 'POST')).toEqual([]);
    expect(service.calls.at(-1)?.method).toBe('DELETE');
  });

  it('gives up with exit 7 when the document is not INDEXED within the timeout', async () => {
    const { report, elapsed } = await smoke({ neverIndexed: true });

    expect(report.exitCode).toBe(SMOKE_EXIT_CODES.indexTimeout);
    expect(report.failure?.message).toMatch(/Not INDEXED after 60 s \(status: PENDING/);
    expect(elapsed).toBeGreaterThanOrEqual(settings.indexTimeoutMs);
    expect(elapsed).toBeLessThan(settings.indexTimeoutMs + 5 * settings.pollIntervalMs);
    expect(report.cleanup).toBe('deleted');
    expect(report.timings.uploadToIndexedMs).toBeUndefined();
  });

  it('keeps polling through 503s and 404s before the manifest exists', async () => {
    const { report } = await smoke({ pollsUntilManifest: 2, pollGlitches: [503, 502] });

    expect(report.passed).toBe(true);
  });

  it('fails with exit 9 when the answer cites another document, after the bounded attempts', async () => {
    const { service, report } = await smoke({ queryOutcomes: ['other'] });

    expect(report.exitCode).toBe(SMOKE_EXIT_CODES.citation);
    expect(report.failure?.step).toBe('query');
    expect(report.failure?.message).toBe(`The answer does not cite acme/smoke/${probe.runId}.md: it cites acme/handbook.md`);
    expect(service.calls.filter((c) => c.path === '/query')).toHaveLength(settings.queryAttempts);
    expect(report.query).toMatchObject({ attempts: 3, citesUpload: false, citedKeys: ['acme/handbook.md'] });
    expect(report.cleanup).toBe('deleted');
  });

  it('retries a throttled query and passes when a later attempt cites the upload', async () => {
    const { report } = await smoke({ queryOutcomes: [429, 'other', 'ok'] });

    expect(report.passed).toBe(true);
    expect(report.query?.attempts).toBe(3);
  });

  it('fails with exit 8 when the query keeps failing', async () => {
    const { report } = await smoke({ queryOutcomes: [503] });

    expect(report.exitCode).toBe(SMOKE_EXIT_CODES.query);
    expect(report.failure?.message).toBe('POST /query: HTTP 503 ServiceUnavailableError: try later');
  });

  it('fails with exit 4 and a hint when the token is refused', async () => {
    const { service, report } = await smoke({ uploadStatus: 401 });

    expect(report.exitCode).toBe(SMOKE_EXIT_CODES.auth);
    expect(report.failure?.message).toMatch(/HTTP 401 UnauthorizedError.*RAG_SMOKE_TOKEN/);
    expect(report.cleanup).toBeUndefined();
    expect(service.calls).toHaveLength(2);
  });

  it('fails with exit 5 when the upload is refused or its id does not match the key', async () => {
    expect((await smoke({ uploadStatus: 413 })).report.exitCode).toBe(SMOKE_EXIT_CODES.upload);
    const mismatch = await smoke({ wrongDocumentId: true });
    expect(mismatch.report.exitCode).toBe(SMOKE_EXIT_CODES.upload);
    expect(mismatch.report.failure?.message).toMatch(/do not match/);
  });

  it('fails with exit 3 without uploading anything when the service does not answer', async () => {
    const { service, report } = await smoke({ health: 'unreachable' });

    expect(report.exitCode).toBe(SMOKE_EXIT_CODES.endpoint);
    expect(report.failure).toMatchObject({ step: 'health', error: 'SmokeEndpointError' });
    expect(service.calls.map((c) => c.method)).toEqual(['GET']);
  });

  it('fails with exit 10 when the delete is refused and 11 when the document never goes', async () => {
    const refused = await smoke({ deleteStatus: 500 });
    expect(refused.report.exitCode).toBe(SMOKE_EXIT_CODES.delete);
    expect(refused.report.cleanup).toBeUndefined();

    const stuck = await smoke({ neverGone: true });
    expect(stuck.report.exitCode).toBe(SMOKE_EXIT_CODES.deleteTimeout);
    expect(stuck.report.failure?.step).toBe('gone');
    expect(stuck.elapsed).toBeGreaterThanOrEqual(settings.deleteTimeoutMs);
    expect(stuck.report.timings.queryLatencyMs).toBe(50);
  });
});

describe('makeProbe', () => {
  it('puts a made-up fact next to the run code and asks only about it', () => {
    const a = makeProbe('20261130t120000z-a1b2c3', () => 0);
    const b = makeProbe('20261130t120000z-d4e5f6', () => 5);

    expect(a.path).toBe('smoke/20261130t120000z-a1b2c3.md');
    expect(a.question).toContain('balloon a1b2c3');
    expect(a.content).toContain('The smoke test balloon a1b2c3 is painted amber and carries exactly 11 passengers.');
    expect(b.fact).toEqual({ colour: 'saffron', passengers: 16 });
    expect(() => makeProbe('../escape')).toThrow(/run id/);
  });
});
