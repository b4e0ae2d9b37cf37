import { EXIT_CODES } from '../../../../scripts/cli/errors';
import { failureFor, retryAfterSeconds, ServiceClient } from '../../../../scripts/cli/service-client';
import { sendError, sendJson, startTestServer, type TestServer } from './test-server';

describe('failureFor', () => {
  it.each([
    [401, EXIT_CODES.unauthorized],
    [403, EXIT_CODES.unauthorized],
    [404, EXIT_CODES.failedOrNotFound],
    [429, EXIT_CODES.throttled],
    [503, EXIT_CODES.throttled],
    [400, EXIT_CODES.usage],
    [413, EXIT_CODES.usage],
    [500, EXIT_CODES.unexpected],
    [502, EXIT_CODES.unexpected],
  ])('maps HTTP %i to exit %i', (status, exitCode) => {
    expect(failureFor({ status, body: { error: { code: 'E', message: 'm' } } }, 'GET /x').exitCode).toBe(exitCode);
  });

  it("names the route, the API's error code and message, and the wait a throttled answer asks for", () => {
    expect(failureFor({ status: 429, retryAfterSeconds: 5, body: { error: { code: 'ThrottlingError', message: 'Busy' } } }, 'POST /query/stream').message).toBe(
      'POST /query/stream: HTTP 429 ThrottlingError: Busy (retry after 5 s)',
    );
    expect(failureFor({ status: 502, body: '<html>Bad Gateway</html>' }, 'GET /documents').message).toBe('GET /documents: HTTP 502: <html>Bad Gateway</html>');
  });
});

describe('retryAfterSeconds', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    expect(retryAfterSeconds('30', now)).toBe(30);
    expect(retryAfterSeconds('Mon, 30 Nov 2026 12:00:10 GMT', now)).toBe(10);
    expect(retryAfterSeconds('Mon, 30 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});

describe('ServiceClient', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("keeps the base URL's path, sends the bearer token, and returns status, body, Retry-After and the service's clock", async () => {
    server = await startTestServer((_request, response) => sendError(response, 503, 'NotReady', 'starting', { 'retry-after': '1' }));
    const client = new ServiceClient({ baseUrl: `${server.url}/prod/`, token: 't-1' });

    const response = await client.request('GET', '/documents');

    expect(server.requests[0]).toMatchObject({ url: '/prod/documents', headers: { authorization: 'Bearer t-1' } });
    expect(response).toMatchObject({ status: 503, retryAfterSeconds: 1, body: { error: { code: 'NotReady' } } });
    expect(Math.abs((response.date?.getTime() ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  it('refuses a 200 that is not an event stream, and breaks a stream that stays silent past the idle timeout', async () => {
    server = await startTestServer((request, response) => {
      if (request.url === '/json') return sendJson(response, 200, { answer: 'not streamed' });
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': hello\n\n');
    });
    const client = new ServiceClient({ baseUrl: server.url, streamIdleTimeoutMs: 100 });

    await expect(client.postForStream('/json', {})).rejects.toThrow('POST /json: expected text/event-stream, got "application/json; charset=utf-8"');
    const chunks = await client.postForStream('/silent', {});
    const read = (async () => {
      for await (const _ of chunks) {
        // Reads until the stream breaks.
      }
    })();
    await expect(read).rejects.toThrow('the connection broke mid-answer (no data for 0.1 s)');
  });
});
