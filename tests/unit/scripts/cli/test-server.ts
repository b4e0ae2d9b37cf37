import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliIo } from '../../../../scripts/cli/command';

/** A request as the in-test server saw it. */
export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface TestServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, port 0, answering through `handle`; every request is recorded. */
export async function startTestServer(handle: (request: SeenRequest, response: ServerResponse) => void | Promise<void>): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((incoming, response) => {
    const parts: Buffer[] = [];
    incoming.on('data', (part: Buffer) => parts.push(part));
    incoming.on('end', () => {
      const request = { method: incoming.method ?? 'GET', url: incoming.url ?? '/', headers: incoming.headers, body: Buffer.concat(parts) };
      requests.push(request);
      Promise.resolve(handle(request, response)).catch((error: unknown) => {
        response.writeHead(599).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL where nothing listens: a server's port, after it closed. */
export async function unreachableUrl(): Promise<string> {
  const server = await startTestServer(() => undefined);
  await server.close();
  return server.url;
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

/** The API's error body (functions/api/http.ts). */
export function sendError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { error: { code, message }, requestId: 'req-test' }, headers);
}

/** Captured stdout/stderr, a pipe by default, a terminal of the given size with `tty`. */
export function captureIo(options: { tty?: { columns: number; rows: number } } = {}) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: {
      write: (text) => {
        out.stdout += text;
      },
      isTTY: options.tty !== undefined,
      ...(options.tty ?? {}),
    },
    stderr: {
      write: (text) => {
        out.stderr += text;
      },
      isTTY: false,
    },
  };
  return { io, out };
}
