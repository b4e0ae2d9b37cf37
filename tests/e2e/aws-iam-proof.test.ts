import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { functionCatalog } from '../../functions/catalog';
import { lambdaContext } from '../../local/lambda-context';
import { s3Event } from '../../local/watcher';
import { parseStreamEvents } from '../../shared/contracts/stream';
import type { UsageResponse } from '../../shared/contracts/usage';
import { documentIdFor } from '../../shared/documents/identity';
import { useFakeAwsCredentials } from '../emulators/aws-test-env';
import { S3RVER_CREDENTIALS } from '../emulators/s3-server';
import { DEV_AUTHORIZATION, type DocumentListing, postJson, type QueryBody, request } from '../helpers/http';
import type { RecordedCall, UnusedGrant } from '../iam/iam-proof';
import { type EmulatedStack, startEmulatedStack } from '../iam/emulated-stack';
import { KEPT_GRANTS } from '../iam/unused-grants';

/**
 * The IAM proof, in both generator modes: the life of a document and a question — upload, ingest,
 * update, an unchanged re-upload, failures and a re-drive, delete, a missed event caught by the re-index
 * sweep, queries and listings — run on the packaged stack's environment (packaged for that mode) with
 * every AWS call judged against the calling function's role in the packaged template. Any denied call
 * fails; every grant no call used needs a written reason; no statement may be redundant.
 */
interface Mode {
  name: string;
  params: Record<string, string>;
  /** Functions that make no AWS call in this mode. */
  silent: readonly string[];
}

const MODES: Mode[] = [
  // ResolveCitations resolves against the chunks RetrieveAndRank carried in the state: no AWS call of its own.
  // A daily budget is set, so the query functions read the tenant's day (GetItem) before any model call.
  { name: 'converse', params: { budgetDailyUsd: '100' }, silent: ['api-health', 'api-openapi', 'query-validate', 'query-citations'] },
  // The Knowledge Base retrieves and reranks inside RetrieveAndGenerate: no RetrieveAndRank task runs.
  {
    name: 'knowledge base',
    params: { knowledgeBase: 'true', budgetDailyUsd: '100' },
    silent: ['api-health', 'api-openapi', 'query-validate', 'query-retrieve-and-rank'],
  },
];
type Handler = (event: unknown, context: Context) => Promise<unknown>;
const fixtures = path.resolve(__dirname, '../fixtures/documents');
const TENANT = 'default';

const describeCall = (c: RecordedCall): string =>
  `${c.function} ${c.command}: ${
    c.missingKeyDenied
      ? 'missing key answered 403 (no s3:ListBucket)'
      : c.requests
          .filter((r) => r.decision === 'Denied')
          .map((r) => `${r.action} on ${r.resource} ${JSON.stringify(r.context)}`)
          .join('; ')
  }`;

const describeGrant = (g: UnusedGrant): string => `${g.function}: ${g.action} on ${g.resource}`;

/** `function: action` of every grant in any mode's packaged roles. */
const grantedInSomeMode = new Set<string>();

describe.each(MODES)('IAM proof ($name mode): every AWS call of the emulated stack is allowed by its function role', (mode) => {
  useFakeAwsCredentials(S3RVER_CREDENTIALS);
  let stack: EmulatedStack;
  let trigger: Handler;

  const url = (route: string) => `${stack.runtime.url}${route}`;
  const knowledgeBaseMode = mode.params.knowledgeBase === 'true';
  /** Chunks written to the index: our embedding calls, or documents sent to the Knowledge Base. */
  const indexWrites = () =>
    knowledgeBaseMode ? stack.knowledgeBase.callsOf('IngestKnowledgeBaseDocuments').length : stack.bedrock.callsOf('InvokeModel').length;
  const manifest = (key: string) => stack.runtime.services.manifests.get(TENANT, documentIdFor(TENANT, key));
  /** A user puts an object in the bucket (no function involved) and S3 emits its event to the trigger. */
  const putObject = async (key: string, bytes: Buffer | string): Promise<void> => {
    await stack.runtime.services.documents.put(key, Buffer.from(bytes));
    const head = await stack.runtime.services.documents.head(key);
    await trigger(s3Event('Object Created', key, { size: head?.size, etag: head?.etag }), lambdaContext('ingest-trigger'));
  };

  beforeAll(async () => {
    stack = await startEmulatedStack({ params: mode.params, env: { RAG_CHUNK_SIZE: '300', RAG_CHUNK_OVERLAP: '40', RAG_EMBED_BATCH_SIZE: '4' } });
    trigger = ((await import('../../functions/ingest/trigger')) as { handler: Handler }).handler;
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('uploads over HTTP, ingests from object events, and the duplicate event of the upload starts nothing new', async () => {
    // Act
    const upload = await request<{ documentId: string; status: string }>(url('/documents/content/handbook/library-hours.txt'), {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: await readFile(path.join(fixtures, 'library-hours.txt')),
    });
    const key = `${TENANT}/handbook/library-hours.txt`;
    const head = await stack.runtime.services.documents.head(key);
    await trigger(s3Event('Object Created', key, { size: head?.size, etag: head?.etag }), lambdaContext('ingest-trigger'));
    await putObject(`${TENANT}/observatory.md`, await readFile(path.join(fixtures, 'observatory.md')));
    await stack.runtime.settle();

    // Assess
    expect(upload.status).toBe(202);
    expect(stack.sfn.callsOf('StartExecution').filter((c) => String(c.body.name).length > 0).length).toBeGreaterThanOrEqual(3);
    expect((await manifest(key))?.status).toBe('INDEXED');
    expect((await manifest(`${TENANT}/observatory.md`))?.status).toBe('INDEXED');
  }, 120_000);

  it('answers a query through StartSyncExecution with a citation, and lists documents', async () => {
    const answer = await postJson<QueryBody>(url('/query'), { question: 'Until what time is the library open on Thursdays?' });
    const listing = await request<DocumentListing>(url('/documents'));
    const one = await request<{ status: string }>(url(`/documents/${documentIdFor(TENANT, `${TENANT}/observatory.md`)}`));

    expect(answer.status).toBe(200);
    expect(answer.body.citations[0]?.key).toBe(`${TENANT}/handbook/library-hours.txt`);
    expect(stack.sfn.callsOf('StartSyncExecution')).toHaveLength(1);
    expect(listing.body.documents.map((d) => d.status).sort()).toEqual(['INDEXED', 'INDEXED']);
    expect(one.body.status).toBe('INDEXED');
  }, 60_000);

  it('lists the files that are never indexed for the operator (the development token holds the admin scope)', async () => {
    await putObject('Stray/notes.txt', 'A file under a folder that is no tenant name.');
    const rejected = await request<{ files: { key: string; reason: string }[] }>(url('/rejected-files'));
    expect(rejected.status).toBe(200);
    expect(rejected.body.files.map((f) => f.key)).toContain('Stray/notes.txt');
    expect(stack.proof.calls.some((c) => c.function === 'api-documents' && c.command === 'S3Client.ListObjectsV2Command')).toBe(true);
  }, 60_000);

  it('streams an answer over the function URL path, keeps the session, caches the answer, and reads and deletes the session', async () => {
    // Not the question asked above, whose answer is cached: this one runs the whole streaming path.
    const question = 'When does the library close on Thursdays?';
    const streamed = await fetch(url('/query/stream'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
      body: JSON.stringify({ question }),
    });
    const events = parseStreamEvents(await streamed.text());
    const meta = events.find((e) => e.event === 'meta');
    const sessionId = meta?.event === 'meta' ? meta.data.sessionId : '';
    const repeated = await postJson<QueryBody & { cached: boolean; sessionId: string }>(url('/query'), { question });
    const followUp = await postJson<QueryBody & { sessionId: string }>(url('/query'), { question: 'and on Saturdays?', sessionId });
    const session = await request<{ turns: unknown[] }>(url(`/sessions/${sessionId}`));
    const deleted = await request(url(`/sessions/${sessionId}`), { method: 'DELETE' });
    const gone = await request(url(`/sessions/${sessionId}`));

    expect(streamed.status).toBe(200);
    expect(events.map((e) => e.event)).toContain('done');
    expect(sessionId).not.toBe('');
    expect(meta?.event === 'meta' && meta.data.cached).toBe(false);
    // The streamed answer was stored: the same question is answered from the cache.
    expect(repeated.body.cached).toBe(true);
    expect(followUp.body.sessionId).toBe(sessionId);
    expect(session.body.turns).toHaveLength(2);
    expect([deleted.status, gone.status]).toEqual([204, 404]);
    // Sessions and cache live in the template's table, read and written by the functions' own roles.
    expect(stack.dynamodb.callsOf('PutItem').length).toBeGreaterThan(0);
    expect(stack.dynamodb.callsOf('DeleteItem')).toHaveLength(1);
  }, 60_000);

  it("reports usage: the tenant's own by feature, and every tenant's by day with the admin scope", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const own = await request<UsageResponse>(url(`/usage?from=${today}&to=${today}&groupBy=feature`));
    const all = await request<UsageResponse>(url(`/usage?from=${today}&to=${today}&tenant=*`));

    expect(own.status).toBe(200);
    expect(own.body.tenant).toBe(TENANT);
    // The queries above were recorded by the Tasks that made their model calls; their budget was read first.
    expect(own.body.rows.find((row) => row.key === 'query')?.calls).toBeGreaterThan(0);
    expect(own.body.budget).toMatchObject({ limitUsd: 100, state: 'ok' });
    expect(all.status).toBe(200);
    expect(all.body.rows.every((row) => row.tenant === TENANT && row.key === today)).toBe(true);
    expect(all.body.totals.calls).toBe(own.body.totals.calls);
  }, 60_000);

  it('re-indexes an updated object', async () => {
    const key = `${TENANT}/observatory.md`;
    const before = await manifest(key);

    await putObject(
      key,
      `${await readFile(path.join(fixtures, 'observatory.md'), 'utf8')}\n\nThe dome opens for visitors on the first Friday of each month.\n`,
    );
    await stack.runtime.settle();

    const after = await manifest(key);
    expect(after?.status).toBe('INDEXED');
    expect(after?.version).not.toBe(before?.version);
  }, 60_000);

  it('finds an object uploaded again in parts (new ETag, same bytes) unchanged: nothing is embedded', async () => {
    // Prepare: the same bytes under a multipart ETag, as S3 reports a multipart upload.
    const key = `${TENANT}/observatory.md`;
    const before = await manifest(key);
    const writesBefore = indexWrites();
    const head = await stack.runtime.services.documents.head(key);

    // Act
    await trigger(s3Event('Object Created', key, { size: head?.size, etag: '"0123456789abcdef0123456789abcdef-2"' }), lambdaContext('ingest-trigger'));
    await stack.runtime.settle();

    // Assess
    const after = await manifest(key);
    expect(after?.status).toBe('INDEXED');
    expect(after?.version).toBe(before?.version);
    expect(indexWrites()).toBe(writesBefore);
    // The live generation was verified by its chunk ids.
    const lookup = knowledgeBaseMode ? 'BedrockAgentClient.GetKnowledgeBaseDocumentsCommand' : 'S3VectorsClient.GetVectorsCommand';
    expect(stack.proof.calls.some((c) => c.function === 'ingest-extract' && c.command === lookup)).toBe(true);
  }, 60_000);

  it('leaves no document for an object event whose object is already gone (S3 answered 404, not 403, and the failure is not recorded for a file that no longer exists)', async () => {
    const key = `${TENANT}/gone-before-extraction.txt`;
    await putObject(key, 'A short note that is deleted before its ingestion runs.');
    await stack.runtime.settle();
    await stack.runtime.services.documents.delete(key);

    const head = { size: 10, etag: '"deleted-meanwhile"' };
    await trigger(s3Event('Object Created', key, head), lambdaContext('ingest-trigger'));
    await stack.runtime.settle();

    // Extract met a 404 (a 403 would be a DependencyUnavailableError and a retry); RecordFailure found the object
    // gone and left no ghost FAILED document behind (shared/pipeline/ingest.ts).
    expect(await manifest(key)).toBeUndefined();
    expect(stack.proof.calls.some((c) => c.function === 'ingest-record-failure' && c.command === 'S3Client.HeadObjectCommand')).toBe(true);
    // Re-driving it finds nothing: 404 with a reason, not a dependency error.
    const redrive = await request<{ error: { code: string } }>(url(`/documents/${documentIdFor(TENANT, key)}/redrive`), { method: 'POST' });
    expect(redrive.status).toBe(404);
    expect(redrive.body.error.code).toBe('NotFoundError');
  }, 60_000);

  it('records a failure after chunking: partial chunks and work files are removed, the document is FAILED', async () => {
    // Prepare: the index write of this document's first batch is rejected (our embedding model, or the
    // Knowledge Base's ingestion API).
    const key = `${TENANT}/ferry-notes.txt`;
    const modelId = stack.config.aws.embeddingModelId ?? '';
    const rejected = { status: 400, code: 'ValidationException', message: 'Malformed input request' };
    if (knowledgeBaseMode) stack.knowledgeBase.setFaults({ next: [rejected] });
    else stack.bedrock.modelFaults.set(modelId, { ...rejected, times: 1 });
    try {
      // Act
      await putObject(key, `${'The ferry leaves the north pier every forty minutes in summer. '.repeat(12)}`);
      await stack.runtime.settle();
    } finally {
      stack.bedrock.modelFaults.delete(modelId);
      stack.knowledgeBase.setFaults({});
    }

    // Assess
    const failed = await manifest(key);
    expect(failed?.status).toBe('FAILED');
    expect((await stack.runtime.services.state.list(`work/${TENANT}/${documentIdFor(TENANT, key)}/`)).items).toEqual([]);
    expect(stack.proof.calls.some((c) => c.function === 'ingest-record-failure' && c.command === 'S3Client.DeleteObjectCommand')).toBe(true);
  }, 60_000);

  it('withdraws a batch that finishes after its ingestion failed: its chunks leave the index', async () => {
    // Prepare: the document that failed above, and a batch of another attempt of it that Step Functions
    // still runs (Map iterations are not cancelled mid-invocation).
    const key = `${TENANT}/ferry-notes.txt`;
    const documentId = documentIdFor(TENANT, key);
    expect((await manifest(key))?.status).toBe('FAILED');
    const text = 'A late batch of the ferry notes. The ferry leaves the north pier every forty minutes.';
    const fingerprint = 'a'.repeat(32);
    const chunks = stack.runtime.services.chunker.chunk({ text, contentType: 'text/plain' }, { documentId, fingerprint });
    const identity = { tenant: TENANT, documentId, key, version: 'b'.repeat(64), contentType: 'text/plain', fingerprint };
    const batchKey = `work/${TENANT}/${documentId}/${fingerprint}/batch-00000.json`;
    await stack.runtime.services.state.put(batchKey, JSON.stringify({ identity, chunks }), { contentType: 'application/json' });
    const embedBatch = ((await import('../../functions/ingest/embed-batch')) as { handler: Handler }).handler;

    // Act
    const late = embedBatch({ tenant: TENANT, documentId, fingerprint, batchKey }, lambdaContext('ingest-embed-batch'));

    // Assess
    await expect(late).rejects.toThrow(/withdrawn/);
    expect(await stack.runtime.services.vectors.countDocument(TENANT, documentId, fingerprint)).toBe(0);
    await stack.runtime.services.state.delete(batchKey);
  }, 60_000);

  it('records a failure and re-drives it', async () => {
    const key = `${TENANT}/unknown.bin`;
    await putObject(key, await readFile(path.join(fixtures, 'unknown.bin')));
    await stack.runtime.settle();
    const failed = await manifest(key);

    const redrive = await request(url(`/documents/${documentIdFor(TENANT, key)}/redrive`), { method: 'POST' });
    await stack.runtime.settle();
    const again = await manifest(key);

    expect(failed?.status).toBe('FAILED');
    expect(redrive.status).toBe(202);
    expect(again?.status).toBe('FAILED');
    expect(again?.attempts).toBeGreaterThan(failed?.attempts ?? 0);
  }, 60_000);

  it('catches a missed object event in the re-index sweep', async () => {
    // A user's object whose event never arrived.
    const key = `${TENANT}/bakery.html`;
    await stack.runtime.services.documents.put(key, await readFile(path.join(fixtures, 'bakery.html')));

    await stack.runtime.workflows.startReindex('schedule');
    await stack.runtime.settle();

    expect((await manifest(key))?.status).toBe('INDEXED');
  }, 60_000);

  it('deletes a document over HTTP: its vectors, manifest and work files left by a dead execution go', async () => {
    const key = `${TENANT}/bakery.html`;
    const documentId = documentIdFor(TENANT, key);
    // An execution that died mid-way left a work file behind.
    const stray = `work/${TENANT}/${documentId}/dead-execution/extracted.json`;
    await stack.runtime.services.state.put(stray, '{}', { contentType: 'application/json' });

    const deleted = await request(url(`/documents/${documentId}`), { method: 'DELETE' });
    await stack.runtime.settle();

    expect(deleted.status).toBe(202);
    expect(await manifest(key)).toBeUndefined();
    expect(await stack.runtime.services.vectors.countDocument(TENANT, documentId)).toBe(0);
    expect((await request(url(`/documents/${documentId}`))).status).toBe(404);
    expect(await stack.runtime.services.state.head(stray)).toBeUndefined();
  }, 60_000);

  it('made no call that its role denies, and judged every call', () => {
    expect(stack.proof.unmapped).toEqual([]);
    expect(stack.proof.denied().map(describeCall)).toEqual([]);
    // Every function that touches AWS in this mode was seen, so the proof covers each role.
    const seen = new Set(stack.proof.calls.map((c) => c.function));
    const expected = functionCatalog.map((f) => f.name).filter((name) => !mode.silent.includes(name));
    expect(expected.filter((name) => !seen.has(name))).toEqual([]);
  });

  it('keeps no grant that no call used without a written reason, and no redundant statement', async () => {
    const unused = await stack.proof.unusedGrants(functionCatalog.map((f) => f.name));
    const kept = (g: UnusedGrant) =>
      KEPT_GRANTS.some(
        (k) =>
          k.action === g.action && (k.functions === '*' || k.functions.includes(g.function)) && (k.resource === undefined || g.resource.endsWith(k.resource)),
      );
    expect(unused.filter((g) => !kept(g)).map(describeGrant)).toEqual([]);
    // Remember what this mode grants: every written reason must name a grant of some mode (below).
    for (const fn of functionCatalog.map((f) => f.name)) for (const action of stack.proof.grantsOf(fn)) grantedInSomeMode.add(`${fn}: ${action}`);
    expect(await stack.proof.redundantStatements()).toEqual([]);
  }, 120_000);
});

describe('reasons for kept grants', () => {
  it('name only grants that exist in some mode, so the list cannot rot', () => {
    // Runs after both modes (jest keeps declaration order within a file).
    expect(grantedInSomeMode.size).toBeGreaterThan(0);
    const stale = KEPT_GRANTS.flatMap((k) =>
      (k.functions === '*' ? functionCatalog.map((f) => f.name) : k.functions)
        .map((fn) => `${fn}: ${k.action}`)
        .filter((grant) => !grantedInSomeMode.has(grant)),
    );
    expect(stale).toEqual([]);
  });
});
