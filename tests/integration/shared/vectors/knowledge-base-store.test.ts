import {
  BedrockAgentClient,
  type IngestKnowledgeBaseDocumentsCommandInput,
  IngestKnowledgeBaseDocumentsCommand,
  type KnowledgeBaseDocument,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-bedrock-agent';
import { BedrockAgentRuntimeClient, type RetrieveCommandInput } from '@aws-sdk/client-bedrock-agent-runtime';
import { awsClientOptions } from '../../../../shared/aws/client-options';
import { type AppConfig, loadConfig } from '../../../../shared/config/config';
import { ConfigurationError, DependencyUnavailableError, IndexConsistencyError, ThrottlingError, ValidationError } from '../../../../shared/errors';
import { createKnowledgeBaseStore, customDocumentId, KnowledgeBaseStore } from '../../../../shared/vectors/knowledge-base-store';
import type { VectorStore } from '../../../../shared/vectors/vector-store';
import { makeChunk } from '../../../contract/fixtures';
import { describeVectorStoreContract } from '../../../contract/vector-store.contract';
import { fastRetries, useFakeAwsCredentials } from '../../../emulators/aws-test-env';
import { BedrockAgentEmulator } from '../../../emulators/bedrock-agent-emulator';
import { BedrockAgentRuntimeEmulator } from '../../../emulators/bedrock-agent-runtime-emulator';
import { KnowledgeBaseDocuments } from '../../../emulators/knowledge-base-documents';

const KB_ID = 'KBSTORE001';
const DIMS = 8;

/** The inline attributes of an ingested document as a plain record. */
function attributesOf(document: KnowledgeBaseDocument | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (document?.metadata?.inlineAttributes ?? []).map((a) => [a.key, a.value?.stringValue ?? a.value?.numberValue ?? a.value?.booleanValue]),
  );
}

describe('KnowledgeBaseStore over the Bedrock Agent and Agent Runtime wire formats', () => {
  useFakeAwsCredentials();
  const documents = new KnowledgeBaseDocuments();
  const agent = new BedrockAgentEmulator(documents);
  const runtime = new BedrockAgentRuntimeEmulator({ documents });
  let agentEndpoint = '';
  let runtimeEndpoint = '';
  let dataSourceCounter = 0;

  beforeAll(async () => {
    [agentEndpoint, runtimeEndpoint] = await Promise.all([agent.start(), runtime.start()]);
  });
  afterAll(async () => {
    await Promise.all([agent.stop(), runtime.stop()]);
  });
  beforeEach(() => {
    agent.reset();
    runtime.reset();
  });

  /** A fresh CUSTOM data source with chunking NONE (unless told otherwise) in the test knowledge base. */
  const freshDataSource = (options: Parameters<KnowledgeBaseDocuments['createDataSource']>[2] = {}): string => {
    dataSourceCounter += 1;
    const dataSourceId = `DS${String(dataSourceCounter).padStart(8, '0')}`;
    documents.createDataSource(KB_ID, dataSourceId, options);
    return dataSourceId;
  };

  const config = (dataSourceId: string, env: Record<string, string> = {}): AppConfig =>
    loadConfig({
      AWS_REGION: 'us-east-1',
      RAG_VECTOR_STORE: 'knowledge-base',
      RAG_KNOWLEDGE_BASE_ID: KB_ID,
      RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID: dataSourceId,
      RAG_BEDROCK_AGENT_BUILD_ENDPOINT: agentEndpoint,
      RAG_BEDROCK_AGENT_ENDPOINT: runtimeEndpoint,
      RAG_DOCUMENTS_BUCKET: 'rag-docs',
      RAG_AWS_MAX_ATTEMPTS: '2',
      RAG_KNOWLEDGE_BASE_POLL_INTERVAL_MS: '5',
      RAG_KNOWLEDGE_BASE_INDEXING_TIMEOUT_SECONDS: '5',
      ...env,
    });

  /** Real SDK clients with 1 ms retry delays. */
  const clients = (c: AppConfig) => ({
    agent: new BedrockAgentClient({ ...awsClientOptions(c, c.aws.bedrockAgentBuildEndpoint), retryStrategy: fastRetries(c.aws.maxAttempts) }),
    runtime: new BedrockAgentRuntimeClient({ ...awsClientOptions(c, c.aws.bedrockAgentEndpoint), retryStrategy: fastRetries(c.aws.maxAttempts) }),
  });

  const freshStore = (dataSourceId = freshDataSource()): VectorStore => {
    const c = config(dataSourceId);
    return createKnowledgeBaseStore(c, clients(c));
  };

  /** A store with a short bounded wait, for the timeout cases. */
  const storeWithWait = (dataSourceId: string, timeoutMs: number): VectorStore => {
    const c = config(dataSourceId);
    return new KnowledgeBaseStore({ ...clients(c), knowledgeBaseId: KB_ID, dataSourceId, indexing: { timeoutMs, pollIntervalMs: 5 } });
  };

  describeVectorStoreContract(
    'KnowledgeBaseStore (emulated Bedrock Agent + Agent Runtime)',
    async () => ({ store: freshStore(), dimensions: DIMS, cleanup: async () => {} }),
    {
      searchesBy: 'text',
    },
  );

  it('works through the factory with the production client options (happy path)', async () => {
    // Prepare
    const store = createKnowledgeBaseStore(config(freshDataSource()));
    // Act
    await store.upsert([makeChunk(DIMS, { id: 'c1', text: 'The observatory opens at dusk.', vector: [] })]);
    const hits = await store.query({ tenant: 'tenant-a', vector: [], text: 'When does the observatory open?', topK: 3 });
    // Assess
    expect(hits.map((h) => h.chunk.id)).toEqual(['c1']);
  });

  it('ingests each chunk as one inline CUSTOM document, id tenant/document/fingerprint/chunk, with the metadata filters and citations read', async () => {
    // Prepare
    const store = freshStore();
    const chunk = makeChunk(DIMS, { id: 'kb-1', key: 'tenant-a/policies/leave.md', text: 'Leave is 25 days.', vector: [] });
    // Act
    await store.upsert([chunk]);
    // Assess
    const [call] = agent.callsOf('IngestKnowledgeBaseDocuments');
    const [document] = (call?.body as IngestKnowledgeBaseDocumentsCommandInput | undefined)?.documents ?? [];
    expect(document?.content).toEqual({
      dataSourceType: 'CUSTOM',
      custom: {
        customDocumentIdentifier: { id: `tenant-a/${chunk.documentId}/${chunk.fingerprint}/kb-1` },
        sourceType: 'IN_LINE',
        inlineContent: { type: 'TEXT', textContent: { data: 'Leave is 25 days.' } },
      },
    });
    expect(document?.metadata?.type).toBe('IN_LINE_ATTRIBUTE');
    expect(attributesOf(document)).toEqual({
      tenant: 'tenant-a',
      documentId: chunk.documentId,
      key: 'tenant-a/policies/leave.md',
      contentType: chunk.contentType,
      fingerprint: chunk.fingerprint,
      version: chunk.version,
      chunkId: 'kb-1',
      p1: 'tenant-a',
      p2: 'policies',
      sourceUri: 's3://rag-docs/tenant-a/policies/leave.md',
      section: chunk.location.section,
      title: chunk.title,
      chunkIndex: chunk.index,
      start: chunk.location.start,
      end: chunk.location.end,
      page: chunk.location.page,
    });
  });

  it('sends at most 10 documents per Ingest and 10 identifiers per Get, as the API model allows', async () => {
    // Prepare
    const store = freshStore();
    const chunks = Array.from({ length: 23 }, (_, i) => makeChunk(DIMS, { id: `b${i}`, index: i, vector: [] }));
    // Act
    await store.upsert(chunks);
    // Assess
    const ingestSizes = agent.callsOf('IngestKnowledgeBaseDocuments').map((c) => (c.body.documents as unknown[]).length);
    expect(ingestSizes).toEqual([10, 10, 3]);
    for (const get of agent.callsOf('GetKnowledgeBaseDocuments')) expect((get.body.documentIdentifiers as unknown[]).length).toBeLessThanOrEqual(10);
    expect(await store.count('tenant-a')).toBe(23);
  });

  it('returns from upsert only once the Knowledge Base has indexed every document (asynchronous indexing)', async () => {
    // Prepare
    const dataSourceId = freshDataSource();
    const store = freshStore(dataSourceId);
    documents.latency.indexMs = 80;
    const started = Date.now();
    // Act
    await store.upsert([makeChunk(DIMS, { id: 'slow', vector: [] })]);
    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    expect(documents.stored(KB_ID, dataSourceId).map((d) => d.status)).toEqual(['INDEXED']);
    expect(agent.callsOf('GetKnowledgeBaseDocuments').length).toBeGreaterThan(2);
  });

  it('waits for chunks still being indexed instead of reporting them missing (a retried batch does not send them again)', async () => {
    // Prepare: an upsert whose bounded wait ran out leaves its document indexing
    const dataSourceId = freshDataSource();
    documents.latency.indexMs = 100;
    const chunk = makeChunk(DIMS, { id: 'pending', vector: [] });
    await expect(storeWithWait(dataSourceId, 10).upsert([chunk])).rejects.toThrow(DependencyUnavailableError);
    const generation = { tenant: chunk.tenant, documentId: chunk.documentId, fingerprint: chunk.fingerprint };
    // Act
    const indexed = await freshStore(dataSourceId).indexedChunkIds?.(generation, ['pending', 'never-sent']);
    // Assess
    expect(indexed).toEqual(['pending']);
    expect(documents.stored(KB_ID, dataSourceId).map((d) => d.status)).toEqual(['INDEXED']);
    expect(agent.callsOf('IngestKnowledgeBaseDocuments')).toHaveLength(1);
  });

  it('gives up waiting with a retryable DependencyUnavailableError when indexing outlasts the bounded wait', async () => {
    // Prepare
    const dataSourceId = freshDataSource();
    const store = storeWithWait(dataSourceId, 60);
    documents.latency.indexMs = Number.POSITIVE_INFINITY;
    // Act
    const attempt = store.upsert([makeChunk(DIMS, { id: 'stuck', vector: [] })]);
    // Assess
    await expect(attempt).rejects.toThrow(DependencyUnavailableError);
    await expect(attempt).rejects.toThrow(/still indexing 1 of 1/);
  });

  it('fails with IndexConsistencyError naming the status and reason when the Knowledge Base does not index a document', async () => {
    // Prepare
    const store = freshStore();
    documents.failIndexing = (document) => (document.text.includes('broken') ? 'Embedding model rejected the content' : undefined);
    // Act
    const attempt = store.upsert([makeChunk(DIMS, { id: 'ok', vector: [] }), makeChunk(DIMS, { id: 'bad', text: 'broken text', vector: [] })]);
    // Assess
    await expect(attempt).rejects.toThrow(IndexConsistencyError);
    await expect(attempt).rejects.toThrow(/1 of 2 documents \(FAILED: Embedding model rejected the content\)/);
  });

  it('waits for deletes to finish, so a deleted document is no longer retrieved', async () => {
    // Prepare
    const dataSourceId = freshDataSource();
    const store = freshStore(dataSourceId);
    await store.upsert([makeChunk(DIMS, { id: 'gone', documentId: 'doc-gone', text: 'The ferry leaves at noon.', vector: [] })]);
    documents.latency.deleteMs = 60;
    // Act
    await store.deleteDocument('tenant-a', 'doc-gone');
    // Assess
    expect(documents.stored(KB_ID, dataSourceId)).toEqual([]);
    expect(await store.query({ tenant: 'tenant-a', vector: [], text: 'When does the ferry leave?', topK: 5 })).toEqual([]);
    expect(agent.callsOf('DeleteKnowledgeBaseDocuments')).toHaveLength(1);
  });

  it('refuses a data source that would re-chunk or cannot take inline documents, before ingesting anything', async () => {
    // Prepare
    const fixedSize = freshStore(freshDataSource({ chunkingStrategy: 'FIXED_SIZE', maxTokens: 50 }));
    const defaultChunking = freshStore(freshDataSource({ chunkingStrategy: null }));
    const s3 = freshStore(freshDataSource({ type: 'S3' }));
    const chunk = makeChunk(DIMS, { id: 'x', vector: [] });
    // Act
    const attempts = [fixedSize.upsert([chunk]), defaultChunking.upsert([chunk]), s3.upsert([chunk])];
    // Assess
    await expect(attempts[0]).rejects.toThrow(/chunking strategy NONE/);
    await expect(attempts[1]).rejects.toThrow(ConfigurationError);
    await expect(attempts[2]).rejects.toThrow(/needs a CUSTOM data source/);
    expect(agent.callsOf('IngestKnowledgeBaseDocuments')).toHaveLength(0);
  });

  it('searches with Retrieve by text, SEMANTIC, always under the tenant filter', async () => {
    // Prepare
    const store = freshStore();
    await store.upsert([makeChunk(DIMS, { id: 'q1', key: 'tenant-a/docs/a.md', vector: [] })]);
    // Act
    await store.query({ tenant: 'tenant-a', vector: [], text: 'chunk', topK: 4, filter: { documentIds: ['doc-1'], keyPrefix: 'tenant-a/docs/' } });
    // Assess
    const retrieve = runtime.callsOf('Retrieve').at(-1)?.body as RetrieveCommandInput | undefined;
    expect(retrieve?.retrievalQuery).toEqual({ text: 'chunk' });
    expect(retrieve?.retrievalConfiguration?.vectorSearchConfiguration).toEqual({
      numberOfResults: 4,
      overrideSearchType: 'SEMANTIC',
      filter: {
        andAll: [
          { equals: { key: 'tenant', value: 'tenant-a' } },
          { in: { key: 'documentId', value: ['doc-1'] } },
          { equals: { key: 'p1', value: 'tenant-a' } },
          { equals: { key: 'p2', value: 'docs' } },
        ],
      },
    });
    for (const call of runtime.callsOf('Retrieve')) expect(JSON.stringify(call.body)).toContain('"key":"tenant"');
  });

  it('post-filters a key prefix that ends inside a folder name, over an over-fetched result', async () => {
    // Prepare
    const store = freshStore();
    await store.upsert([
      makeChunk(DIMS, { id: 'pol', key: 'tenant-a/policies/leave.md', vector: [] }),
      makeChunk(DIMS, { id: 'pro', key: 'tenant-a/projects/plan.md', vector: [] }),
    ]);
    // Act
    const hits = await store.query({ tenant: 'tenant-a', vector: [], text: 'chunk', topK: 5, filter: { keyPrefix: 'tenant-a/pol' } });
    // Assess
    expect(hits.map((h) => h.chunk.id)).toEqual(['pol']);
    const retrieve = runtime.callsOf('Retrieve').at(-1)?.body as RetrieveCommandInput | undefined;
    expect(retrieve?.retrievalConfiguration?.vectorSearchConfiguration?.numberOfResults).toBe(20);
  });

  it('rejects a query without text before calling the service: the Knowledge Base embeds the query itself', async () => {
    // Prepare
    const store = freshStore();
    // Act
    const attempt = store.query({ tenant: 'tenant-a', vector: [0.1, 0.2], topK: 3 });
    // Assess
    await expect(attempt).rejects.toThrow(ValidationError);
    expect(runtime.callsOf('Retrieve')).toHaveLength(0);
  });

  it('rejects a chunk over a service limit before sending anything, naming the chunk', async () => {
    // Prepare
    const store = freshStore();
    const longTitle = makeChunk(DIMS, { id: 'long', title: 't'.repeat(2049), vector: [] });
    // Act
    const attempt = store.upsert([makeChunk(DIMS, { id: 'fine', vector: [] }), longTitle]);
    // Assess
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(/Chunk long: metadata "title" is 2049 characters/);
    expect(agent.callsOf('IngestKnowledgeBaseDocuments')).toHaveLength(0);
  });

  it('retries a throttled call and surfaces ThrottlingError when throttling outlasts the retries', async () => {
    // Prepare
    const store = freshStore();
    agent.setFaults({ next: [{ status: 429, code: 'ThrottlingException' }] });
    // Act
    await store.upsert([makeChunk(DIMS, { id: 'retried', vector: [] })]);
    agent.setFaults({ next: Array.from({ length: 2 }, () => ({ status: 429, code: 'ThrottlingException' })) });
    const throttled = store.count();
    // Assess
    await expect(throttled).rejects.toThrow(ThrottlingError);
    expect(agent.http.requests.filter((r) => r.status === 429)).toHaveLength(3);
    expect(await store.count('tenant-a')).toBe(1);
  });

  it('fails at start on missing or malformed configuration, naming the variable', () => {
    // Prepare
    const base = { AWS_REGION: 'us-east-1', RAG_VECTOR_STORE: 'knowledge-base', RAG_KNOWLEDGE_BASE_ID: KB_ID };
    // Act
    const missing = () => loadConfig(base);
    const malformed = () => loadConfig({ ...base, RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID: 'not-an-id' });
    // Assess
    expect(missing).toThrow(ConfigurationError);
    expect(missing).toThrow(/RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID/);
    expect(malformed).toThrow(/RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID/);
  });

  describe('the Bedrock Agent emulator enforces the service rules the store relies on', () => {
    const sdk = () => {
      const c = config('DS00000000');
      return clients(c).agent;
    };
    const inlineDocument = (id: string): KnowledgeBaseDocument => ({
      content: {
        dataSourceType: 'CUSTOM',
        custom: { customDocumentIdentifier: { id }, sourceType: 'IN_LINE', inlineContent: { type: 'TEXT', textContent: { data: 'text' } } },
      },
    });

    it('rejects more than 10 documents in one Ingest', async () => {
      // Prepare
      const dataSourceId = freshDataSource();
      const documentsToSend = Array.from({ length: 11 }, (_, i) => inlineDocument(`d${i}`));
      // Act
      const attempt = sdk().send(new IngestKnowledgeBaseDocumentsCommand({ knowledgeBaseId: KB_ID, dataSourceId, documents: documentsToSend }));
      // Assess
      await expect(attempt).rejects.toThrow(ValidationException);
      expect(documents.stored(KB_ID, dataSourceId)).toEqual([]);
    });

    it('rejects inline content for an S3 data source, and S3-located metadata for inline content', async () => {
      // Prepare
      const s3DataSource = freshDataSource({ type: 'S3' });
      const custom = freshDataSource();
      const withS3Metadata: KnowledgeBaseDocument = { ...inlineDocument('m'), metadata: { type: 'S3_LOCATION', s3Location: { uri: 's3://b/m.json' } } };
      // Act
      const inlineIntoS3 = sdk().send(
        new IngestKnowledgeBaseDocumentsCommand({
          knowledgeBaseId: KB_ID,
          dataSourceId: s3DataSource,
          documents: [{ content: { ...inlineDocument('x').content, dataSourceType: 'S3' } }],
        }),
      );
      const mixedMethods = sdk().send(new IngestKnowledgeBaseDocumentsCommand({ knowledgeBaseId: KB_ID, dataSourceId: custom, documents: [withS3Metadata] }));
      // Assess
      await expect(inlineIntoS3).rejects.toThrow(/Only a CUSTOM data source accepts documents defined inline/);
      await expect(mixedMethods).rejects.toThrow(/metadata.type must be IN_LINE_ATTRIBUTE/);
    });

    it('answers 404 ResourceNotFoundException for an unknown data source', async () => {
      // Prepare
      const client = sdk();
      // Act
      const attempt = client.send(
        new IngestKnowledgeBaseDocumentsCommand({ knowledgeBaseId: KB_ID, dataSourceId: 'NOSUCHDS00', documents: [inlineDocument('a')] }),
      );
      // Assess
      await expect(attempt).rejects.toThrow(ResourceNotFoundException);
    });

    it('replays a repeated clientToken without ingesting again', async () => {
      // Prepare
      const dataSourceId = freshDataSource();
      const client = sdk();
      const clientToken = 'a'.repeat(40);
      await client.send(new IngestKnowledgeBaseDocumentsCommand({ knowledgeBaseId: KB_ID, dataSourceId, clientToken, documents: [inlineDocument('first')] }));
      // Act
      const replay = await client.send(
        new IngestKnowledgeBaseDocumentsCommand({ knowledgeBaseId: KB_ID, dataSourceId, clientToken, documents: [inlineDocument('second')] }),
      );
      // Assess
      expect(replay.documentDetails?.map((d) => d.identifier?.custom?.id)).toEqual(['first']);
      expect(documents.stored(KB_ID, dataSourceId).map((d) => d.id)).toEqual(['first']);
      expect(replay.documentDetails?.[0]?.updatedAt).toBeInstanceOf(Date);
    });

    it('keeps custom ids tenant-scoped: the same chunk id of two tenants is two documents', () => {
      // Prepare
      const generation = { documentId: 'doc', fingerprint: 'fp' };
      // Act
      const a = customDocumentId({ ...generation, tenant: 'tenant-a' }, 'c1');
      const b = customDocumentId({ ...generation, tenant: 'tenant-b' }, 'c1');
      // Assess
      expect(a).not.toBe(b);
    });
  });
});
