import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../../shared/config/config';
import { documentIdFor } from '../../shared/documents/identity';
import { parseCustomDocumentId } from '../../shared/vectors/knowledge-base-store';
import { lambdaContext } from '../../local/lambda-context';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { s3Event } from '../../local/watcher';
import { useFakeAwsCredentials } from '../emulators/aws-test-env';
import { BedrockAgentEmulator } from '../emulators/bedrock-agent-emulator';
import { BedrockAgentRuntimeEmulator } from '../emulators/bedrock-agent-runtime-emulator';
import { BedrockRuntimeEmulator } from '../emulators/bedrock-runtime-emulator';
import { KnowledgeBaseDocuments } from '../emulators/knowledge-base-documents';
import { type RunningS3Server, S3RVER_CREDENTIALS, startS3Server } from '../emulators/s3-server';
import { postJson, type QueryBody } from '../helpers/http';
import { awsAdaptersEnv } from '../helpers/aws-adapters-env';
import { tempConfig } from '../helpers/temp-config';

/**
 * Knowledge-base mode end to end: documents reach a Bedrock Knowledge Base through its own ingestion
 * API, driven by the real ingest state machine (statemachines/ingest.asl.json in the local ASL
 * runtime, every Task its real handler), and RetrieveAndGenerate answers from exactly what was
 * ingested. S3 is s3rver; the Knowledge Base is the Bedrock Agent emulator (IngestKnowledgeBaseDocuments,
 * DeleteKnowledgeBaseDocuments, GetKnowledgeBaseDocuments, ListKnowledgeBaseDocuments, GetDataSource)
 * and the Agent Runtime emulator (RetrieveAndGenerate, Retrieve) sharing one document store, each
 * reached by the real AWS SDK client over HTTP. Indexing is asynchronous, as in the service.
 */
const KB_ID = 'KBE2ETEST1';
const DATA_SOURCE_ID = 'DSE2ETEST1';
// Catalogue defaults (shared/models/catalog.ts DEFAULT_MODELS): active and offered in us-east-1.
const PRIMARY = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const FALLBACK = 'us.amazon.nova-2-lite-v1:0';
const fixtures = path.resolve(__dirname, '../fixtures/documents');
const OBSERVATORY = 'default/observatory.md';
const LIBRARY = 'default/library-hours.txt';
const MIRROR_QUESTION = 'How large is the primary mirror of the main reflector?';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

describe('knowledge-base mode over the wire: ingest through the Knowledge Base API, answer from it', () => {
  useFakeAwsCredentials(S3RVER_CREDENTIALS);
  let s3: RunningS3Server;
  const documents = new KnowledgeBaseDocuments();
  const control = new BedrockAgentEmulator(documents);
  const agent = new BedrockAgentRuntimeEmulator({ documents });
  // Our embedder is configured (Titan) so that the test proves it is never called in this mode.
  const bedrock = new BedrockRuntimeEmulator();
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  let trigger: Handler;

  const sendEvent = async (kind: 'Object Created' | 'Object Deleted', key: string): Promise<void> => {
    const head = kind === 'Object Created' ? await runtime.services.documents.head(key) : undefined;
    await trigger(s3Event(kind, key, { size: head?.size, etag: head?.etag ?? `deleted-${Date.now()}` }), lambdaContext('ingest-trigger'));
  };

  /** Knowledge Base documents of one object, by the document id in their custom ids. */
  const ingestedFor = (key: string) => {
    const documentId = documentIdFor('default', key);
    return documents.stored(KB_ID, DATA_SOURCE_ID).filter((d) => parseCustomDocumentId(d.id)?.documentId === documentId);
  };

  beforeAll(async () => {
    s3 = await startS3Server(['rag-docs', 'rag-state']);
    documents.createDataSource(KB_ID, DATA_SOURCE_ID, { chunkingStrategy: 'NONE' });
    const [controlUrl, agentUrl, bedrockUrl] = await Promise.all([control.start(), agent.start(), bedrock.start()]);
    const temp = await tempConfig();
    cleanup = temp.cleanup;
    const config = loadConfig({
      ...awsAdaptersEnv({ dataDir: temp.dir, s3Endpoint: s3.endpoint, bedrockUrl }),
      RAG_VECTOR_STORE: 'knowledge-base',
      RAG_KNOWLEDGE_BASE_ID: KB_ID,
      RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID: DATA_SOURCE_ID,
      RAG_BEDROCK_AGENT_BUILD_ENDPOINT: controlUrl,
      RAG_BEDROCK_AGENT_ENDPOINT: agentUrl,
      RAG_KNOWLEDGE_BASE_POLL_INTERVAL_MS: '10',
      RAG_KNOWLEDGE_BASE_INDEXING_TIMEOUT_SECONDS: '10',
      RAG_RERANKER: 'none',
      RAG_GENERATOR: 'bedrock-knowledge-base',
      RAG_GENERATION_MODEL_IDS: `${PRIMARY},${FALLBACK}`,
    });
    runtime = await startLocalRuntime(config, { retryDelayScale: 0 });
    ({ handler: trigger } = (await import('../../functions/ingest/trigger')) as { handler: Handler });
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await Promise.all([control.stop(), agent.stop(), bedrock.stop(), s3?.stop()]);
    await cleanup?.();
  });

  it('ingests uploaded objects into the Knowledge Base with the real ingest state machine, without calling our embedder', async () => {
    // Prepare: objects in the bucket; the Knowledge Base indexes asynchronously
    documents.latency.indexMs = 40;
    for (const key of [OBSERVATORY, LIBRARY]) await runtime.services.documents.put(key, await readFile(path.join(fixtures, path.basename(key))));
    // Act
    for (const key of [OBSERVATORY, LIBRARY]) await sendEvent('Object Created', key);
    await runtime.settle();
    // Assess
    for (const key of [OBSERVATORY, LIBRARY]) {
      const documentId = documentIdFor('default', key);
      const manifest = await runtime.services.manifests.get('default', documentId);
      expect({ key, status: manifest?.status }).toEqual({ key, status: 'INDEXED' });
      expect(manifest?.chunkCount).toBeGreaterThan(0);
      // Finalize's check, read back from the Knowledge Base: one INDEXED document per chunk.
      expect(await runtime.services.vectors.countDocument('default', documentId, manifest?.fingerprint)).toBe(manifest?.chunkCount);
      expect(ingestedFor(key).map((d) => d.status)).toEqual(Array.from({ length: manifest?.chunkCount ?? 0 }, () => 'INDEXED'));
    }
    expect(control.callsOf('IngestKnowledgeBaseDocuments').length).toBeGreaterThan(0);
    expect(control.callsOf('GetKnowledgeBaseDocuments').length).toBeGreaterThan(0);
    // No double embedding: the Knowledge Base embeds, our Titan embedder was never invoked.
    expect(bedrock.callsOf('InvokeModel')).toEqual([]);
  }, 180_000);

  it('answers over HTTP from the ingested document and cites it, under the tenant filter', async () => {
    // Act
    const res = await postJson<QueryBody>(`${runtime.url}/query`, { question: MIRROR_QUESTION });
    // Assess
    expect(res.status).toBe(200);
    expect(res.body.answer).toContain('The main reflector');
    expect(res.body.model).toBe(PRIMARY);
    expect(res.body.citations[0]).toMatchObject({ key: OBSERVATORY, uri: `s3://rag-docs/${OBSERVATORY}`, documentId: documentIdFor('default', OBSERVATORY) });
    const calls = agent.callsOf('RetrieveAndGenerate');
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(JSON.stringify(call.body)).toContain('"key":"tenant"');
  }, 60_000);

  it('removes a deleted object from the Knowledge Base through the delete path, and no longer cites it', async () => {
    // Prepare: the object leaves the bucket; deletion in the Knowledge Base is asynchronous too
    documents.latency.deleteMs = 40;
    await runtime.services.documents.delete(OBSERVATORY);
    // Act
    await sendEvent('Object Deleted', OBSERVATORY);
    await runtime.settle();
    const res = await postJson<QueryBody>(`${runtime.url}/query`, { question: MIRROR_QUESTION });
    // Assess
    expect(control.callsOf('DeleteKnowledgeBaseDocuments').length).toBeGreaterThan(0);
    expect(ingestedFor(OBSERVATORY)).toEqual([]);
    expect(await runtime.services.manifests.get('default', documentIdFor('default', OBSERVATORY))).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.citations.map((c) => c.key)).not.toContain(OBSERVATORY);
    expect(res.body.answer).not.toContain('The main reflector');
    // The other document is untouched.
    expect(ingestedFor(LIBRARY).length).toBeGreaterThan(0);
  }, 60_000);
});
