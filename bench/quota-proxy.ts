import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An account quota in front of an emulator: a token bucket of `requestsPerMinute` (refilled continuously,
 * burst of one second's worth, as Bedrock's per-second enforcement behaves) that answers 429
 * ThrottlingException over quota and forwards everything else unchanged. Counts what it let through.
 */
export interface QuotaStats {
  accepted: number;
  throttled: number;
  firstAcceptedAt?: number;
  lastAcceptedAt?: number;
}

export class QuotaProxy {
  readonly stats: QuotaStats = { accepted: 0, throttled: 0 };
  private server?: Server;
  private tokens: number;
  private last: number;
  private readonly ratePerSecond: number;
  private readonly burst: number;

  constructor(
    private readonly target: string,
    readonly requestsPerMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(requestsPerMinute > 0)) throw new RangeError('requestsPerMinute must be > 0');
    this.ratePerSecond = requestsPerMinute / 60;
    this.burst = Math.max(1, Math.ceil(this.ratePerSecond));
    this.tokens = this.burst;
    this.last = now();
  }

  /** True when the request fits the quota (and consumes a token). */
  admit(): boolean {
    const at = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((at - this.last) / 1000) * this.ratePerSecond);
    this.last = at;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.stats.accepted += 1;
      this.stats.firstAcceptedAt ??= at;
      this.stats.lastAcceptedAt = at;
      return true;
    }
    this.stats.throttled += 1;
    return false;
  }

  async start(): Promise<string> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      if (!this.admit()) {
        req.resume();
        res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' });
        res.end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));
        return;
      }
      const upstream = httpRequest({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
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
}
