import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../../shared/config/config';
import { documentIdFor } from '../../shared/documents/identity';
import { S3_VECTORS_NON_FILTERABLE_KEYS } from '../../shared/vectors/s3-vectors-store';
import { lambdaContext } from '../../local/lambda-context';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { s3Event } from '../../local/watcher';
import { useFakeAwsCredentials } from '../emulators/aws-test-env';
import { BedrockAgentRuntimeEmulator } from '../emulators/bedrock-agent-runtime-emulator';
import { BedrockRuntimeEmulator } from '../emulators/bedrock-runtime-emulator';
import { type RunningS3Server, S3RVER_CREDENTIALS, startS3Server } from '../emulators/s3-server';
import { S3VectorsEmulator } from '../emulators/s3vectors-emulator';
import { postJson, type QueryBody } from '../helpers/http';
import { tempConfig } from '../helpers/temp-config';

/**
 * The service with every AWS adapter selected — S3 (s3rver), Titan embeddings, S3 Vectors,
 * Bedrock Rerank, Converse with a fallback chain, Bedrock Guardrails — each one a real AWS SDK
 * client speaking the wire format to a local emulator, orchestrated by the same ASL files.
 */
// The defaults of shared/models/catalog.ts (DEFAULT_MODELS): active and offered in us-east-1.
const PRIMARY = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const FALLBACK = 'us.amazon.nova-2-lite-v1:0';
const RERANK_MODEL_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0';
const fixtures = path.resolve(__dirname, '../fixtures/documents');
const files = ['library-hours.txt', 'observatory.md', 'bakery.html'];

type Handler = (event: unknown, context: Context) => Promise<unknown>;

describe('the service on AWS adapters over the wire (emulators)', () => {
  useFakeAwsCredentials(S3RVER_CREDENTIALS);
  let s3: RunningS3Server;
  const bedrock = new BedrockRuntimeEmulator();
  const vectors = new S3VectorsEmulator();
  const agent = new BedrockAgentRuntimeEmulator();
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    s3 = await startS3Server(['rag-docs', 'rag-state']);
    const [bedrockUrl, vectorsUrl, agentUrl] = await Promise.all([bedrock.start(), vectors.start(), agent.start()]);
    vectors.createIndex('rag-vectors', 'chunks', { dimension: 256, nonFilterableMetadataKeys: [...S3_VECTORS_NON_FILTERABLE_KEYS] });
    const temp = await tempConfig();
    cleanup = temp.cleanup;
    const config = loadConfig({
      RAG_DATA_DIR: temp.dir,
      PORT: '0',
      RAG_SAMPLES: 'off',
      RAG_WATCH: 'off',
      RAG_REINDEX_INTERVAL_SECONDS: '0',
      AWS_REGION: 'us-east-1',
      RAG_AWS_MAX_ATTEMPTS: '3',
      RAG_BLOB_STORE: 's3',
      RAG_DOCUMENTS_BUCKET: 'rag-docs',
      RAG_STATE_BUCKET: 'rag-state',
      RAG_S3_ENDPOINT: s3.endpoint,
      RAG_S3_FORCE_PATH_STYLE: 'on',
      RAG_EMBEDDER: 'bedrock-titan',
      RAG_EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
      RAG_EMBEDDING_DIMENSIONS: '256',
      RAG_EMBED_RPS: '1000',
      RAG_EMBED_BATCH_SIZE: '4',
      RAG_CHUNK_SIZE: '300',
      RAG_CHUNK_OVERLAP: '40',
      RAG_BEDROCK_ENDPOINT: bedrockUrl,
      RAG_VECTOR_STORE: 's3vectors',
      RAG_S3VECTORS_ENDPOINT: vectorsUrl,
      RAG_S3VECTORS_BUCKET: 'rag-vectors',
      RAG_S3VECTORS_INDEX: 'chunks',
      RAG_RERANKER: 'bedrock',
      RAG_RERANK_MODEL_ARN: RERANK_MODEL_ARN,
      RAG_BEDROCK_AGENT_ENDPOINT: agentUrl,
      RAG_GENERATOR: 'bedrock-converse',
      RAG_GENERATION_MODEL_IDS: `${PRIMARY},${FALLBACK}`,
      RAG_GUARDRAIL: 'bedrock',
      RAG_GUARDRAIL_ID: 'gr-emulated',
      RAG_GUARDRAIL_VERSION: '1',
    });
    runtime = await startLocalRuntime(config, { retryDelayScale: 0 });
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await Promise.all([bedrock.stop(), vectors.stop(), agent.stop(), s3?.stop()]);
    await cleanup?.();
  });

  it('ingests every chunk under 30% injected embedding throttling: manifest counts equal stored vectors', async () => {
    // Prepare: objects in the bucket, and EventBridge events for them as S3 would send.
    const { services } = runtime;
    for (const file of files) await services.documents.put(`default/${file}`, await readFile(path.join(fixtures, file)));
    bedrock.setFaults({ throttleRate: 0.3, pathFilter: /\/invoke$/ });
    const { handler: trigger } = (await import('../../functions/ingest/trigger')) as { handler: Handler };

    // Act
    for (const file of files) {
      const head = await services.documents.head(`default/${file}`);
      await trigger(s3Event('Object Created', `default/${file}`, { size: head?.size, etag: head?.etag }), lambdaContext('ingest-trigger'));
    }
    await runtime.settle();
    bedrock.setFaults({});

    // Assess
    expect(bedrock.http.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    for (const file of files) {
      const documentId = documentIdFor('default', `default/${file}`);
      const manifest = await services.manifests.get('default', documentId);
      expect({ file, status: manifest?.status }).toEqual({ file, status: 'INDEXED' });
      expect(manifest?.chunkCount).toBeGreaterThan(0);
      expect(await services.vectors.countDocument('default', documentId)).toBe(manifest?.chunkCount);
    }
  }, 180_000);

  it('answers over HTTP with citations to the right document, from the primary model, under the guardrail', async () => {
    const res = await postJson<QueryBody & { fallbackUsed: boolean }>(`${runtime.url}/query`, {
      question: 'Until what time is the library open on Thursdays?',
    });
    expect(res.status).toBe(200);
    expect(res.body.model).toBe(PRIMARY);
    expect(res.body.fallbackUsed).toBe(false);
    expect(res.body.citations[0]?.key).toBe('default/library-hours.txt');
    expect(res.body.citations[0]?.uri).toBe('s3://rag-docs/default/library-hours.txt');
    expect(bedrock.callsOf('ApplyGuardrail').length).toBeGreaterThan(0);
    expect(agent.callsOf('Rerank').length).toBeGreaterThan(0);
    // Every vector query carried the tenant filter.
    const queries = vectors.calls.filter((c) => c.operation === 'QueryVectors');
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(JSON.stringify(q.body)).toContain('"tenant"');
  });

  it('falls back to the lighter model when the primary is throttled, and says so', async () => {
    bedrock.modelFaults.set(PRIMARY, { status: 429, code: 'ThrottlingException' });
    try {
      const res = await postJson<QueryBody & { fallbackUsed: boolean }>(`${runtime.url}/query`, { question: 'What is the sourdough starter called?' });
      expect(res.status).toBe(200);
      expect(res.body.model).toBe(FALLBACK);
      expect(res.body.fallbackUsed).toBe(true);
    } finally {
      bedrock.modelFaults.clear();
    }
  }, 60_000);

  it('answers from the fallback, and says so, when the primary is past end of life on the emulator clock', async () => {
    // Prepare: the primary's retirement day arrives (Bedrock then answers 404 "reached the end of its life")
    bedrock.endOfLife.set('anthropic.claude-haiku-4-5-20251001-v1:0', '2027-06-01');
    bedrock.clock = () => Date.parse('2027-06-01T08:00:00Z');
    try {
      // Act
      const res = await postJson<QueryBody & { fallbackUsed: boolean }>(`${runtime.url}/query`, { question: 'What is the sourdough starter called?' });
      // Assess
      expect(res.status).toBe(200);
      expect(res.body.model).toBe(FALLBACK);
      expect(res.body.fallbackUsed).toBe(true);
      const primaryStatuses = bedrock.http.requests.filter((r) => r.path.startsWith(`/model/${PRIMARY}/`)).map((r) => r.status);
      expect(primaryStatuses.at(-1)).toBe(404);
    } finally {
      bedrock.endOfLife.clear();
      bedrock.clock = Date.now;
    }
  }, 60_000);

  it('answers 429 with Retry-After when every model is throttled, and 503 when every model is down', async () => {
    bedrock.modelFaults.set(PRIMARY, { status: 429, code: 'ThrottlingException' });
    bedrock.modelFaults.set(FALLBACK, { status: 429, code: 'ThrottlingException' });
    try {
      const throttled = await postJson<{ error: { code: string } }>(`${runtime.url}/query`, { question: 'What is the sourdough starter called?' });
      expect(throttled.status).toBe(429);
      expect(throttled.body.error.code).toBe('ThrottlingError');
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);

      bedrock.modelFaults.set(PRIMARY, { status: 503, code: 'ServiceUnavailableException' });
      bedrock.modelFaults.set(FALLBACK, { status: 503, code: 'ServiceUnavailableException' });
      const down = await postJson<{ error: { code: string } }>(`${runtime.url}/query`, { question: 'What is the sourdough starter called?' });
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('DependencyUnavailableError');
    } finally {
      bedrock.modelFaults.clear();
    }
  }, 60_000);
});
