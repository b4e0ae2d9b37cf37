import type { ServerResponse } from 'node:http';
import { runAskCli } from '../../../../scripts/cli/ask-command';
import { formatStreamEvent, type StreamEvent } from '../../../../shared/contracts/stream';
import { captureIo, type SeenRequest, sendError, startTestServer, type TestServer, unreachableUrl } from './test-server';

/**
 * The CLI against an in-test server that speaks the streaming contract (shared/contracts/stream.ts),
 * its responses built with the contract's own formatStreamEvent.
 */
const meta: StreamEvent = {
  event: 'meta',
  data: { requestId: 'req-1', model: 'extractive', promptVersion: 'v1', sessionId: 'sess-0001', cached: false },
};
const citations: StreamEvent = {
  event: 'citations',
  data: {
    citations: [
      {
        marker: 2,
        documentId: 'b'.repeat(32),
        uri: 'default/policies/travel.pdf',
        key: 'default/policies/travel.pdf',
        excerpt: 'Receipts are required.',
        location: { start: 10, end: 90, page: 3 },
      },
      {
        marker: 1,
        documentId: 'a'.repeat(32),
        uri: 'default/handbook/expenses.md',
        key: 'default/handbook/expenses.md',
        excerpt: 'Submit within 30 days.',
        location: { start: 120, end: 480, section: 'Expenses > Deadlines' },
      },
    ],
  },
};
const done: StreamEvent = {
  event: 'done',
  data: {
    requestId: 'req-1',
    usage: { inputTokens: 1234, outputTokens: 56, costUsd: 0.000412 },
    guardrail: { action: 'NONE', blocked: false },
    model: 'extractive',
    fallbackUsed: false,
    cached: false,
    sessionId: 'sess-0001',
    firstDeltaMs: 35,
  },
};
const delta = (text: string): StreamEvent => ({ event: 'delta', data: { text } });

function streamHead(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
}

/** Answers POST /query/stream with the given events, then ends (or, with `cut`, destroys the connection). */
function streaming(events: StreamEvent[], options: { cut?: boolean } = {}) {
  return (request: SeenRequest, response: ServerResponse) => {
    if (request.method !== 'POST' || request.url !== '/query/stream') return sendError(response, 404, 'NotFoundError', 'No such route');
    streamHead(response);
    for (const event of events) response.write(formatStreamEvent(event));
    if (options.cut) {
      // Let the written events reach the client first, then drop the connection mid-answer.
      setTimeout(() => response.socket?.destroy(), 50);
      return;
    }
    response.end();
  };
}

describe('npm run ask', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('streams the answer, then the cited passages as a numbered list with key and location, then usage, cost and model', async () => {
    // Prepare
    server = await startTestServer(streaming([meta, delta('You have '), delta('30 days [1].'), citations, done]));
    const { io, out } = captureIo();

    // Act
    const code = await runAskCli(['How many days?', '--url', server.url], {}, io);

    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toBe(
      [
        'You have 30 days [1].',
        '',
        'Sources:',
        '  [1] default/handbook/expenses.md, § Expenses > Deadlines, characters 120-480',
        '  [2] default/policies/travel.pdf, page 3, characters 10-90',
        '',
        'model extractive · 1,234 in + 56 out tokens · $0.000412 · first text after 35 ms',
        'session sess-0001 (continue with --session sess-0001)',
        '',
      ].join('\n'),
    );
    expect(out.stderr).toBe('');
    expect(JSON.parse(server.requests[0]?.body.toString() ?? '')).toEqual({ question: 'How many days?' });
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('prints each delta as it arrives, before the rest of the answer exists', async () => {
    // Prepare: the server holds the rest of the stream until the test has seen the first delta.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    server = await startTestServer(async (_request, response) => {
      streamHead(response);
      response.write(formatStreamEvent(meta));
      response.write(formatStreamEvent(delta('First part. ')));
      await released;
      for (const event of [delta('Second part.'), citations, done]) response.write(formatStreamEvent(event));
      response.end();
    });
    const { io, out } = captureIo();

    // Act
    const running = runAskCli(['q?', '--url', server.url], {}, io);
    for (let i = 0; i < 200 && !out.stdout.includes('First part.'); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const shownEarly = out.stdout;
    release();
    const code = await running;

    // Assess
    expect(shownEarly).toBe('First part. ');
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^First part\. Second part\.\n/);
  });

  it('sends the session id, "cache": false with --no-cache, and the token as a bearer token', async () => {
    server = await startTestServer(streaming([meta, delta('ok'), citations, done]));
    const { io } = captureIo();

    const code = await runAskCli(['follow', 'up', 'question', '--session', 'sess-0001', '--no-cache', '--url', server.url], { RAG_TOKEN: 'jwt-1' }, io);

    expect(code).toBe(0);
    const [request] = server.requests;
    // The body field the query schema reads (shared/contracts/query.ts), not an HTTP cache header it ignores.
    expect(JSON.parse(request?.body.toString() ?? '')).toEqual({ question: 'follow up question', sessionId: 'sess-0001', cache: false });
    expect(request?.headers.authorization).toBe('Bearer jwt-1');
  });

  it('says so when the session was not continued, and what the question was rewritten to', async () => {
    const rewritten: StreamEvent = {
      event: 'meta',
      data: {
        requestId: 'req-1',
        model: 'extractive',
        promptVersion: 'v1',
        sessionId: 'sess-0001',
        cached: false,
        rewrittenQuestion: 'How many days for expenses?',
      },
    };
    server = await startTestServer(streaming([rewritten, delta('ok'), citations, done]));
    const { io, out } = captureIo();

    await runAskCli(['and then?', '--session', 'expired-session-1', '--url', server.url], {}, io);

    expect(out.stderr).toContain('session expired-session-1 is unknown or expired: started sess-0001');
    expect(out.stderr).toContain('searched for: How many days for expenses?');
  });

  it('replaces the text shown so far when the guardrail intervenes: a marker line off a terminal', async () => {
    server = await startTestServer(
      streaming([
        meta,
        delta('The card number is 4111'),
        { event: 'replace', data: { text: 'Sorry, I cannot share that.', reason: 'guardrail' } },
        citations,
        done,
      ]),
    );
    const { io, out } = captureIo();

    const code = await runAskCli(['card?', '--url', server.url], {}, io);

    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^The card number is 4111\n\[replaced by the guardrail\]\nSorry, I cannot share that\.\n\nSources:/);
  });

  it('on a terminal, erases the rows shown so far and writes the replacement in their place', async () => {
    // 25 characters on a 10-column terminal: three rows, so the cursor goes up two.
    server = await startTestServer(
      streaming([meta, delta('abcdefghijklmnopqrstuvwxy'), { event: 'replace', data: { text: 'Blocked.', reason: 'guardrail' } }, citations, done]),
    );
    const { io, out } = captureIo({ tty: { columns: 10, rows: 40 } });

    await runAskCli(['q?', '--url', server.url], {}, io);

    expect(out.stdout.startsWith('abcdefghijklmnopqrstuvwxy\r\u001b[2A\u001b[JBlocked.\n')).toBe(true);
    expect(out.stdout).not.toContain('[replaced by the guardrail]');
  });

  it('ends with exit 7 and a clear message when the stream sends an error event, keeping the partial text', async () => {
    server = await startTestServer(
      streaming([
        meta,
        delta('You have 30'),
        { event: 'error', data: { error: { code: 'GenerationError', message: 'The model stream broke' }, requestId: 'req-1' } },
      ]),
    );
    const { io, out } = captureIo();

    const code = await runAskCli(['q?', '--url', server.url], {}, io);

    expect(code).toBe(7);
    expect(out.stdout).toBe('You have 30\n');
    expect(out.stderr).toBe('ask: the answer broke off: GenerationError: The model stream broke (request req-1); the text above is incomplete\n');
  });

  it('ends with exit 7 when the connection drops before "done"', async () => {
    server = await startTestServer(streaming([meta, delta('You have 30')], { cut: true }));
    const { io, out } = captureIo();

    const code = await runAskCli(['q?', '--url', server.url], {}, io);

    expect(code).toBe(7);
    expect(out.stdout).toBe('You have 30\n');
    expect(out.stderr).toBe('ask: the connection broke mid-answer (other side closed)\n');
  });

  it('ends with exit 7 when the stream ends cleanly but without "done"', async () => {
    server = await startTestServer(streaming([meta, delta('You have 30'), citations]));
    const { io, out } = captureIo();

    const code = await runAskCli(['q?', '--url', server.url], {}, io);

    expect(code).toBe(7);
    expect(out.stderr).toContain('the stream ended before its "done" event; the text above is incomplete');
  });

  it('ends with exit 7 on an event that breaks the contract', async () => {
    server = await startTestServer((_request, response) => {
      streamHead(response);
      response.end(`${formatStreamEvent(meta)}event: delta\ndata: {"txt":"no"}\n\n`);
    });
    const { io, out } = captureIo();

    expect(await runAskCli(['q?', '--url', server.url], {}, io)).toBe(7);
    expect(out.stderr).toContain('a "delta" event breaks the stream contract (text:');
  });

  it('prints one JSON object with --json, and the error with the partial answer when the stream broke', async () => {
    server = await startTestServer(streaming([meta, delta('You have '), delta('30 days [1].'), citations, done]));
    const whole = captureIo();
    expect(await runAskCli(['q?', '--json', '--url', server.url], {}, whole.io)).toBe(0);
    expect(JSON.parse(whole.out.stdout)).toMatchObject({
      answer: 'You have 30 days [1].',
      replacedByGuardrail: false,
      citations: [{ marker: 2 }, { marker: 1 }],
      usage: { inputTokens: 1234, outputTokens: 56, costUsd: 0.000412 },
      model: 'extractive',
      sessionId: 'sess-0001',
      promptVersion: 'v1',
    });
    await server.close();

    server = await startTestServer(
      streaming([meta, delta('You have'), { event: 'error', data: { error: { code: 'X', message: 'broke' }, requestId: 'req-1' } }]),
    );
    const broken = captureIo();
    expect(await runAskCli(['q?', '--json', '--url', server.url], {}, broken.io)).toBe(7);
    expect(JSON.parse(broken.out.stdout)).toMatchObject({ partialAnswer: 'You have', requestId: 'req-1' });
  });

  it.each([
    [401, 4, /HTTP 401 UnauthorizedError: Authentication required \(a bearer token/],
    [403, 4, /HTTP 403/],
    [429, 6, /HTTP 429 ThrottlingError: Slow down \(retry after 7 s\)/],
    [503, 6, /HTTP 503 .*\(retry after 7 s\)/],
    [400, 2, /HTTP 400 ValidationError/],
    [500, 1, /HTTP 500/],
  ])('maps an HTTP %i before the stream to exit %i', async (status, exitCode, message) => {
    const codes: Record<number, string> = {
      401: 'UnauthorizedError',
      403: 'ForbiddenError',
      429: 'ThrottlingError',
      503: 'ServiceUnavailableError',
      400: 'ValidationError',
      500: 'InternalError',
    };
    const text: Record<number, string> = { 401: 'Authentication required', 429: 'Slow down' };
    server = await startTestServer((_request, response) => sendError(response, status, codes[status] ?? 'E', text[status] ?? 'no', { 'retry-after': '7' }));
    const { io, out } = captureIo();

    expect(await runAskCli(['q?', '--url', server.url], {}, io)).toBe(exitCode);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });

  it('exits 1 naming the missing route when the service has no streaming route, and 3 when nothing listens', async () => {
    server = await startTestServer((_request, response) => sendError(response, 404, 'NotFoundError', 'No such route'));
    const missing = captureIo();
    expect(await runAskCli(['q?', '--url', server.url], {}, missing.io)).toBe(1);
    expect(missing.out.stderr).toContain('this service has no streaming route yet');

    const down = captureIo();
    expect(await runAskCli(['q?', '--url', await unreachableUrl()], {}, down.io)).toBe(3);
    expect(down.out.stderr).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('exits 2 without a question or with a malformed session id, and 0 with --help listing the exit codes', async () => {
    const none = captureIo();
    expect(await runAskCli([], {}, none.io)).toBe(2);
    const badSession = captureIo();
    expect(await runAskCli(['q?', '--session', 'no spaces!'], {}, badSession.io)).toBe(2);
    expect(badSession.out.stderr).toContain('--session must be 8-128 letters');
    const unknown = captureIo();
    expect(await runAskCli(['q?', '--verbose'], {}, unknown.io)).toBe(2);
    expect(unknown.out.stderr).toContain("Unknown option '--verbose'");

    const help = captureIo();
    expect(await runAskCli(['--help'], {}, help.io)).toBe(0);
    expect(help.out.stdout).toMatch(/Usage: npm run ask[\s\S]*--no-cache[\s\S]*Exit codes:[\s\S]*7 {2}the answer stream broke/);
  });
});
