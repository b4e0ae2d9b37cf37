import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny programmable HTTP server on 127.0.0.1 for wire-level tests of AWS adapters: each
 * emulator (Bedrock Runtime, Bedrock Agent Runtime, S3 Vectors) registers routes that speak the
 * service's REST shapes; faults (throttling, 5xx, latency) are injected here, before routing,
 * so the real AWS SDK clients see exactly what the service would send.
 */
export interface EmulatorRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  json<T = unknown>(): T;
}

export interface EmulatorResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type RouteHandler = (req: EmulatorRequest, res: ServerResponse) => Promise<EmulatorResponse | undefined> | EmulatorResponse | undefined;

export interface EmulatorRoute {
  method: string;
  /** Path pattern with named groups, e.g. /^\/model\/(?<modelId>[^/]+)\/invoke$/ */
  pattern: RegExp;
  handle: RouteHandler;
}

export interface FaultPlan {
  /** Share of requests answered 429 ThrottlingException, 0..1. */
  throttleRate?: number;
  /** Share of requests answered 500/503, 0..1. */
  serverErrorRate?: number;
  /** Added latency per request. */
  latencyMs?: number;
  /** Exact faults for the next requests, consumed in order (deterministic tests). */
  next?: { status: number; code: string; message?: string }[];
  /** For streaming routes: number of events after which the stream is cut (emulators read it). */
  breakStreamAfterEvents?: number;
  /** Only requests whose path matches are subject to random faults. */
  pathFilter?: RegExp;
  random?: () => number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

export class HttpEmulator {
  private server?: Server;
  faults: FaultPlan = {};
  readonly requests: RecordedRequest[] = [];

  constructor(private readonly routes: EmulatorRoute[]) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.dispatch(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  setFaults(faults: FaultPlan): void {
    this.faults = faults;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = decodeURIComponent(url.pathname);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? 'GET', path, status });
      if (res.headersSent) return;
      const text = payload === undefined ? '' : typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    const f = this.faults;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    const injected = f.next?.shift();
    const random = f.random ?? Math.random;
    const eligible = !f.pathFilter || f.pathFilter.test(path);
    if (injected) {
      send(injected.status, { message: injected.message ?? injected.code }, { 'x-amzn-errortype': injected.code });
      return;
    }
    if (eligible && f.throttleRate && random() < f.throttleRate) {
      send(429, { message: 'Too many requests, please wait before trying again.' }, { 'x-amzn-errortype': 'ThrottlingException' });
      return;
    }
    if (eligible && f.serverErrorRate && random() < f.serverErrorRate) {
      send(503, { message: 'Service unavailable' }, { 'x-amzn-errortype': 'ServiceUnavailableException' });
      return;
    }
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      const request: EmulatorRequest = {
        method: req.method,
        path,
        params: { ...(match.groups ?? {}) },
        query: url.searchParams,
        headers: req.headers,
        body,
        json: <T>() => JSON.parse(body.toString('utf8') || '{}') as T,
      };
      try {
        const out = await route.handle(request, res);
        if (out === undefined) {
          // The route wrote a streaming response itself.
          this.requests.push({ method: req.method, path, status: res.statusCode });
          return;
        }
        send(out.status ?? 200, out.body, out.headers);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        send(400, { message }, { 'x-amzn-errortype': 'ValidationException' });
      }
      return;
    }
    send(404, { message: `No route for ${req.method} ${path}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
  }
}

/**
 * The life cycle every service emulator shares: start on a free loopback port, stop, inject
 * faults, and reset between tests (recorded calls, requests and faults, then its own state).
 */
export abstract class ServiceEmulator<TCall> {
  readonly http: HttpEmulator;
  readonly calls: TCall[] = [];

  constructor(routes: EmulatorRoute[]) {
    this.http = new HttpEmulator(routes);
  }

  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  setFaults(faults: FaultPlan): void {
    this.http.setFaults(faults);
  }

  reset(): void {
    this.calls.length = 0;
    this.http.requests.length = 0;
    this.http.setFaults({});
    this.resetState();
  }

  /** The emulator's own state to forget on reset. */
  protected resetState(): void {}
}
