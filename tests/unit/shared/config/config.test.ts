import { DEFAULT_MIN_COVERAGE } from '../../../../shared/pipeline/relevance-floor';
import {
  answeringModels,
  DEV_API_TOKEN,
  EVENT_ENVELOPE_BYTES,
  isLoopbackHost,
  LAMBDA_SYNC_PAYLOAD_BYTES,
  loadConfig,
  MAX_UPLOAD_BYTES_LIMIT,
} from '../../../../shared/config/config';
import { ConfigurationError } from '../../../../shared/errors';

describe('loadConfig', () => {
  it('defaults to the embedded adapters on 127.0.0.1:3000 with data in .rag', () => {
    const config = loadConfig({});
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 3000 });
    expect(config.adapters).toEqual({
      blobStore: 'filesystem',
      conversationStore: 'sqlite',
      embedder: 'local',
      vectorStore: 'lancedb',
      reranker: 'none',
      generator: 'extractive',
      guardrail: 'local',
      workflows: 'local',
    });
    expect(config.local.dataDir.endsWith('.rag')).toBe(true);
    expect(config.local.documentsDir).toBe(`${config.local.dataDir}/documents`);
    expect(config.local.samples).toBe(true);
  });

  it('reads the documented knobs', () => {
    const config = loadConfig({ PORT: '4100', RAG_DATA_DIR: '/tmp/x', RAG_DOCUMENTS_DIR: '/tmp/docs', RAG_SAMPLES: 'off' });
    expect(config.server.port).toBe(4100);
    expect(config.local.dataDir).toBe('/tmp/x');
    expect(config.local.documentsDir).toBe('/tmp/docs');
    expect(config.local.samples).toBe(false);
  });

  it("sizes LanceDB's caches from RAG_LANCEDB_CACHE_MB: the index cache, and a quarter of it for metadata", () => {
    expect(loadConfig({}).local.lanceDbCacheBytes).toEqual({ index: 256 * 1024 * 1024, metadata: 64 * 1024 * 1024 });
    expect(loadConfig({ RAG_LANCEDB_CACHE_MB: '64' }).local.lanceDbCacheBytes).toEqual({ index: 64 * 1024 * 1024, metadata: 16 * 1024 * 1024 });
    expect(() => loadConfig({ RAG_LANCEDB_CACHE_MB: '4' })).toThrow(/RAG_LANCEDB_CACHE_MB/);
  });

  it('keeps LanceDB in the data folder unless an object-store URI is given', () => {
    expect(loadConfig({ RAG_DATA_DIR: '/tmp/x' }).local.vectorsUri).toBe('/tmp/x/vectors');
    expect(loadConfig({ RAG_LANCEDB_URI: 's3://my-bucket/rag' }).local.vectorsUri).toBe('s3://my-bucket/rag');
    expect(() => loadConfig({ RAG_LANCEDB_URI: 'http://example.com' })).toThrow(/RAG_LANCEDB_URI/);
  });

  it('names the variable that is malformed', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ RAG_TOP_K: '0' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ RAG_CHUNK_SIZE: '500', RAG_CHUNK_OVERLAP: '500' })).toThrow(/RAG_CHUNK_OVERLAP/);
  });

  it('requires region, buckets and model ids when AWS adapters are selected', () => {
    expect(() => loadConfig({ RAG_BLOB_STORE: 's3' })).toThrow(/AWS_REGION.*RAG_DOCUMENTS_BUCKET.*RAG_STATE_BUCKET/);
    expect(() => loadConfig({ RAG_EMBEDDER: 'bedrock-titan', AWS_REGION: 'us-east-1' })).toThrow(/RAG_EMBEDDING_MODEL_ID/);
  });

  it('rejects a malformed model id or region early', () => {
    expect(() => loadConfig({ RAG_EMBEDDER: 'bedrock-titan', AWS_REGION: 'us-east-1', RAG_EMBEDDING_MODEL_ID: 'not a model' })).toThrow(
      /RAG_EMBEDDING_MODEL_ID/,
    );
    expect(() => loadConfig({ AWS_REGION: 'mars' })).toThrow(/AWS_REGION/);
    const ok = loadConfig({
      RAG_GENERATOR: 'bedrock-converse',
      AWS_REGION: 'eu-west-1',
      RAG_GENERATION_MODEL_IDS: 'eu.anthropic.claude-3-5-haiku-20241022-v1:0, amazon.nova-lite-v1:0',
    });
    expect(ok.aws.generationModelIds).toEqual(['eu.anthropic.claude-3-5-haiku-20241022-v1:0', 'amazon.nova-lite-v1:0']);
  });

  it('caps API uploads so that the base64 body and the event fit in a synchronous Lambda payload (6 MB)', () => {
    // Prepare: HTTP API sends a binary body base64-encoded, 4 bytes for every 3.
    const eventBytes = (fileBytes: number) => Math.ceil(fileBytes / 3) * 4 + EVENT_ENVELOPE_BYTES;

    // Act
    const defaults = loadConfig({}).ingestion.maxUploadBytes;

    // Assess
    expect(eventBytes(defaults)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(eventBytes(MAX_UPLOAD_BYTES_LIMIT)).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(() => loadConfig({ RAG_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES_LIMIT + 1) })).toThrow(/RAG_MAX_UPLOAD_BYTES/);
    expect(loadConfig({ RAG_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES_LIMIT) }).ingestion.maxUploadBytes).toBe(MAX_UPLOAD_BYTES_LIMIT);
  });
});

/** Every AWS setting, valid, so that one can be removed or broken at a time. */
const AWS_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  RAG_DOCUMENTS_BUCKET: 'rag-documents',
  RAG_STATE_BUCKET: 'rag-state',
  RAG_EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
  RAG_S3VECTORS_BUCKET: 'rag-vectors',
  RAG_S3VECTORS_INDEX: 'chunks',
  RAG_KNOWLEDGE_BASE_ID: 'KB12345678',
  RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID: 'DS12345678',
  RAG_RERANK_MODEL_ARN: 'arn:aws:bedrock:eu-west-1::foundation-model/cohere.rerank-v3-5:0',
  RAG_GENERATION_MODEL_IDS: 'eu.anthropic.claude-3-5-haiku-20241022-v1:0,amazon.nova-lite-v1:0',
  RAG_GUARDRAIL_ID: 'gr0example1',
  RAG_INGEST_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:rag-ingest',
  RAG_QUERY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:rag-query',
  RAG_REINDEX_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:rag-reindex',
};

const only = (variables: readonly string[]): Record<string, string> => Object.fromEntries(variables.map((v) => [v, AWS_ENV[v] as string]));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('loadConfig: settings the selected AWS adapters need', () => {
  // Each AWS adapter, and what it cannot start without.
  const required: [switchName: string, value: string, variables: string[]][] = [
    ['RAG_BLOB_STORE', 's3', ['AWS_REGION', 'RAG_DOCUMENTS_BUCKET', 'RAG_STATE_BUCKET']],
    ['RAG_EMBEDDER', 'bedrock-titan', ['AWS_REGION', 'RAG_EMBEDDING_MODEL_ID']],
    ['RAG_EMBEDDER', 'bedrock-cohere', ['AWS_REGION', 'RAG_EMBEDDING_MODEL_ID']],
    ['RAG_VECTOR_STORE', 's3vectors', ['AWS_REGION', 'RAG_S3VECTORS_BUCKET', 'RAG_S3VECTORS_INDEX']],
    ['RAG_VECTOR_STORE', 'knowledge-base', ['AWS_REGION', 'RAG_KNOWLEDGE_BASE_ID', 'RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID']],
    ['RAG_RERANKER', 'bedrock', ['AWS_REGION', 'RAG_RERANK_MODEL_ARN']],
    ['RAG_GENERATOR', 'bedrock-converse', ['AWS_REGION', 'RAG_GENERATION_MODEL_IDS']],
    ['RAG_GENERATOR', 'bedrock-knowledge-base', ['AWS_REGION', 'RAG_GENERATION_MODEL_IDS', 'RAG_KNOWLEDGE_BASE_ID']],
    ['RAG_GUARDRAIL', 'bedrock', ['AWS_REGION', 'RAG_GUARDRAIL_ID']],
    ['RAG_WORKFLOWS', 'stepfunctions', ['AWS_REGION', 'RAG_INGEST_STATE_MACHINE_ARN', 'RAG_QUERY_STATE_MACHINE_ARN']],
  ];

  it.each(required)('%s=%s starts with exactly its settings', (switchName, value, variables) => {
    // Act
    const config = loadConfig({ [switchName]: value, ...only(variables) });
    // Assess
    expect(Object.values(config.adapters)).toContain(value);
  });

  it.each(required.flatMap(([switchName, value, variables]) => variables.map((missing) => [switchName, value, missing, variables] as const)))(
    '%s=%s without %s fails at start, naming the variable and the adapter that needs it',
    (switchName, value, missing, variables) => {
      // Prepare
      const env = { [switchName]: value, ...only(variables.filter((v) => v !== missing)) };
      // Act
      const load = () => loadConfig(env);
      // Assess
      expect(load).toThrow(ConfigurationError);
      expect(load).toThrow(new RegExp(`${missing}: is required by ${escapeRegExp(`${switchName}=${value}`)}`));
    },
  );

  it('names a missing setting once, with every selected adapter that needs it', () => {
    // Prepare
    const env = {
      RAG_VECTOR_STORE: 'knowledge-base',
      RAG_GENERATOR: 'bedrock-knowledge-base',
      ...only(['AWS_REGION', 'RAG_GENERATION_MODEL_IDS', 'RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID']),
    };
    // Act
    const load = () => loadConfig(env);
    // Assess
    expect(load).toThrow(/RAG_KNOWLEDGE_BASE_ID: is required by RAG_VECTOR_STORE=knowledge-base, RAG_GENERATOR=bedrock-knowledge-base$/);
  });

  it('counts a model list with no model in it as missing', () => {
    expect(() => loadConfig({ RAG_GENERATOR: 'bedrock-converse', AWS_REGION: 'eu-west-1', RAG_GENERATION_MODEL_IDS: ' , ' })).toThrow(
      /RAG_GENERATION_MODEL_IDS: is required by RAG_GENERATOR=bedrock-converse/,
    );
  });

  it('needs no AWS setting for the embedded adapters, even when some are set', () => {
    expect(loadConfig({ RAG_DOCUMENTS_BUCKET: 'rag-documents' }).aws.region).toBeUndefined();
  });
});

describe('loadConfig: rules across variables', () => {
  it('wants the chunk overlap smaller than the chunk size', () => {
    expect(loadConfig({ RAG_CHUNK_SIZE: '500', RAG_CHUNK_OVERLAP: '499' }).ingestion).toMatchObject({ chunkSize: 500, chunkOverlap: 499 });
    expect(() => loadConfig({ RAG_CHUNK_SIZE: '500', RAG_CHUNK_OVERLAP: '500' })).toThrow(/RAG_CHUNK_OVERLAP: must be smaller than RAG_CHUNK_SIZE \(500\)/);
    expect(() => loadConfig({ RAG_CHUNK_SIZE: '500', RAG_CHUNK_OVERLAP: '900' })).toThrow(ConfigurationError);
  });

  it('bounds the queries in flight by default, and takes the bound and Retry-After from the environment', () => {
    expect(loadConfig({}).server.queryAdmission).toEqual({ maxInFlight: 64, retryAfterSeconds: 1 });
    expect(loadConfig({ RAG_MAX_INFLIGHT_QUERIES: '8', RAG_QUERY_RETRY_AFTER_SECONDS: '5' }).server.queryAdmission).toEqual({
      maxInFlight: 8,
      retryAfterSeconds: 5,
    });
    expect(() => loadConfig({ RAG_MAX_INFLIGHT_QUERIES: '0' })).toThrow(/RAG_MAX_INFLIGHT_QUERIES/);
  });

  it('runs 64 local ingestions at once by default, RAG_LOCAL_INGESTIONS otherwise, and the relevance floor at 0.25 coverage', () => {
    expect(loadConfig({}).local.ingestConcurrency).toBe(64);
    expect(loadConfig({ RAG_LOCAL_INGESTIONS: '4' }).local.ingestConcurrency).toBe(4);
    expect(() => loadConfig({ RAG_LOCAL_INGESTIONS: '0' })).toThrow(/RAG_LOCAL_INGESTIONS/);
    // The configured default is the floor module's own default.
    expect(loadConfig({}).query.minCoverage).toBe(DEFAULT_MIN_COVERAGE);
    expect(loadConfig({ RAG_MIN_COVERAGE: '0' }).query.minCoverage).toBe(0);
  });

  it('wants the default top K within the maximum', () => {
    expect(loadConfig({ RAG_TOP_K: '20', RAG_MAX_TOP_K: '20' }).query).toMatchObject({ defaultTopK: 20, maxTopK: 20 });
    expect(() => loadConfig({ RAG_TOP_K: '21', RAG_MAX_TOP_K: '20' })).toThrow(/RAG_TOP_K: must not exceed RAG_MAX_TOP_K \(20\)/);
  });

  it('reports every bad or missing variable in one error', () => {
    // Act
    const load = () =>
      loadConfig({ RAG_BLOB_STORE: 's3', AWS_REGION: 'mars', RAG_STATE_BUCKET: 'Not_A_Bucket', RAG_CHUNK_SIZE: '500', RAG_CHUNK_OVERLAP: '500' });
    // Assess
    expect(load).toThrow(/AWS_REGION: is not an AWS Region/);
    expect(load).toThrow(/RAG_STATE_BUCKET: is not an S3 bucket name/);
    expect(load).toThrow(/RAG_CHUNK_OVERLAP: must be smaller/);
    expect(load).toThrow(/RAG_DOCUMENTS_BUCKET: is required by RAG_BLOB_STORE=s3/);
  });
});

describe('loadConfig: AWS identifiers', () => {
  const malformed: [variable: string, value: string][] = [
    ['AWS_REGION', 'US-EAST-1'],
    ['RAG_DOCUMENTS_BUCKET', 'Not_A_Bucket'],
    ['RAG_STATE_BUCKET', 'ab'],
    ['RAG_EMBEDDING_MODEL_ID', 'Titan Embed!'],
    ['RAG_GENERATION_MODEL_IDS', 'amazon.nova-lite-v1:0, claude 3 haiku'],
    ['RAG_RERANK_MODEL_ARN', 'cohere.rerank-v3-5:0'],
    ['RAG_KNOWLEDGE_BASE_ID', 'KB1234'],
    ['RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID', 'not-an-id'],
    ['RAG_INGEST_STATE_MACHINE_ARN', 'rag-ingest'],
    ['RAG_QUERY_STATE_MACHINE_ARN', 'arn:aws:states:eu-west-1:123:stateMachine:rag-query'],
    ['RAG_REINDEX_STATE_MACHINE_ARN', 'arn:aws:lambda:eu-west-1:123456789012:function:rag-reindex'],
  ];

  it.each(malformed)('rejects %s=%s at start, whichever adapters run', (variable, value) => {
    // Act
    const load = () => loadConfig({ ...AWS_ENV, [variable]: value });
    // Assess
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(new RegExp(`${variable}(\\.\\d+)?: is not`));
  });

  it('puts every AWS variable in its place in config.aws', () => {
    // Act
    const config = loadConfig({ ...AWS_ENV, RAG_KNOWLEDGE_BASE_INDEXING_TIMEOUT_SECONDS: '30', RAG_GUARDRAIL_VERSION: '3', LOG_LEVEL: 'debug' });
    // Assess
    expect(config.logLevel).toBe('DEBUG');
    expect(config.aws).toEqual({
      region: 'eu-west-1',
      documentsBucket: 'rag-documents',
      stateBucket: 'rag-state',
      s3ForcePathStyle: false,
      s3VectorsBucket: 'rag-vectors',
      s3VectorsIndex: 'chunks',
      embeddingModelId: 'amazon.titan-embed-text-v2:0',
      rerankModelArn: AWS_ENV.RAG_RERANK_MODEL_ARN,
      generationModelIds: ['eu.anthropic.claude-3-5-haiku-20241022-v1:0', 'amazon.nova-lite-v1:0'],
      knowledgeBaseId: 'KB12345678',
      knowledgeBaseDataSourceId: 'DS12345678',
      knowledgeBaseIndexing: { timeoutMs: 30_000, pollIntervalMs: 1000 },
      guardrailId: 'gr0example1',
      guardrailVersion: '3',
      connectTimeoutMs: 1000,
      requestTimeoutMs: 30000,
      maxAttempts: 3,
      ingestStateMachineArn: AWS_ENV.RAG_INGEST_STATE_MACHINE_ARN,
      queryStateMachineArn: AWS_ENV.RAG_QUERY_STATE_MACHINE_ARN,
      reindexStateMachineArn: AWS_ENV.RAG_REINDEX_STATE_MACHINE_ARN,
    });
  });

  it('names the answering models for the answer cache: the Bedrock models in fallback order, else the embedded generator', () => {
    // Act
    const aws = answeringModels(loadConfig(AWS_ENV));
    const embedded = answeringModels(loadConfig({}));
    // Assess
    expect(aws).toEqual(['eu.anthropic.claude-3-5-haiku-20241022-v1:0', 'amazon.nova-lite-v1:0']);
    expect(embedded).toEqual(['extractive']);
  });
  describe('local bearer tokens (RAG_API_KEYS)', () => {
    it('uses the development token for the default tenant on a loopback address when none are set', () => {
      const config = loadConfig({ RAG_DEFAULT_TENANT: 'team-a' });
      expect(config.server.apiKeys).toEqual([{ token: DEV_API_TOKEN, tenant: 'team-a', admin: true }]);
      expect(config.server.devToken).toBe(true);
    });

    it('maps each token to its tenant, splitting at the last "=" so base64 tokens keep their padding', () => {
      const config = loadConfig({ RAG_API_KEYS: 'abc==acme, s3cr3t=globex, ops=*' });
      expect(config.server.apiKeys).toEqual([
        { token: 'abc=', tenant: 'acme', admin: false },
        { token: 's3cr3t', tenant: 'globex', admin: false },
        { token: 'ops', admin: true },
      ]);
      expect(config.server.devToken).toBe(false);
    });

    it('refuses an entry without a valid tenant, and a token named twice', () => {
      expect(() => loadConfig({ RAG_API_KEYS: 'tokenonly' })).toThrow(/RAG_API_KEYS/);
      expect(() => loadConfig({ RAG_API_KEYS: 'tok=ACME' })).toThrow(/RAG_API_KEYS/);
      expect(() => loadConfig({ RAG_API_KEYS: 'tok=a,tok=b' })).toThrow(/RAG_API_KEYS: names a token twice/);
    });

    it('refuses to serve another machine with the development token, no token or a short one, naming the variable', () => {
      expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/RAG_API_KEYS: must be set when HOST \(0\.0\.0\.0\) is not a loopback address/);
      expect(() => loadConfig({ HOST: '192.168.1.20', RAG_API_KEYS: 'dev=default' })).toThrow(/RAG_API_KEYS: holds the development token/);
      expect(() => loadConfig({ HOST: '::', RAG_API_KEYS: 'short=default' })).toThrow(/RAG_API_KEYS/);
      expect(loadConfig({ HOST: '0.0.0.0', RAG_API_KEYS: 'a-long-random-token-123=acme' }).server.apiKeys).toHaveLength(1);
    });

    it('treats 127.0.0.0/8, ::1 and localhost as loopback, and nothing else', () => {
      for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
      for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '127.0.0.1.example.com']) expect(isLoopbackHost(host)).toBe(false);
    });
  });
});
