import { CreateIndexCommand, CreateVectorBucketCommand, ListVectorsCommand, S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { DependencyUnavailableError, ValidationError } from '../../../../shared/errors';
import { S3_VECTORS_LIMITS } from '../../../../shared/vectors/chunk-metadata';
import { createS3VectorsStore, S3_VECTORS_NON_FILTERABLE_KEYS, S3VectorsStore } from '../../../../shared/vectors/s3-vectors-store';
import { makeChunk } from '../../../contract/fixtures';
import { describeVectorStoreContract } from '../../../contract/vector-store.contract';
import { useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { MOTO_CREDENTIALS, motoClientOptions, motoConfig, motoEndpoint, uniqueName } from '../../harness/moto-env';

const DIMS = 8;

/** Records the input of every command the client sends, by command name ("PutVectors"). */
function recordCommands(client: S3VectorsClient): (command: string) => Record<string, unknown>[] {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ command: String(context.commandName).replace(/Command$/, ''), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return (command) => calls.filter((call) => call.command === command).map((call) => call.input);
}

/**
 * S3VectorsStore through the real SDK client against moto's S3 Vectors. moto 5.2.1 has buckets,
 * indexes and Put/Get/List/DeleteVectors but no QueryVectors (moto/s3vectors/urls.py), so the
 * contract runs without its query cases; those stay proven against tests/emulators/s3vectors-emulator.ts.
 */
describe('S3VectorsStore against moto_server', () => {
  const client = new S3VectorsClient(motoClientOptions());
  const vectorBucketName = uniqueName('rag-vectors');
  let indexCounter = 0;

  beforeAll(async () => {
    await client.send(new CreateVectorBucketCommand({ vectorBucketName }));
  });

  /** A fresh index laid out as the stack creates it (cosine, our non-filterable keys). */
  const createIndex = async (dimension = DIMS): Promise<string> => {
    indexCounter += 1;
    const indexName = `chunks-${indexCounter}`;
    await client.send(
      new CreateIndexCommand({
        vectorBucketName,
        indexName,
        dataType: 'float32',
        dimension,
        distanceMetric: 'cosine',
        metadataConfiguration: { nonFilterableMetadataKeys: [...S3_VECTORS_NON_FILTERABLE_KEYS] },
      }),
    );
    return indexName;
  };

  const storeOn = (indexName: string): S3VectorsStore => new S3VectorsStore({ client, vectorBucketName, indexName, dimensions: DIMS });

  describeVectorStoreContract(
    'S3VectorsStore (moto S3 Vectors)',
    async () => ({ store: storeOn(await createIndex()), dimensions: DIMS, cleanup: async () => {} }),
    { query: false },
  );

  it('splits writes, reads and deletes into batches no larger than the service accepts', async () => {
    // Prepare: moto does not enforce the batch limits, so the requests are recorded and checked here.
    const recording = new S3VectorsClient(motoClientOptions());
    const sent = recordCommands(recording);
    const store = new S3VectorsStore({ client: recording, vectorBucketName, indexName: await createIndex(), dimensions: DIMS });
    const count = S3_VECTORS_LIMITS.putBatch + 1;
    const chunks = Array.from({ length: count }, (_, index) => makeChunk(DIMS, { id: `big-${index}`, documentId: 'big', index }));
    // Act
    await store.upsert(chunks);
    const read = await store.getChunks(
      'tenant-a',
      chunks.map((chunk) => chunk.id),
    );
    await store.deleteDocument('tenant-a', 'big');
    // Assess
    expect(read).toHaveLength(count);
    expect(await store.count()).toBe(0);
    expect(sent('PutVectors').map((input) => (input.vectors as unknown[]).length)).toEqual([500, 1]);
    expect(sent('GetVectors').map((input) => (input.keys as unknown[]).length)).toEqual([100, 100, 100, 100, 100, 1]);
    expect(sent('DeleteVectors').map((input) => (input.keys as unknown[]).length)).toEqual([500, 1]);
  });

  it('stores numbers as numbers and the Knowledge Base keys, as the service returns them', async () => {
    // Prepare
    const indexName = await createIndex();
    const store = storeOn(indexName);
    const chunk = makeChunk(DIMS, { id: 'kb-1', key: 'tenant-a/policies/leave.md', text: 'Leave is 25 days.', index: 4 });
    // Act
    await store.upsert([chunk]);
    // Assess: read back over the wire, not from an emulator's memory.
    const listed = await client.send(new ListVectorsCommand({ vectorBucketName, indexName, returnMetadata: true }));
    const metadata = (listed.vectors?.[0]?.metadata ?? {}) as Record<string, unknown>;
    expect(metadata).toMatchObject({ tenant: 'tenant-a', p1: 'tenant-a', p2: 'policies', AMAZON_BEDROCK_TEXT: 'Leave is 25 days.', chunkIndex: 4, start: 400 });
    expect(JSON.parse(String(metadata.AMAZON_BEDROCK_METADATA))).toMatchObject({ source: 'tenant-a/policies/leave.md', documentId: chunk.documentId });
  });

  it('maps the service rejecting a vector of the wrong dimension to ValidationError', async () => {
    // Prepare: the index holds 4 dimensions, the store was configured with 8.
    const store = storeOn(await createIndex(4));
    // Act
    const attempt = store.upsert([makeChunk(DIMS, { id: 'wrong-dims' })]);
    // Assess
    await expect(attempt).rejects.toThrow(ValidationError);
  });

  it('maps a missing index to DependencyUnavailableError naming the service error', async () => {
    // Prepare
    const store = storeOn('never-created');
    // Act
    const attempt = store.getChunks('tenant-a', ['x']);
    // Assess
    await expect(attempt).rejects.toThrow(DependencyUnavailableError);
    await expect(attempt).rejects.toThrow(/NotFoundException/);
  });

  describe('through the factory', () => {
    useFakeAwsCredentials(MOTO_CREDENTIALS);

    it('uses the configured endpoint, bucket and index, with the documents bucket as source', async () => {
      // Prepare
      const indexName = await createIndex();
      const config = motoConfig({
        RAG_VECTOR_STORE: 's3vectors',
        RAG_S3VECTORS_ENDPOINT: motoEndpoint(),
        RAG_S3VECTORS_BUCKET: vectorBucketName,
        RAG_S3VECTORS_INDEX: indexName,
        RAG_DOCUMENTS_BUCKET: 'rag-docs',
      });
      const store = createS3VectorsStore(config, DIMS);
      // Act
      await store.upsert([makeChunk(DIMS, { id: 'f-1', key: 'tenant-a/a.md' })]);
      // Assess
      expect((await store.getChunks('tenant-a', ['f-1'])).map((chunk) => chunk.id)).toEqual(['f-1']);
      const listed = await client.send(new ListVectorsCommand({ vectorBucketName, indexName, returnMetadata: true }));
      const metadata = (listed.vectors?.[0]?.metadata ?? {}) as Record<string, unknown>;
      expect(JSON.parse(String(metadata.AMAZON_BEDROCK_METADATA))).toMatchObject({ source: 's3://rag-docs/tenant-a/a.md' });
    });
  });
});
