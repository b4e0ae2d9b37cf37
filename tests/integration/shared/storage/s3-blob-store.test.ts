import { S3Client } from '@aws-sdk/client-s3';
import { awsClientOptions } from '../../../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../../../shared/config/config';
import { ConfigurationError, DependencyUnavailableError, NotFoundError, ThrottlingError } from '../../../../shared/errors';
import type { BlobStore } from '../../../../shared/storage/blob-store';
import { createS3BlobStore, S3BlobStore } from '../../../../shared/storage/s3-blob-store';
import { describeBlobStoreContract } from '../../../contract/blob-store.contract';
import { fastRetries, useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { type RunningS3Server, S3FaultProxy, S3RVER_CREDENTIALS, startS3Server } from '../../../emulators/s3-server';

const BUCKET = 'rag-documents';

describe('S3BlobStore against a real S3-compatible server (s3rver)', () => {
  useFakeAwsCredentials(S3RVER_CREDENTIALS);
  let server: RunningS3Server;
  let proxy: S3FaultProxy;
  let proxyEndpoint = '';
  let storeCounter = 0;

  beforeAll(async () => {
    server = await startS3Server([BUCKET]);
    proxy = new S3FaultProxy(server.endpoint);
    proxyEndpoint = await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
    await server.stop();
  });
  beforeEach(() => proxy.reset());

  const config = (endpoint: string): AppConfig =>
    loadConfig({ AWS_REGION: 'us-east-1', RAG_S3_ENDPOINT: endpoint, RAG_S3_FORCE_PATH_STYLE: 'true', RAG_AWS_MAX_ATTEMPTS: '2' });

  /** A store behind the fault proxy, with 1 ms SDK retry delays, under its own key prefix. */
  const faultyStore = (): BlobStore => {
    const c = config(proxyEndpoint);
    const client = new S3Client({ ...awsClientOptions(c, c.aws.s3Endpoint), forcePathStyle: true, retryStrategy: fastRetries(c.aws.maxAttempts) });
    storeCounter += 1;
    return createS3BlobStore(c, BUCKET, client, `faults-${storeCounter}/`);
  };

  describeBlobStoreContract('S3BlobStore (s3rver)', async () => {
    // Each test gets its own key prefix inside the one bucket, so tests never see each other's keys.
    storeCounter += 1;
    const c = config(server.endpoint);
    const keyPrefix = `contract-${storeCounter}/`;
    const store = new S3BlobStore({ client: new S3Client({ ...awsClientOptions(c, c.aws.s3Endpoint), forcePathStyle: true }), bucket: BUCKET, keyPrefix });
    return { store, cleanup: async () => {}, locationOf: (key: string) => `s3://${BUCKET}/${keyPrefix}${key}` };
  });

  it('works through the factory with the configured endpoint and path-style addressing', async () => {
    // Prepare
    const store = createS3BlobStore(config(server.endpoint), BUCKET);
    // Act
    await store.put('factory/a.txt', 'hello', { contentType: 'text/plain' });
    const body = await store.get('factory/a.txt');
    // Assess
    expect(body.toString('utf8')).toBe('hello');
    expect(store.uriFor('factory/a.txt')).toBe(`s3://${BUCKET}/factory/a.txt`);
    await store.delete('factory/a.txt');
    await expect(store.get('factory/a.txt')).rejects.toThrow(NotFoundError);
  });

  it('streams an object without buffering it', async () => {
    // Prepare
    const store = createS3BlobStore(config(server.endpoint), BUCKET) as S3BlobStore;
    const bytes = Buffer.alloc(256 * 1024, 7);
    await store.put('stream/big.bin', bytes);
    // Act
    const stream = await store.getStream('stream/big.bin');
    let size = 0;
    for await (const chunk of stream) size += (chunk as Buffer).length;
    // Assess
    expect(size).toBe(bytes.length);
  });

  it('uses ListObjectsV2 continuation tokens as the cursor', async () => {
    // Prepare
    const store = faultyStore();
    for (const name of ['a', 'b', 'c']) await store.put(`pages/${name}.txt`, name);
    // Act
    const first = await store.list('pages/', undefined, 2);
    const second = await store.list('pages/', first.nextCursor, 2);
    // Assess
    expect(first.items.map((i) => i.key)).toEqual(['pages/a.txt', 'pages/b.txt']);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(second.items.map((i) => i.key)).toEqual(['pages/c.txt']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('retries S3 SlowDown and then succeeds', async () => {
    // Prepare
    const store = faultyStore();
    await store.put('retry/a.txt', 'x');
    proxy.s3Errors.push({ status: 503, code: 'SlowDown' });
    // Act
    const body = await store.get('retry/a.txt');
    // Assess
    expect(body.toString('utf8')).toBe('x');
    expect(proxy.http.requests.filter((r) => r.method === 'GET').map((r) => r.status)).toEqual([503, 200]);
  });

  it('surfaces ThrottlingError when SlowDown outlasts the retries', async () => {
    // Prepare
    const store = faultyStore();
    proxy.s3Errors.push({ status: 503, code: 'SlowDown' }, { status: 503, code: 'SlowDown' });
    // Act
    const attempt = store.put('retry/b.txt', 'x');
    // Assess
    await expect(attempt).rejects.toThrow(ThrottlingError);
  });

  it('surfaces ThrottlingError when 429 outlasts the retries', async () => {
    // Prepare
    const store = faultyStore();
    proxy.http.setFaults({
      next: [
        { status: 429, code: 'ThrottlingException' },
        { status: 429, code: 'ThrottlingException' },
      ],
    });
    // Act
    const attempt = store.head('retry/c.txt');
    // Assess
    await expect(attempt).rejects.toThrow(ThrottlingError);
  });

  it('surfaces DependencyUnavailableError when 5xx outlasts the retries', async () => {
    // Prepare
    const store = faultyStore();
    proxy.s3Errors.push({ status: 500, code: 'InternalError' }, { status: 503, code: 'ServiceUnavailable' });
    // Act
    const attempt = store.list('retry/');
    // Assess
    await expect(attempt).rejects.toThrow(DependencyUnavailableError);
  });

  it('rejects an invalid bucket name at construction', () => {
    // Prepare
    const c = config(server.endpoint);
    // Act
    const build = () => createS3BlobStore(c, 'Not_A_Bucket');
    // Assess
    expect(build).toThrow(ConfigurationError);
  });
});
