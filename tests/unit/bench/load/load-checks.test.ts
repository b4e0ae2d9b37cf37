import { checkMemory, checkResponses, memoryVerdictInput, type RequestOutcome, summarise } from '../../../../bench/load/load-checks';

const MiB = 1024 * 1024;
const ok = (route: RequestOutcome['route'] = 'query', latencyMs = 100): RequestOutcome => ({ route, status: 200, latencyMs });
const refused = (status: number, extra: Partial<RequestOutcome> = {}): RequestOutcome => ({
  route: 'query',
  status,
  latencyMs: 5,
  retryAfter: '2',
  errorCode: status === 429 ? 'ThrottlingError' : 'DependencyUnavailableError',
  ...extra,
});

describe('checkResponses', () => {
  it('passes answers, and 429/503 refusals that carry Retry-After and the error body', () => {
    // Prepare
    const outcomes = [ok(), ok('documents'), { ...ok('upload'), status: 202 }, { ...ok('stream'), streamEnd: 'done' as const }, refused(429), refused(503)];

    // Act
    const failures = checkResponses(outcomes);

    // Assess
    expect(failures).toEqual([]);
  });

  it('reports a 500, an unanswered request and a 4xx the load should never cause, each in its own sentence', () => {
    // Prepare
    const outcomes = [
      ok(),
      { ...ok(), status: 500, errorCode: 'InternalError' },
      { ...ok('upload'), status: 0 },
      { ...ok('documents'), status: 404, errorCode: 'NotFoundError' },
    ];

    // Act
    const failures = checkResponses(outcomes);

    // Assess
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatch(/^1 requests got no HTTP answer.*upload x1/);
    expect(failures[1]).toMatch(/^1 answers with a 5xx other than 503: query 500 InternalError x1/);
    expect(failures[2]).toMatch(/^1 answers with a status the load should never cause: documents 404 NotFoundError x1/);
  });

  it('reports refusals without a Retry-After of whole seconds, and without the JSON error body', () => {
    // Prepare: a 503 QueryTimeoutError as errorResponse sends it today (no Retry-After), a 429 with a date, a bare 503
    const { retryAfter: _omit, ...noHeader } = refused(503, { errorCode: 'QueryTimeoutError' });
    const outcomes = [
      noHeader,
      refused(429, { retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' }),
      { route: 'stream' as const, status: 503, latencyMs: 1, retryAfter: '1' },
    ];

    // Act
    const failures = checkResponses(outcomes);

    // Assess
    expect(failures).toEqual([
      '2 429/503 answers without a Retry-After of whole seconds: query 503 QueryTimeoutError x1, query 429 ThrottlingError x1',
      '1 429/503 answers without the JSON error body: stream 503 x1',
    ]);
  });

  it('reports streams cut without a terminal event and streams ending in an internal error, not those ending in an exposed error', () => {
    // Prepare
    const stream = (extra: Partial<RequestOutcome>): RequestOutcome => ({ ...ok('stream'), ...extra });
    const outcomes = [
      stream({ streamEnd: 'cut' }),
      stream({ streamEnd: 'error', streamErrorCode: 'InternalError' }),
      stream({ streamEnd: 'error', streamErrorCode: 'ThrottlingError' }),
    ];

    // Act
    const failures = checkResponses(outcomes);

    // Assess
    expect(failures).toEqual([
      '1 streams opened 200 and ended without a done or error event',
      '1 streams ended with an internal error event (a 500 after the 200)',
    ]);
  });
});

describe('memory', () => {
  const bounds = { growthBytes: 128 * MiB, peakBytes: 1024 * MiB };

  it('takes start from the first sample of the load, peak over all, end from the last', () => {
    const input = memoryVerdictInput([
      { atSeconds: -3, rssBytes: 900 * MiB },
      { atSeconds: 0, rssBytes: 300 * MiB },
      { atSeconds: 1, rssBytes: 700 * MiB },
      { atSeconds: 70, rssBytes: 350 * MiB },
    ]);
    expect(input).toEqual({ startBytes: 300 * MiB, peakBytes: 900 * MiB, endBytes: 350 * MiB });
    expect(() => memoryVerdictInput([])).toThrow(/no memory sample/);
  });

  it('passes flat memory, and reports growth past the bound and a peak past the ceiling', () => {
    expect(checkMemory({ startBytes: 300 * MiB, peakBytes: 600 * MiB, endBytes: 300 * MiB + bounds.growthBytes }, bounds)).toEqual([]);
    expect(checkMemory({ startBytes: 300 * MiB, peakBytes: 600 * MiB, endBytes: 500 * MiB }, bounds)).toEqual([
      'resident memory did not return near its start: 300 MiB at start, 500 MiB at the end (+200 MiB, bound +128 MiB)',
    ]);
    expect(checkMemory({ startBytes: 300 * MiB, peakBytes: 1500 * MiB, endBytes: 310 * MiB }, bounds)).toEqual([
      'resident memory peaked at 1500 MiB, above 1024 MiB',
    ]);
  });
});

describe('summarise', () => {
  it('counts by status and route, shares of 429 and 503, and latency over answered requests', () => {
    // Prepare
    const outcomes = [ok('query', 100), ok('query', 300), refused(429), refused(503), { ...ok('documents'), status: 0, latencyMs: 60_000 }];

    // Act
    const summary = summarise(outcomes);

    // Assess
    expect(summary.requests).toBe(5);
    expect(summary.byStatus).toEqual({ '200': 2, '429 ThrottlingError': 1, '503 DependencyUnavailableError': 1, '0': 1 });
    expect(summary.byRoute).toEqual({ query: { '200': 2, '429': 1, '503': 1 }, documents: { '0': 1 } });
    expect(summary.share429).toBeCloseTo(0.2);
    expect(summary.share503).toBeCloseTo(0.2);
    expect(summary.latencyMs.max).toBe(300);
    expect(summary.okLatencyMs.p50).toBe(200);
  });
});
