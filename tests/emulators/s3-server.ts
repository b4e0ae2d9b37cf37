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
const fs = require('node:fs/promises');
const nodePath = require('node:path');
const { createHash, randomBytes } = require('node:crypto');
// S3 makes a PUT visible whole or not at all. s3rver's filesystem store answers a PUT before the bytes are
// flushed and writes in place, so a GET racing a PUT (a duplicate event reading the manifest a running
// ingestion rewrites) can read a torn file. Write to a temporary file, then rename: atomic on POSIX.
const FilesystemStore = require(nodePath.join(nodePath.dirname(require.resolve(process.argv[1])), 'stores', 'filesystem.js'));
FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.mkdir(nodePath.dirname(objectPath), { recursive: true });
  const chunks = [];
  if (Buffer.isBuffer(object.content)) chunks.push(object.content);
  else for await (const chunk of object.content) chunks.push(Buffer.from(chunk));
  const content = Buffer.concat(chunks);
  const md5 = createHash('md5').update(content).digest('hex');
  const temporary = objectPath + '.' + randomBytes(6).toString('hex') + '.tmp';
  await fs.writeFile(temporary, content);
  await fs.rename(temporary, objectPath);
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size: content.length, md5 };
};
// A GET sizes the object from one stat and reads it from a later open: a PUT landing in between gives a
// torn read. Read the bytes from one open file instead (a rename leaves an opened file intact), and
// describe what was read.
const { Readable } = require('node:stream');
const S3Object = require(nodePath.join(nodePath.dirname(require.resolve(process.argv[1])), 'models', 'object.js'));
const originalGetObject = FilesystemStore.prototype.getObject;
FilesystemStore.prototype.getObject = async function getObject(bucket, key, options) {
  if (options && (options.start !== undefined || options.end !== undefined)) return originalGetObject.call(this, bucket, key, options);
  let content;
  try {
    content = await fs.readFile(this.getResourcePath(bucket, key, 'object'));
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
  const metadata = await this.getMetadata(bucket, key).catch((err) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!metadata) return null;
  const md5 = createHash('md5').update(content).digest('hex');
  return new S3Object(bucket, key, Readable.from([content]), { ...metadata, etag: JSON.stringify(md5), 'content-length': content.length });
};
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
