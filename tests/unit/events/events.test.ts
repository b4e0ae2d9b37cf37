import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { functionCatalog, type FunctionEntry } from '../../../functions/catalog';
import { createServices, useServices } from '../../../shared/container';
import { Chunker } from '../../../shared/documents/chunker';
import type { ExtractedDocument } from '../../../shared/documents/extract';
import { documentIdFor, generationChunkIds } from '../../../shared/documents/identity';
import { chunkExtracted, type ChunkOutput, embedBatch, type ExtractOutput, finalizeDocument, recordFailure } from '../../../shared/pipeline/ingest';
import type { QueryResponse } from '../../../shared/contracts/query';
import { parseStreamEvents } from '../../../shared/contracts/stream';
import type { UsageResponse } from '../../../shared/contracts/usage';
import type { Services } from '../../../shared/pipeline/services';
import { LocalWorkflows } from '../../../local/asl-workflows';
import { lambdaContext } from '../../../local/lambda-context';
import { tempConfig } from '../../helpers/temp-config';

/**
 * Every sample event in events/ is accepted by its handler (the function whose catalog name the file
 * name starts with), over the embedded adapters in a temp folder with the local ASL workflows. Each
 * test prepares what its event refers to — the object, the extracted text at the event's textKey, the
 * chunk batches, the indexed generation whose chunk ids the query events name — and checks what the
 * handler returned, so an event that drifts from its handler's input schema, or from the other
 * events, fails here. The events form one story: acme's leave policy, extracted (fingerprint
 * 9a34…), chunked into 23 chunks in 3 batches of 8, indexed, then asked about.
 */
type Handler = (event: unknown, context: Context) => Promise<unknown>;
type HttpResult = { statusCode: number; body?: string; headers?: Record<string, string> };

const repoRoot = path.resolve(__dirname, '../../..');
const eventsDir = path.join(repoRoot, 'events');
const eventFiles = readdirSync(eventsDir)
  .filter((file) => file.endsWith('.json'))
  .sort();

function readEvent<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(path.join(eventsDir, file), 'utf8')) as T;
}

/** The function an event file belongs to: the longest catalog name its file name starts with, then "." or ".json". */
function functionOf(file: string): FunctionEntry | undefined {
  const base = file.replace(/\.json$/, '');
  return functionCatalog.filter((f) => base === f.name || base.startsWith(`${f.name}.`)).sort((a, b) => b.name.length - a.name.length)[0];
}

async function invoke<T = unknown>(file: string, event: unknown = readEvent(file)): Promise<T> {
  const entry = functionOf(file);
  if (!entry) throw new Error(`No catalog function for ${file}`);
  const { handler } = (await import(path.join(repoRoot, entry.module))) as { handler: Handler };
  return (await handler(event, lambdaContext(entry.name))) as T;
}

/** A response sink that keeps what the streaming handler writes. */
function collectingSink() {
  const chunks: string[] = [];
  const collected = {
    status: 0,
    sink: {
      open: (statusCode: number) => {
        collected.status = statusCode;
      },
      write: (chunk: string) => {
        chunks.push(chunk);
      },
      end: async () => undefined,
    },
    text: () => chunks.join(''),
  };
  return collected;
}

function bodyOf<T>(result: HttpResult): T {
  return JSON.parse(result.body ?? 'null') as T;
}

// The story the ingest and query events tell.
const TENANT = 'acme';
const LEAVE_KEY = 'acme/policies/leave-policy.md';
const LEAVE_DOCUMENT_ID = documentIdFor(TENANT, LEAVE_KEY);
const finalizeEvent = readEvent<{ document: ExtractOutput; chunks: ChunkOutput }>('ingest-finalize.json');
const { document: EVENT_DOCUMENT, chunks: EVENT_CHUNKS } = finalizeEvent;
const POLICY_LINES = [
  'Parental leave can be taken within the first year after the birth or adoption of a child.',
  'Employees may split parental leave into at most three blocks.',
  'Employees get 16 weeks of paid parental leave.',
];
/** 23 paragraphs that the configured chunker (400/40) cuts into 23 chunks: the count the events name. */
const LEAVE_POLICY = Array.from(
  { length: 23 },
  (_, i) =>
    `${POLICY_LINES[i] ?? `Section ${i + 1} of the leave policy covers procedure ${i + 1}.`} Requests for this part of the policy are filed in the HR portal at least four weeks ahead, and the manager confirms them within five working days. Questions go to the people team, who answer within two days.`,
).join('\n\n');
const LEAVE_EXTRACTED: ExtractedDocument = { text: LEAVE_POLICY, contentType: 'text/markdown', title: 'Leave policy' };

describe('sample events (events/*.json) are accepted by their handlers', () => {
  let workflows: LocalWorkflows;
  let services: Services;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    workflows = await LocalWorkflows.create({ retryDelayScale: 0 });
  });

  beforeEach(async () => {
    const temp = await tempConfig({ RAG_CHUNK_SIZE: '400', RAG_CHUNK_OVERLAP: '40', RAG_EMBED_BATCH_SIZE: '8', RAG_EMBED_CONCURRENCY: '4' });
    services = await createServices(temp.config, { workflows });
    useServices(services);
    cleanup = temp.cleanup;
  });

  afterEach(async () => {
    await workflows.settle();
    await services.vectors.close?.();
    useServices(undefined);
    await cleanup();
  });

  // ---- Preparation: what the events refer to, built with the use-cases ----

  const putLeavePolicy = () => services.documents.put(LEAVE_KEY, `# Leave policy\n\n${LEAVE_POLICY}\n`, { contentType: 'text/markdown' });

  /** The extracted text at the textKey the events carry (Extract's output of the event's version). */
  async function prepareExtracted(): Promise<void> {
    await putLeavePolicy();
    await services.state.put(EVENT_DOCUMENT.textKey as string, JSON.stringify(LEAVE_EXTRACTED), { contentType: 'application/json' });
  }

  /** The batches at the keys the events carry. */
  async function prepareBatches(): Promise<ChunkOutput> {
    await prepareExtracted();
    return chunkExtracted(services, { tenant: TENANT, key: LEAVE_KEY }, EVENT_DOCUMENT);
  }

  /** The event's generation of the leave policy, indexed and live: its chunk ids are the ones the query events name. */
  async function prepareIndexed(): Promise<void> {
    const chunking = await prepareBatches();
    for (const { batchKey } of chunking.batches) {
      await embedBatch(services, { tenant: TENANT, documentId: LEAVE_DOCUMENT_ID, fingerprint: EVENT_DOCUMENT.fingerprint, batchKey });
    }
    // The execution's etag is the object's: Finalize makes a version live only while the store still holds it.
    await finalizeDocument(services, { tenant: TENANT, key: LEAVE_KEY, etag: await leaveEtag() }, EVENT_DOCUMENT, chunking);
  }

  /** The stored leave policy's etag: the events' executions started from it (their `version` is not its hash). */
  const leaveEtag = async (): Promise<string | undefined> => (await services.documents.head(LEAVE_KEY))?.etag;

  // ---- One case per event file ----

  const cases: Record<string, () => Promise<void>> = {
    'api-documents.json': async () => {
      // Prepare: one failed and one indexed document of acme, one failed of another tenant
      await recordFailure(services, { tenant: TENANT, key: 'acme/handbook/broken.pdf' }, { Error: 'UnsupportedDocumentError', Cause: 'not a PDF' });
      await recordFailure(services, { tenant: 'globex', key: 'globex/broken.pdf' }, { Error: 'UnsupportedDocumentError', Cause: 'not a PDF' });
      await prepareIndexed();
      // Act: GET /documents?limit=50&status=FAILED
      const result = await invoke<HttpResult>('api-documents.json');
      // Assess
      expect(result.statusCode).toBe(200);
      const { documents } = bodyOf<{ documents: { key: string; status: string; failure?: { error: string } }[] }>(result);
      expect(documents).toEqual([
        expect.objectContaining({ key: 'acme/handbook/broken.pdf', status: 'FAILED', failure: expect.objectContaining({ error: 'UnsupportedDocumentError' }) }),
      ]);
    },

    'api-documents.upload.json': async () => {
      const result = await invoke<HttpResult>('api-documents.upload.json');
      expect(result.statusCode).toBe(202);
      expect(bodyOf(result)).toMatchObject({
        key: 'acme/handbook/remote-work.md',
        status: 'PENDING',
        documentId: documentIdFor(TENANT, 'acme/handbook/remote-work.md'),
      });
      await workflows.settle();
      expect((await services.manifests.get(TENANT, documentIdFor(TENANT, 'acme/handbook/remote-work.md')))?.status).toBe('INDEXED');
    },

    'api-health.json': async () => {
      const result = await invoke<HttpResult>('api-health.json');
      expect(result.statusCode).toBe(200);
      expect(bodyOf(result)).toMatchObject({ status: 'ok', promptVersion: 'v2' });
    },

    'api-query.json': async () => {
      await prepareIndexed();
      const result = await invoke<HttpResult>('api-query.json');
      expect(result.statusCode).toBe(200);
      const body = bodyOf<QueryResponse>(result);
      expect(body.answer).toContain('16 weeks');
      expect(body.citations.length).toBeGreaterThan(0);
      expect(body.citations.every((c) => c.key === LEAVE_KEY)).toBe(true);
    },

    'api-sessions.json': async () => {
      // The sample's own id names no session of the tenant: a clear 404, no other tenant's data.
      const unknown = await invoke<HttpResult>('api-sessions.json');
      expect(unknown.statusCode).toBe(404);
      // A session the query path started, read back through the same event shape.
      await prepareIndexed();
      const answered = bodyOf<QueryResponse>(await invoke<HttpResult>('api-query.json'));
      const event = readEvent<{ pathParameters: Record<string, string>; rawPath: string }>('api-sessions.json');
      const result = await invoke<HttpResult>('api-sessions.json', {
        ...event,
        pathParameters: { sessionId: answered.sessionId },
        rawPath: `/sessions/${answered.sessionId}`,
      });
      expect(result.statusCode).toBe(200);
      expect(bodyOf<{ turns: { question: string }[] }>(result).turns.map((t) => t.question)).toEqual(['How many days of parental leave do employees get?']);
    },

    'api-usage.json': async () => {
      await prepareIndexed();
      const answered = bodyOf<QueryResponse>(await invoke<HttpResult>('api-query.json'));
      const event = readEvent<{ queryStringParameters: Record<string, string> }>('api-usage.json');
      // The sample's own range (a past week) is answered; today's holds the query just made.
      expect((await invoke<HttpResult>('api-usage.json')).statusCode).toBe(200);
      const today = new Date().toISOString().slice(0, 10);
      const result = await invoke<HttpResult>('api-usage.json', { ...event, queryStringParameters: { from: today, to: today, groupBy: 'feature' } });
      expect(result.statusCode).toBe(200);
      const report = bodyOf<UsageResponse>(result);
      const byFeature = new Map(report.rows.map((row) => [row.key, row]));
      // The query's Tasks stored what they spent, as its answer reported it (earlier cases may have asked too).
      expect(answered.usage.inputTokens).toBeGreaterThan(0);
      expect(byFeature.get('query')?.inputTokens).toBeGreaterThanOrEqual(answered.usage.inputTokens);
      expect(report.tenant).toBe(TENANT);
      const inverted = await invoke<HttpResult>('api-usage.json', { ...event, queryStringParameters: { from: today, to: '2020-01-01' } });
      expect(inverted.statusCode).toBe(400);
    },

    'api-openapi.json': async () => {
      const result = await invoke<HttpResult>('api-openapi.json');
      expect(result.statusCode).toBe(200);
      expect(bodyOf<{ openapi: string; paths: Record<string, unknown> }>(result)).toMatchObject({
        openapi: expect.stringMatching(/^3\.1\./),
        paths: expect.objectContaining({ '/query/stream': expect.any(Object) }),
      });
    },

    'api-query-stream.json': async () => {
      // A function URL event carries no claims: no authorizer stands in front of it. Without the JWT
      // check that adds them (functions/api/jwt.ts, tested there) the handler refuses it.
      const { makeStreamingHandler, streamingHandler } = await import('../../../functions/api/query-stream');
      const refused = collectingSink();
      await streamingHandler(readEvent('api-query-stream.json'), refused.sink, lambdaContext('api-query-stream'));
      expect(refused.status).toBe(401);
      // With the claims the verified token gives, the same event streams the answer.
      await prepareIndexed();
      const verified = makeStreamingHandler(
        async () => services,
        async (event) =>
          ({
            ...event,
            requestContext: {
              ...event.requestContext,
              authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: { 'custom:tenant': TENANT }, scopes: [] } },
            },
          }) as typeof event,
      );
      const streamed = collectingSink();
      await verified(readEvent('api-query-stream.json'), streamed.sink, lambdaContext('api-query-stream'));
      expect(streamed.status).toBe(200);
      const events = parseStreamEvents(streamed.text());
      expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['meta', 'delta', 'citations', 'done']));
      const cited = events.find((e) => e.event === 'citations');
      expect(cited?.event === 'citations' && cited.data.citations.every((c) => c.key === LEAVE_KEY)).toBe(true);
    },

    'ingest-trigger.json': async () => {
      await putLeavePolicy();
      const result = await invoke<{ executionName: string; started: boolean }>('ingest-trigger.json');
      expect(result).toMatchObject({ started: true, executionName: expect.stringMatching(/^upsert-/) });
      await workflows.settle();
      expect((await services.manifests.get(TENANT, LEAVE_DOCUMENT_ID))?.status).toBe('INDEXED');
    },

    'ingest-trigger.object-deleted.json': async () => {
      await prepareIndexed();
      await services.documents.delete(LEAVE_KEY);
      const result = await invoke<{ executionName: string; started: boolean }>('ingest-trigger.object-deleted.json');
      expect(result).toMatchObject({ started: true, executionName: expect.stringMatching(/^delete-/) });
      await workflows.settle();
      expect(await services.manifests.get(TENANT, LEAVE_DOCUMENT_ID)).toBeUndefined();
      expect(await services.vectors.countDocument(TENANT, LEAVE_DOCUMENT_ID)).toBe(0);
    },

    'ingest-extract.json': async () => {
      await putLeavePolicy();
      const result = await invoke<ExtractOutput>('ingest-extract.json');
      expect(result).toMatchObject({ documentId: EVENT_DOCUMENT.documentId, contentType: 'text/markdown', unchanged: false });
      expect(JSON.parse((await services.state.get(result.textKey as string)).toString('utf8'))).toMatchObject({ text: expect.stringContaining('16 weeks') });
      expect((await services.manifests.get(TENANT, LEAVE_DOCUMENT_ID))?.attempts).toBe(1);
    },

    'ingest-chunk.json': async () => {
      await prepareExtracted();
      const result = await invoke<ChunkOutput>('ingest-chunk.json');
      // The batches the next events (EmbedBatch, Finalize) name.
      expect(result).toEqual(EVENT_CHUNKS);
    },

    'ingest-embed-batch.json': async () => {
      await prepareBatches();
      const result = await invoke('ingest-embed-batch.json');
      expect(result).toEqual({ embedded: 8, skipped: 0 });
      const secondBatch = generationChunkIds(LEAVE_DOCUMENT_ID, EVENT_DOCUMENT.fingerprint, 16).slice(8);
      expect((await services.vectors.getChunks(TENANT, secondBatch)).map((c) => c.id)).toEqual(secondBatch);
    },

    'ingest-finalize.json': async () => {
      const chunking = await prepareBatches();
      for (const { batchKey } of chunking.batches) {
        await embedBatch(services, { tenant: TENANT, documentId: LEAVE_DOCUMENT_ID, fingerprint: EVENT_DOCUMENT.fingerprint, batchKey });
      }
      const result = await invoke('ingest-finalize.json', { ...readEvent<object>('ingest-finalize.json'), etag: await leaveEtag() });
      expect(result).toEqual({ chunkCount: 23 });
      expect(await services.manifests.get(TENANT, LEAVE_DOCUMENT_ID)).toMatchObject({
        status: 'INDEXED',
        chunkCount: 23,
        fingerprint: EVENT_DOCUMENT.fingerprint,
      });
    },

    'ingest-record-failure.json': async () => {
      await prepareBatches();
      const result = await invoke('ingest-record-failure.json', { ...readEvent<object>('ingest-record-failure.json'), etag: await leaveEtag() });
      expect(result).toEqual({ status: 'FAILED', reason: 'Bedrock InvokeModel throttled after 10 attempts' });
      expect((await services.manifests.get(TENANT, LEAVE_DOCUMENT_ID))?.failure).toMatchObject({ error: 'ThrottlingError' });
      // Work files of the failed attempt are gone.
      expect((await services.state.list(`work/${TENANT}/`)).items).toEqual([]);
    },

    'ingest-delete-document.json': async () => {
      await prepareIndexed();
      // The object's delete event: the object is gone (a delete that finds it back does nothing).
      await services.documents.delete(LEAVE_KEY);
      const result = await invoke('ingest-delete-document.json');
      expect(result).toEqual({ deleted: true, documentId: LEAVE_DOCUMENT_ID });
      expect(await services.vectors.countDocument(TENANT, LEAVE_DOCUMENT_ID)).toBe(0);
    },

    'query-validate.json': async () => {
      const result = await invoke('query-validate.json');
      // What ValidateQuery returns is what the later query events carry as `query`.
      expect(result).toEqual(readEvent<{ query: unknown }>('query-guard-input.json').query);
    },

    'query-guard-input.json': async () => {
      const result = await invoke('query-guard-input.json');
      expect(result).toMatchObject({
        blocked: false,
        question: 'How many days of parental leave do employees get?',
        verdict: { action: 'NONE', blocked: false, findings: [] },
      });
    },

    'query-retrieve-and-rank.json': async () => {
      await prepareIndexed();
      type Ranked = { chunks: { chunk: { id: string; text: string; tenant: string }; score: number }[] };
      const result = await invoke<Ranked>('query-retrieve-and-rank.json');
      // The later query events carry RetrieveAndRank's result as `ranked`: real chunks of the story, text
      // included. Scores and order move with retrieval tuning; the chunks themselves may not.
      const carried = readEvent<{ ranked: Ranked }>('query-generate.json').ranked;
      expect(readEvent<{ ranked: Ranked }>('query-citations.json').ranked).toEqual(carried);
      const returned = new Map(result.chunks.map((c) => [c.chunk.id, c.chunk]));
      for (const { chunk } of carried.chunks) {
        const same = returned.get(chunk.id) ?? (await services.vectors.getChunks(TENANT, [chunk.id]))[0];
        expect(same).toEqual(chunk);
      }
      expect(result.chunks.length).toBeGreaterThan(0);
      expect(result.chunks.length).toBeLessThanOrEqual(5);
      expect(result.chunks.some((c) => c.chunk.text.includes('16 weeks'))).toBe(true);
      expect(result.chunks.every((c) => c.chunk.tenant === TENANT)).toBe(true);
    },

    'query-generate.json': async () => {
      await prepareIndexed();
      const result = await invoke<{ text: string; citations: { chunkId: string }[]; guardrail: { blocked: boolean } }>('query-generate.json');
      expect(result.text).toContain('16 weeks');
      expect(result.guardrail.blocked).toBe(false);
      const ranked = readEvent<{ ranked: { chunks: { chunk: { id: string } }[] } }>('query-generate.json').ranked.chunks.map((c) => c.chunk.id);
      expect(result.citations.length).toBeGreaterThan(0);
      expect(ranked).toEqual(expect.arrayContaining(result.citations.map((c) => c.chunkId)));
    },

    'query-citations.json': async () => {
      await prepareIndexed();
      const event = readEvent<{ generation: { text: string; model: string } }>('query-citations.json');
      const result = await invoke<QueryResponse>('query-citations.json', event);
      expect(result.answer).toBe(event.generation.text);
      expect(result.model).toBe(event.generation.model);
      expect(result.citations.map((c) => [c.marker, c.key, c.documentId])).toEqual([
        [1, LEAVE_KEY, LEAVE_DOCUMENT_ID],
        [2, LEAVE_KEY, LEAVE_DOCUMENT_ID],
      ]);
      expect(result.citations[0]?.excerpt).toContain('16 weeks');
      // The sum of what each Task spent; the Bedrock guardrail has no price, so the cost is unknown and says why.
      expect(result.usage).toEqual({
        inputTokens: 1856,
        outputTokens: 41,
        costUsd: null,
        calls: 4,
        unpricedModels: ['bedrock-guardrail/gr-example123:1'],
        estimated: true,
      });
    },

    'reindex-plan.json': async () => {
      await putLeavePolicy();
      await services.documents.put('acme/handbook/expenses.md', '# Expenses\n\nReceipts are filed within 30 days.');
      const result = await invoke<{ items: { key: string; action: string }[]; done: boolean }>('reindex-plan.json');
      // The event's cursor sorts before every "acme/..." key: the whole bucket is still ahead of it.
      expect(result.items.map((i) => [i.action, i.key]).sort()).toEqual([
        ['upsert', 'acme/handbook/expenses.md'],
        ['upsert', LEAVE_KEY],
      ]);
      expect(result.done).toBe(false);
    },

    'reindex-start-ingestion.json': async () => {
      const key = 'acme/handbook/expenses.pdf';
      await services.documents.put(key, await readFile(path.join(repoRoot, 'tests/fixtures/documents/ferry-timetable.pdf')), {
        contentType: 'application/pdf',
      });
      const result = await invoke<{ executionName: string; started: boolean }>('reindex-start-ingestion.json');
      expect(result.started).toBe(true);
      await workflows.settle();
      expect((await services.manifests.get(TENANT, documentIdFor(TENANT, key)))?.status).toBe('INDEXED');
    },
  };

  it('has a sample event for every function, each named after a function of the catalog', () => {
    expect(eventFiles.filter((file) => !functionOf(file))).toEqual([]);
    expect(functionCatalog.filter((f) => !eventFiles.some((file) => functionOf(file)?.name === f.name)).map((f) => f.name)).toEqual([]);
    // Each sample event has a case below: a new event without one fails here.
    expect(eventFiles).toEqual(Object.keys(cases).sort());
  });

  it('prepares the leave policy the way the events describe it (23 chunks, 3 batches of 8)', () => {
    const chunks = new Chunker({ size: 400, overlap: 40 }).chunk(LEAVE_EXTRACTED, { documentId: LEAVE_DOCUMENT_ID, fingerprint: EVENT_DOCUMENT.fingerprint });
    expect(chunks).toHaveLength(EVENT_CHUNKS.chunkCount);
    expect(EVENT_DOCUMENT.documentId).toBe(LEAVE_DOCUMENT_ID);
    expect(chunks[2]?.text).toContain('16 weeks');
  });

  it.each(eventFiles)('%s', async (file) => {
    const run = cases[file];
    if (!run) throw new Error(`No case for ${file}`);
    await run();
  });
});
