import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { awsClientOptions } from '../../../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../../../shared/config/config';
import type { IndexedChunk } from '../../../../shared/documents/chunk';
import { ConfigurationError, DependencyUnavailableError, ThrottlingError, ValidationError } from '../../../../shared/errors';
import { buildS3VectorsFilter, createS3VectorsStore, S3_VECTORS_NON_FILTERABLE_KEYS, S3VectorsStore } from '../../../../shared/vectors/s3-vectors-store';
import type { VectorStore } from '../../../../shared/vectors/vector-store';
import { makeChunk, oneHot } from '../../../contract/fixtures';
import { describeVectorStoreContract } from '../../../contract/vector-store.contract';
import { fastRetries, useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { S3VectorsEmulator } from '../../../emulators/s3vectors-emulator';

const BUCKET = 'rag-vectors';
const DIMS = 8;

describe('S3VectorsStore over the S3 Vectors wire format', () => {
  useFakeAwsCredentials();
  const emulator = new S3VectorsEmulator();
  let endpoint = '';
  let indexCounter = 0;

  beforeAll(async () => {
    endpoint = await emulator.start();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  const config = (index: string, env: Record<string, string> = {}): AppConfig =>
    loadConfig({
      AWS_REGION: 'us-east-1',
      RAG_VECTOR_STORE: 's3vectors',
      RAG_S3VECTORS_ENDPOINT: endpoint,
      RAG_S3VECTORS_BUCKET: BUCKET,
      RAG_S3VECTORS_INDEX: index,
      RAG_DOCUMENTS_BUCKET: 'rag-docs',
      RAG_AWS_MAX_ATTEMPTS: '2',
      ...env,
    });

  /** A fresh index and a store whose real SDK client retries with 1 ms delays. */
  const freshStore = (): { store: VectorStore; index: string } => {
    indexCounter += 1;
    const index = `chunks-${indexCounter}`;
    emulator.createIndex(BUCKET, index, { dimension: DIMS, nonFilterableMetadataKeys: [...S3_VECTORS_NON_FILTERABLE_KEYS] });
    const c = config(index);
    const client = new S3VectorsClient({ ...awsClientOptions(c, c.aws.s3VectorsEndpoint), retryStrategy: fastRetries(c.aws.maxAttempts) });
    return { store: createS3VectorsStore(c, DIMS, client), index };
  };

  beforeEach(() => {
    emulator.calls.length = 0;
    emulator.http.requests.length = 0;
    emulator.setFaults({});
  });

  describeVectorStoreContract('S3VectorsStore (emulated S3 Vectors)', async () => {
    const { store } = freshStore();
    return { store, dimensions: DIMS, cleanup: async () => {} };
  });

  it('works through the factory with the production client options (happy path)', async () => {
    // Prepare
    indexCounter += 1;
    const index = `factory-${indexCounter}`;
    emulator.createIndex(BUCKET, index, { dimension: DIMS, nonFilterableMetadataKeys: [...S3_VECTORS_NON_FILTERABLE_KEYS] });
    const store = createS3VectorsStore(config(index), DIMS);
    // Act
    await store.upsert([makeChunk(DIMS, { id: 'c1', vector: oneHot(DIMS, 2) })]);
    const hits = await store.query({ tenant: 'tenant-a', vector: oneHot(DIMS, 2), topK: 3 });
    // Assess
    expect(hits.map((h) => h.chunk.id)).toEqual(['c1']);
    expect(hits[0]?.score).toBeCloseTo(1, 5);
  });

  it('follows QueryVectors nextToken until topK hits are read (the service pages results)', async () => {
    // Prepare: 12 chunks, a service that answers 5 per page.
    const { store } = freshStore();
    await store.upsert(Array.from({ length: 12 }, (_v, i) => makeChunk(DIMS, { id: `p${String(i).padStart(2, '0')}`, vector: oneHot(DIMS, i % DIMS) })));
    emulator.queryPageSize = 5;
    try {
      // Act
      const hits = await store.query({ tenant: 'tenant-a', vector: oneHot(DIMS, 0), topK: 12 });

      // Assess
      expect(hits).toHaveLength(12);
      expect(new Set(hits.map((h) => h.chunk.id)).size).toBe(12);
      const pages = emulator.calls.filter((c) => c.operation === 'QueryVectors');
      expect(pages).toHaveLength(3);
      expect(pages.slice(1).every((c) => typeof c.body.nextToken === 'string')).toBe(true);
    } finally {
      emulator.queryPageSize = 100;
    }
  });

  it('stores text and source under the keys a Bedrock Knowledge Base reads, and keeps filterable metadata small', async () => {
    // Prepare
    const { store, index } = freshStore();
    const chunk = makeChunk(DIMS, { id: 'kb-1', key: 'tenant-a/policies/leave.md', text: 'Leave is 25 days.' });
    // Act
    await store.upsert([chunk]);
    // Assess
    const [stored] = emulator.stored(BUCKET, index);
    const metadata = stored?.metadata ?? {};
    expect(metadata.AMAZON_BEDROCK_TEXT).toBe('Leave is 25 days.');
    expect(JSON.parse(String(metadata.AMAZON_BEDROCK_METADATA))).toMatchObject({ source: 's3://rag-docs/tenant-a/policies/leave.md' });
    expect(metadata).toMatchObject({ tenant: 'tenant-a', key: chunk.key, p1: 'tenant-a', p2: 'policies', chunkId: 'kb-1' });
    const filterable = Object.fromEntries(Object.entries(metadata).filter(([k]) => !(S3_VECTORS_NON_FILTERABLE_KEYS as readonly string[]).includes(k)));
    expect(Buffer.byteLength(JSON.stringify(filterable))).toBeLessThanOrEqual(2048);
  });

  it('always sends the tenant condition in QueryVectors, with or without request filters', async () => {
    // Prepare
    const { store } = freshStore();
    await store.upsert([makeChunk(DIMS, { id: 'x' })]);
    // Act
    await store.query({ tenant: 'tenant-a', vector: oneHot(DIMS, 0), topK: 5 });
    await store.query({
      tenant: 'tenant-a',
      vector: oneHot(DIMS, 0),
      topK: 5,
      filter: { documentIds: ['d1'], keyPrefix: 'tenant-a/docs/', contentTypes: ['text/markdown'] },
    });
    // Assess
    const filters = emulator.callsOf('QueryVectors').map((call) => call.body.filter);
    expect(filters[0]).toEqual({ tenant: { $eq: 'tenant-a' } });
    expect(filters[1]).toEqual({
      $and: [
        { tenant: { $eq: 'tenant-a' } },
        { documentId: { $in: ['d1'] } },
        { contentType: { $in: ['text/markdown'] } },
        { p1: { $eq: 'tenant-a' } },
        { p2: { $eq: 'docs' } },
      ],
    });
  });

  it('handles a key prefix ending inside a segment by over-fetching and post-filtering', async () => {
    // Prepare
    const { store } = freshStore();
    await store.upsert([
      makeChunk(DIMS, { id: 'pol', key: 'tenant-a/policies/leave.md', vector: oneHot(DIMS, 1) }),
      makeChunk(DIMS, { id: 'pom', key: 'tenant-a/poems/ode.md', vector: oneHot(DIMS, 1) }),
      makeChunk(DIMS, { id: 'gui', key: 'tenant-a/guides/setup.md', vector: oneHot(DIMS, 1) }),
    ]);
    // Act
    const hits = await store.query({ tenant: 'tenant-a', vector: oneHot(DIMS, 1), topK: 2, filter: { keyPrefix: 'tenant-a/pol' } });
    // Assess
    expect(hits.map((h) => h.chunk.id)).toEqual(['pol']);
    const [call] = emulator.callsOf('QueryVectors');
    expect(call?.body.topK).toBe(8);
    expect(buildS3VectorsFilter('tenant-a', { keyPrefix: 'tenant-a/pol' }).postFilterPrefix).toBe('tenant-a/pol');
  });

  it('writes in PutVectors batches of at most 500 and deletes a large document across ListVectors pages', async () => {
    // Prepare
    const { store, index } = freshStore();
    const chunks: IndexedChunk[] = Array.from({ length: 1201 }, (_, i) =>
      makeChunk(DIMS, { id: `big-${String(i).padStart(4, '0')}`, documentId: 'big', index: i }),
    );
    // Act
    await store.upsert(chunks);
    const counted = await store.countDocument('tenant-a', 'big');
    await store.deleteDocument('tenant-a', 'big');
    // Assess
    expect(emulator.callsOf('PutVectors').map((c) => (c.body.vectors as unknown[]).length)).toEqual([500, 500, 201]);
    expect(counted).toBe(1201);
    expect(emulator.callsOf('ListVectors').length).toBeGreaterThanOrEqual(4);
    expect(emulator.callsOf('DeleteVectors').map((c) => (c.body.keys as unknown[]).length)).toEqual([500, 500, 201]);
    expect(emulator.stored(BUCKET, index)).toHaveLength(0);
  });

  it('rejects, without writing anything, a chunk whose (valid, 1 KB) S3 key would overflow the 2 KB filterable metadata', async () => {
    // Prepare
    const { store } = freshStore();
    const ok = makeChunk(DIMS, { id: 'ok' });
    const tooLong = makeChunk(DIMS, { id: 'long', key: `tenant-a/${'x'.repeat(990)}/leave.md` });
    // Act
    const attempt = store.upsert([ok, tooLong]);
    // Assess
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(/chunk long .*2048/);
    expect(emulator.callsOf('PutVectors')).toHaveLength(0);
  });

  it('rejects a vector of the wrong dimension before calling the service', async () => {
    // Prepare
    const { store } = freshStore();
    // Act
    const attempt = store.query({ tenant: 'tenant-a', vector: [1, 0], topK: 1 });
    // Assess
    await expect(attempt).rejects.toThrow(ValidationError);
    expect(emulator.callsOf('QueryVectors')).toHaveLength(0);
  });

  it('retries a throttled request and then succeeds', async () => {
    // Prepare
    const { store } = freshStore();
    await store.upsert([makeChunk(DIMS, { id: 't1' })]);
    emulator.setFaults({ next: [{ status: 429, code: 'TooManyRequestsException' }] });
    // Act
    const hits = await store.query({ tenant: 'tenant-a', vector: oneHot(DIMS, 0), topK: 1 });
    // Assess
    expect(hits.map((h) => h.chunk.id)).toEqual(['t1']);
    expect(emulator.http.requests.filter((r) => r.path === '/QueryVectors').map((r) => r.status)).toEqual([429, 200]);
  });

  it('surfaces ThrottlingError when throttling outlasts the retries', async () => {
    // Prepare
    const { store } = freshStore();
    emulator.setFaults({
      next: [
        { status: 429, code: 'TooManyRequestsException' },
        { status: 429, code: 'TooManyRequestsException' },
      ],
    });
    // Act
    const attempt = store.query({ tenant: 'tenant-a', vector: oneHot(DIMS, 0), topK: 1 });
    // Assess
    await expect(attempt).rejects.toThrow(ThrottlingError);
  });

  it('surfaces DependencyUnavailableError when 5xx outlasts the retries', async () => {
    // Prepare
    const { store } = freshStore();
    emulator.setFaults({
      next: [
        { status: 503, code: 'ServiceUnavailableException' },
        { status: 500, code: 'InternalServerException' },
      ],
    });
    // Act
    const attempt = store.upsert([makeChunk(DIMS, { id: 'u1' })]);
    // Assess
    await expect(attempt).rejects.toThrow(DependencyUnavailableError);
    expect(emulator.http.requests.map((r) => r.status)).toEqual([503, 500]);
  });

  it('fails early with a clear error on missing configuration', () => {
    // Prepare
    const c = loadConfig({ AWS_REGION: 'us-east-1' });
    // Act
    const build = () => createS3VectorsStore(c, DIMS);
    // Assess
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(/RAG_S3VECTORS_BUCKET/);
    expect(() => new S3VectorsStore({ client: new S3VectorsClient({ region: 'us-east-1' }), vectorBucketName: 'b', indexName: 'i', dimensions: 0 })).toThrow(
      ConfigurationError,
    );
  });
});
