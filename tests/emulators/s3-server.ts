import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { type OutgoingHttpHeaders, request, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type EmulatorRequest, type EmulatorResponse, HttpEmulator } from './http-emulator';

/**
 * A real S3-compatible server (s3rver 3, filesystem-backed) on a free loopback port, in a temp directory.
 *
 * It runs in a child Node process started with `--openssl-legacy-provider`: s3rver encrypts
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) only offers through the
 * legacy provider; without it every paginated list answers 500. The child prints its port once listening.
 * s3rver checks the access key id (not the SigV4 signature): clients must use S3RVER / S3RVER.
 */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const CHILD_SCRIPT = `
const S3rver = require(process.argv[1]);
const [directory, buckets] = [process.argv[2], JSON.parse(process.argv[3])];
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) })
  .run()
  .then((address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'))
  .catch((error) => { process.stderr.write(String(error)); process.exit(1); });
`;

export interface RunningS3Server {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startS3Server(buckets: string[]): Promise<RunningS3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD_SCRIPT, require.resolve('s3rver'), directory, JSON.stringify(buckets)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.stderr.on('data', (data: Buffer) => {
      err += data.toString('utf8');
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}): ${err.slice(0, 500)}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A fault-injecting pass-through in front of the S3 server. `http.setFaults` injects the generic
 * faults of HttpEmulator (JSON bodies, as the JSON protocols send them); `s3Errors` injects errors the
 * way S3 itself sends them (restXml `<Error><Code>SlowDown</Code>...`), consumed in order. Everything
 * else is forwarded byte for byte, so the real S3 client's retries run against a real S3 implementation.
 */
export class S3FaultProxy {
  readonly http: HttpEmulator;
  readonly s3Errors: { status: number; code: string }[] = [];
  private readonly upstream: URL;

  constructor(target: string) {
    this.upstream = new URL(target);
    const handle = (req: EmulatorRequest, res: ServerResponse) => this.handle(req, res);
    this.http = new HttpEmulator(['GET', 'PUT', 'HEAD', 'DELETE', 'POST'].map((method) => ({ method, pattern: /^\//, handle })));
  }

  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  reset(): void {
    this.s3Errors.length = 0;
    this.http.requests.length = 0;
    this.http.setFaults({});
  }

  private handle(req: EmulatorRequest, res: ServerResponse): Promise<EmulatorResponse | undefined> | EmulatorResponse {
    const fault = this.s3Errors.shift();
    if (fault) {
      return {
        status: fault.status,
        headers: { 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>${fault.code}</Message><RequestId>emulated</RequestId></Error>`,
      };
    }
    return this.forward(req, res);
  }

  private forward(req: EmulatorRequest, res: ServerResponse): Promise<undefined> {
    return new Promise((resolve, reject) => {
      const query = req.query.toString();
      const headers: OutgoingHttpHeaders = { ...req.headers, host: this.upstream.host };
      const outgoing = request(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: req.method,
          // HttpEmulator hands over the decoded path: re-encode it the way S3 clients do (RFC 3986).
          path: `${req.path.split('/').map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`,
          headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', () => resolve(undefined));
          answer.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  }
}
