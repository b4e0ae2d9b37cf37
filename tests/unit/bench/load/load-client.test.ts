import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorCodeOf, send, streamEnd } from '../../../../bench/load/load-client';
import { formatStreamEvent } from '../../../../shared/contracts/stream';

describe('streamEnd', () => {
  const delta = formatStreamEvent({ event: 'delta', data: { text: 'Hello' } });
  const error = (code: string) => formatStreamEvent({ event: 'error', data: { error: { code, message: 'm' }, requestId: 'r' } });

  it('tells a stream that ended with done, with an error event (and its code), or with neither', () => {
    const done = formatStreamEvent({
      event: 'done',
      data: {
        requestId: 'r',
        usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
        guardrail: { action: 'NONE', blocked: false },
        model: 'm',
        fallbackUsed: false,
        cached: false,
        sessionId: 's',
        firstDeltaMs: 1,
      },
    });
    expect(streamEnd(`${delta}${done}`)).toEqual({ streamEnd: 'done' });
    expect(streamEnd(`${delta}${error('ThrottlingError')}`)).toEqual({ streamEnd: 'error', streamErrorCode: 'ThrottlingError' });
    expect(streamEnd(delta)).toEqual({ streamEnd: 'cut' });
    expect(streamEnd(`${delta}event: delta\ndata: {"te`)).toEqual({ streamEnd: 'cut' });
  });
});

describe('errorCodeOf', () => {
  it('reads error.code of our error body and nothing else', () => {
    expect(errorCodeOf('{"error":{"code":"ThrottlingError","message":"m"},"requestId":"r"}')).toBe('ThrottlingError');
    expect(errorCodeOf('{"message":"Internal Server Error"}')).toBeUndefined();
    expect(errorCodeOf('<html>')).toBeUndefined();
  });
});

describe('send', () => {
  let server: Server;
  let url: string;
  const seen: { authorization?: string; contentType?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'] });
      if (req.url === '/busy') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '3' });
        res.end('{"error":{"code":"DependencyUnavailableError","message":"m"},"requestId":"r"}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the development token and records status, Retry-After and the error code of a refusal', async () => {
    const outcome = await send({ route: 'query', method: 'POST', url: `${url}/busy`, body: '{}', contentType: 'application/json' });
    expect(outcome).toMatchObject({ route: 'query', status: 503, retryAfter: '3', errorCode: 'DependencyUnavailableError' });
    expect(outcome.latencyMs).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual({ authorization: 'Bearer dev', contentType: 'application/json' });
  });

  it('records an answer with no error code, and a request nobody answers as status 0', async () => {
    expect(await send({ route: 'documents', method: 'GET', url: `${url}/documents` })).toMatchObject({ status: 200 });
    expect((await send({ route: 'documents', method: 'GET', url: `${url}/documents` })).errorCode).toBeUndefined();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await send({ route: 'upload', method: 'PUT', url: `http://127.0.0.1:${port}/x`, body: 'x' })).toMatchObject({ route: 'upload', status: 0 });
  });
});
