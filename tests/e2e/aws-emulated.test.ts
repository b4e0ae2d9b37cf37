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
import { awsAdaptersEnv } from '../helpers/aws-adapters-env';
import { tempConfig } from '../helpers/temp-config';

/**
 * The service with every AWS adapter selected — S3 (s3rver), Titan embeddings, S3 Vectors,
 * Bedrock Rerank, Converse with a fallback chain, Bedrock Guardrails — each one a real AWS SDK
 * client speaking the wire format to a local emulator, orchestrated by the same ASL files.
 * beforeAll ingests the fixtures of tenant "default" that the query tests ask about; the
 * throttling test ingests its own copies under another tenant, so the tests pass in any order.
 */
// The defaults of shared/models/catalog.ts (DEFAULT_MODELS): active and offered in us-east-1.
const PRIMARY = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const FALLBACK = 'us.amazon.nova-2-lite-v1:0';
const RERANK_MODEL_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0';
const fixtures = path.resolve(__dirname, '../fixtures/documents');
const files = ['library-hours.txt', 'observatory.md', 'bakery.html'];

type Handler = (event: unknown, context: Context) => Promise<unknown>;
/**
 * The emulated model answers with the source sentence that shares most words with the question,
 * then its marker ("… [2]."): that sentence must be in the excerpt of the citation with that marker.
 */
function expectQuotedFromCitation(body: QueryBody): void {
  const quoted = /^(.+) \[(\d+)\]\.$/s.exec(body.answer);
  expect(quoted).not.toBeNull();
  const cited = body.citations.find((c) => c.marker === Number(quoted?.[2]));
  expect(cited?.excerpt.replace(/\s+/g, ' ')).toContain(quoted?.[1]?.replace(/\s+/g, ' '));
}

/** A tenant of its own for the throttling test: its documents never compete with the query tests'. */
const LOAD_TENANT = 'loadtest';

describe('the service on AWS adapters over the wire (emulators)', () => {
  useFakeAwsCredentials(S3RVER_CREDENTIALS);
  let s3: RunningS3Server;
  const bedrock = new BedrockRuntimeEmulator();
  const vectors = new S3VectorsEmulator();
  const agent = new BedrockAgentRuntimeEmulator();
  let runtime: LocalRuntime;
  let cleanup: () => Promise<void>;
  let trigger: Handler;

  /** Puts the fixtures under `tenant/` and sends the EventBridge events S3 would send for them. */
  async function putAndTrigger(tenant: string): Promise<void> {
    const { services } = runtime;
    for (const file of files) await services.documents.put(`${tenant}/${file}`, await readFile(path.join(fixtures, file)));
    for (const file of files) {
      const head = await services.documents.head(`${tenant}/${file}`);
      await trigger(s3Event('Object Created', `${tenant}/${file}`, { size: head?.size, etag: head?.etag }), lambdaContext('ingest-trigger'));
    }
  }

  beforeAll(async () => {
    s3 = await startS3Server(['rag-docs', 'rag-state']);
    const [bedrockUrl, vectorsUrl, agentUrl] = await Promise.all([bedrock.start(), vectors.start(), agent.start()]);
    vectors.createIndex('rag-vectors', 'chunks', { dimension: 256, nonFilterableMetadataKeys: [...S3_VECTORS_NON_FILTERABLE_KEYS] });
    const temp = await tempConfig();
    cleanup = temp.cleanup;
    const config = loadConfig({
      ...awsAdaptersEnv({ dataDir: temp.dir, s3Endpoint: s3.endpoint, bedrockUrl }),
      RAG_EMBED_RPS: '1000',
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
    ({ handler: trigger } = (await import('../../functions/ingest/trigger')) as { handler: Handler });
    // The corpus the query tests ask about.
    await putAndTrigger('default');
    await runtime.settle();
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await Promise.all([bedrock.stop(), vectors.stop(), agent.stop(), s3?.stop()]);
    await cleanup?.();
  });

  it('ingests every chunk under injected embedding throttling: the SDK gives up, the state machine retries, every chunk is embedded, counts equal stored vectors', async () => {
    // Prepare: refuse the whole first wave of InvokeModel requests, each text more often than the SDK
    // tries (RAG_AWS_MAX_ATTEMPTS=3), so the first batches fail with ThrottlingError and only the ingest
    // state machine's Retry can index them; then throttle 30% at random.
    const { services } = runtime;
    const inFlight = 2 /* ingestions at once (at least) */ * 4 /* EmbedBatch Map concurrency */ * 4 /* texts per batch */;
    const firstWave = Array.from({ length: 3 * inFlight }, () => ({ status: 429, code: 'ThrottlingException' }));
    const requestsBefore = bedrock.http.requests.length;
    const embeddedBefore = bedrock.callsOf('InvokeModel').length;
    bedrock.setFaults({ next: firstWave, throttleRate: 0.3, pathFilter: /\/invoke$/ });

    // Act
    try {
      await putAndTrigger(LOAD_TENANT);
      await runtime.settle();
    } finally {
      bedrock.setFaults({});
    }

    // Assess: the throttles fired (the whole first wave, deterministic; the random ones may or may not)...
    const invokes = bedrock.http.requests.slice(requestsBefore).filter((r) => r.path.endsWith('/invoke'));
    expect(invokes.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3 * inFlight);
    // ...every document is whole...
    let chunks = 0;
    for (const file of files) {
      const documentId = documentIdFor(LOAD_TENANT, `${LOAD_TENANT}/${file}`);
      const manifest = await services.manifests.get(LOAD_TENANT, documentId);
      expect({ file, status: manifest?.status }).toEqual({ file, status: 'INDEXED' });
      expect(manifest?.chunkCount).toBeGreaterThan(0);
      expect(await services.vectors.countDocument(LOAD_TENANT, documentId)).toBe(manifest?.chunkCount);
      chunks += manifest?.chunkCount ?? 0;
    }
    // ...and every chunk got its vector from an answered InvokeModel (Titan: one text per call): the refused texts were retried, not skipped.
    // (Counted both ways, each >= chunks: the emulator records a call when it starts and logs its status when it
    // answers, so a request straddling the snapshots above can be in one count and not the other.)
    const answered = bedrock.callsOf('InvokeModel').length - embeddedBefore;
    expect(answered).toBeGreaterThanOrEqual(chunks);
    expect(invokes.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(chunks);
  }, 180_000);

  it('answers over HTTP with citations to the right document, from the primary model, under the guardrail', async () => {
    // Prepare
    const guardrailsBefore = bedrock.callsOf('ApplyGuardrail').length;
    const reranksBefore = agent.callsOf('Rerank').length;
    const vectorCallsBefore = vectors.calls.length;

    // Act
    const res = await postJson<QueryBody & { fallbackUsed: boolean }>(`${runtime.url}/query`, {
      question: 'Until what time is the library open on Thursdays?',
    });

    // Assess
    expect(res.status).toBe(200);
    expectQuotedFromCitation(res.body);
    expect(res.body.citations[0]?.excerpt).toContain('until 20:00 on Thursdays');
    expect(res.body.model).toBe(PRIMARY);
    expect(res.body.fallbackUsed).toBe(false);
    expect(res.body.citations[0]?.key).toBe('default/library-hours.txt');
    expect(res.body.citations[0]?.uri).toBe('s3://rag-docs/default/library-hours.txt');
    // Every model call of the request is counted (input guard, embedding, rerank, generation, output guard); the
    // Bedrock guardrail has no price in the table, so the cost is unknown (null, not a partial sum) and says why.
    expect(res.body.usage.calls).toBeGreaterThanOrEqual(5);
    expect(res.body.usage.inputTokens).toBeGreaterThan(0);
    expect(res.body.usage.costUsd).toBeNull();
    expect(res.body.usage.unpricedModels).toEqual(expect.arrayContaining([expect.stringMatching(/^bedrock-guardrail\//)]));
    expect(bedrock.callsOf('ApplyGuardrail').length).toBeGreaterThan(guardrailsBefore);
    expect(agent.callsOf('Rerank').length).toBeGreaterThan(reranksBefore);
    // Every vector query of this request carried this tenant's filter.
    const queries = vectors.calls.slice(vectorCallsBefore).filter((c) => c.operation === 'QueryVectors');
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(JSON.stringify(q.body.filter)).toContain('"tenant":{"$eq":"default"}');
  });

  // cache: false: each case must reach the models, not the answer cache of the case before.
  const askSourdough = () =>
    postJson<QueryBody & { fallbackUsed: boolean }>(`${runtime.url}/query`, { question: 'What is the sourdough starter called?', cache: false });
  /** Answered by the fallback model, saying so, quoting the bakery page it cites. */
  const expectFallbackAnswer = (res: Awaited<ReturnType<typeof askSourdough>>): void => {
    expect(res.status).toBe(200);
    expect(res.body.model).toBe(FALLBACK);
    expect(res.body.fallbackUsed).toBe(true);
    expectQuotedFromCitation(res.body);
    expect(res.body.citations[0]?.key).toBe('default/bakery.html');
  };

  it('falls back to the lighter model when the primary is throttled, and says so', async () => {
    bedrock.modelFaults.set(PRIMARY, { status: 429, code: 'ThrottlingException' });
    try {
      const res = await askSourdough();
      expectFallbackAnswer(res);
      expect(res.body.citations[0]?.excerpt).toContain('called Gertrude');
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
      const res = await askSourdough();
      // Assess
      expectFallbackAnswer(res);
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
      const throttled = await postJson<{ error: { code: string } }>(`${runtime.url}/query`, {
        question: 'What is the sourdough starter called?',
        cache: false,
      });
      expect(throttled.status).toBe(429);
      expect(throttled.body.error.code).toBe('ThrottlingError');
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);

      bedrock.modelFaults.set(PRIMARY, { status: 503, code: 'ServiceUnavailableException' });
      bedrock.modelFaults.set(FALLBACK, { status: 503, code: 'ServiceUnavailableException' });
      const down = await postJson<{ error: { code: string } }>(`${runtime.url}/query`, { question: 'What is the sourdough starter called?', cache: false });
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('DependencyUnavailableError');
    } finally {
      bedrock.modelFaults.clear();
    }
  }, 60_000);
});
