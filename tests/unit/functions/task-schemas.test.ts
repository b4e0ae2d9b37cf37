import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { functionCatalog } from '../../../functions/catalog';
import * as ingestChunk from '../../../functions/ingest/chunk';
import * as ingestDeleteDocument from '../../../functions/ingest/delete-document';
import * as ingestEmbedBatch from '../../../functions/ingest/embed-batch';
import * as ingestExtract from '../../../functions/ingest/extract';
import * as ingestFinalize from '../../../functions/ingest/finalize';
import * as ingestRecordFailure from '../../../functions/ingest/record-failure';
import { chunkSchema, deleteDocumentSchema, embedBatchSchema, extractSchema, finalizeSchema, recordFailureSchema } from '../../../functions/ingest/state';
import * as ingestTrigger from '../../../functions/ingest/trigger';
import * as queryCitations from '../../../functions/query/citations';
import * as queryGenerate from '../../../functions/query/generate';
import * as queryGuardInput from '../../../functions/query/guard-input';
import * as queryRetrieveAndRank from '../../../functions/query/retrieve-and-rank';
import { citationsSchema, generateSchema, guardInputSchema, retrieveAndRankSchema, validateSchema } from '../../../functions/query/state';
import * as queryValidate from '../../../functions/query/validate';
import * as reindexPlan from '../../../functions/reindex/plan';
import * as reindexStartIngestion from '../../../functions/reindex/start-ingestion';
import { planSchema, startIngestionSchema } from '../../../functions/reindex/state';
import { lambdaContext } from '../../../local/lambda-context';
import type { FieldIssue } from '../../../shared/errors';
import type { Services } from '../../../shared/pipeline/services';

/**
 * Every Task handler validates its whole input with its step's schema: the sample event of each
 * function passes and reaches the use-case; a malformed input fails as a ValidationError naming
 * the fields, before the use-case touches a single port.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Thrown by the stub on the first port a use-case touches: reaching it proves the input passed validation. */
class PortReachedError extends Error {
  override name = 'PortReachedError';
}

/** Services that record each port a use-case reaches for (every use-case starts from one) and stop it there. */
function recordingServices(): { services: () => Promise<Services>; reached: string[] } {
  const reached: string[] = [];
  const stub = new Proxy(
    {},
    {
      get(_target, property) {
        // Awaiting the services reads `then`; that is the handler, not the use-case.
        if (typeof property === 'symbol' || property === 'then') return undefined;
        reached.push(property);
        throw new PortReachedError(`use-case reached services.${property}`);
      },
    },
  ) as Services;
  return { services: async () => stub, reached };
}

const eventsDir = path.join(__dirname, '../../../events');
const sampleEvent = (file: string): Json => JSON.parse(readFileSync(path.join(eventsDir, file), 'utf8')) as Json;
/** A function's sample events: events/<name>.json and its variants, events/<name>.<variant>.json. */
const sampleFiles = (name: string): string[] =>
  readdirSync(eventsDir).filter((file) => file === `${name}.json` || (file.startsWith(`${name}.`) && file.endsWith('.json')));

/** A copy of the sample with fields set (dotted paths, array indexes as numbers) or removed (value `undefined`). */
function edited(sample: Json, changes: Record<string, Json | undefined>): Json {
  const copy = structuredClone(sample);
  for (const [dotted, value] of Object.entries(changes)) {
    const keys = dotted.split('.');
    const last = keys.pop() as string;
    let node = copy as Record<string, Json>;
    for (const key of keys) node = node[key] as Record<string, Json>;
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return copy;
}

interface Malformed {
  what: string;
  /** Changes to the sample event, or a whole input replacing it. */
  changes?: Record<string, Json | undefined>;
  input?: Json;
  /** Field paths the ValidationError must name (among others). */
  issues: string[];
}

interface TaskCase {
  /** Catalog name; its sample event is events/<name>.json (the one the malformed inputs start from). */
  name: string;
  schema: z.ZodType;
  makeHandler: (services: () => Promise<Services>) => Handler;
  malformed: Malformed[];
  /** Other inputs the state machine really passes (paths the sample does not take). */
  alsoValid?: { what: string; changes: Record<string, Json | undefined> }[];
  /**
   * "pass": the top level is someone else's: the whole execution state (whoever starts an execution
   * owns its input) or the EventBridge envelope. "reject": the input is built field by field
   * (ItemSelector, plan items) or is the strict query contract.
   */
  extraFields: 'pass' | 'reject';
}

const cases: TaskCase[] = [
  {
    name: 'ingest-trigger',
    schema: ingestTrigger.s3EventSchema,
    makeHandler: ingestTrigger.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'a key that is not a string', changes: { 'detail.object.key': 5 }, issues: ['detail.object.key'] },
      { what: 'an event type it does not handle', changes: { 'detail-type': 'Object Restore Completed' }, issues: ['detail-type'] },
    ],
    alsoValid: [{ what: 'a delete event without etag', changes: { 'detail-type': 'Object Deleted', 'detail.object.etag': undefined } }],
  },
  {
    name: 'ingest-extract',
    schema: extractSchema,
    makeHandler: ingestExtract.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'no key', changes: { key: undefined }, issues: ['key'] },
      { what: 'a tenant outside the tenant pattern', changes: { tenant: 'Acme Corp' }, issues: ['tenant'] },
      { what: 'an unknown reason', changes: { reason: 'whim' }, issues: ['reason'] },
      { what: 'a delete (RouteAction sends it to DeleteDocument)', changes: { action: 'delete' }, issues: ['action'] },
    ],
    alsoValid: [{ what: 'a request without etag', changes: { etag: undefined } }],
  },
  {
    name: 'ingest-delete-document',
    schema: deleteDocumentSchema,
    makeHandler: ingestDeleteDocument.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'a key that is not a string', changes: { key: 42 }, issues: ['key'] },
      { what: 'an upsert', changes: { action: 'upsert' }, issues: ['action'] },
      { what: 'no reason', changes: { reason: undefined }, issues: ['reason'] },
    ],
  },
  {
    name: 'ingest-chunk',
    schema: chunkSchema,
    makeHandler: ingestChunk.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'no Extract result', changes: { document: undefined }, issues: ['document'] },
      { what: 'a byte count that is a string', changes: { 'document.bytes': '18342' }, issues: ['document.bytes'] },
      { what: 'no extracted text key', changes: { 'document.textKey': undefined }, issues: ['document.textKey'] },
      { what: 'an unchanged document (SkipIfUnchanged ends there)', changes: { 'document.unchanged': true }, issues: ['document.unchanged'] },
    ],
  },
  {
    name: 'ingest-embed-batch',
    schema: embedBatchSchema,
    makeHandler: ingestEmbedBatch.makeHandler,
    extraFields: 'reject',
    malformed: [
      { what: 'a fingerprint that is a number', changes: { fingerprint: 7 }, issues: ['fingerprint'] },
      { what: 'no batch key', changes: { batchKey: undefined }, issues: ['batchKey'] },
    ],
  },
  {
    name: 'ingest-finalize',
    schema: finalizeSchema,
    makeHandler: ingestFinalize.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'no Chunk result', changes: { chunks: undefined }, issues: ['chunks'] },
      { what: 'batches that are not a list', changes: { 'chunks.batches': 'all' }, issues: ['chunks.batches'] },
      { what: 'a fractional chunk count', changes: { 'chunks.chunkCount': 2.5 }, issues: ['chunks.chunkCount'] },
      { what: 'a document without fingerprint', changes: { 'document.fingerprint': undefined }, issues: ['document.fingerprint'] },
    ],
  },
  {
    name: 'ingest-record-failure',
    schema: recordFailureSchema,
    makeHandler: ingestRecordFailure.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'no error (it is every Catch target)', changes: { error: undefined }, issues: ['error'] },
      { what: 'an error name that is a number', changes: { 'error.Error': 500 }, issues: ['error.Error'] },
      { what: 'a fingerprint that is a number', changes: { 'document.fingerprint': 1 }, issues: ['document.fingerprint'] },
      {
        what: 'a Chunk result with a string count',
        changes: { chunks: { chunkCount: 'many', batches: [], maxConcurrency: 4 } },
        issues: ['chunks.chunkCount'],
      },
      { what: 'an Extract result with a string byte count', changes: { 'document.bytes': '18342' }, issues: ['document.bytes'] },
      { what: 'a Chunk result without batches', changes: { chunks: { chunkCount: 2, maxConcurrency: 4 } }, issues: ['chunks.batches'] },
    ],
    alsoValid: [
      { what: 'a failure in Extract (no results yet)', changes: { document: undefined } },
      {
        what: 'a failure in EmbedBatches (both results)',
        changes: { chunks: { chunkCount: 2, batches: [{ batchKey: 'work/acme/a/b/batch-00000.json' }], maxConcurrency: 4 } },
      },
      { what: 'a failure in DeleteDocument', changes: { action: 'delete', document: undefined } },
    ],
  },
  {
    name: 'query-validate',
    schema: validateSchema,
    makeHandler: queryValidate.makeHandler,
    extraFields: 'reject',
    malformed: [
      { what: 'a question that is a number', changes: { question: 1 }, issues: ['question'] },
      { what: 'no request id', changes: { requestId: undefined }, issues: ['requestId'] },
      { what: 'a filter with a malformed document id', changes: { filters: { documentIds: ['nope'] } }, issues: ['filters.documentIds.0'] },
      { what: 'a field the query contract does not know', changes: { temperature: 2 }, issues: ['(input)'] },
    ],
  },
  {
    name: 'query-guard-input',
    schema: guardInputSchema,
    makeHandler: queryGuardInput.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'no ValidateQuery result', changes: { query: undefined }, issues: ['query'] },
      { what: 'a topK that is a string', changes: { 'query.topK': '5' }, issues: ['query.topK'] },
      { what: 'an unknown mode', changes: { 'query.mode': 'psychic' }, issues: ['query.mode'] },
    ],
  },
  {
    name: 'query-retrieve-and-rank',
    schema: retrieveAndRankSchema,
    makeHandler: queryRetrieveAndRank.makeHandler,
    extraFields: 'pass',
    malformed: [
      {
        what: 'the {"query":1,"inputGuard":2} that once failed as "refs.map is not a function"',
        input: { query: 1, inputGuard: 2 },
        issues: ['query', 'inputGuard', 'requestId', 'tenant', 'question'],
      },
      { what: 'a guarded question that is a number', changes: { 'inputGuard.question': 1 }, issues: ['inputGuard.question'] },
      {
        what: 'a finding without detail',
        changes: { 'inputGuard.verdict.findings': [{ type: 'PII', action: 'ANONYMIZED' }] },
        issues: ['inputGuard.verdict.findings.0.detail'],
      },
      { what: 'a blocked question (InputAllowed ends it)', changes: { 'inputGuard.blocked': true }, issues: ['inputGuard.blocked'] },
      { what: 'knowledge-base mode (InputAllowed skips retrieval)', changes: { 'query.mode': 'knowledge-base' }, issues: ['query.mode'] },
    ],
  },
  {
    name: 'query-generate',
    schema: generateSchema,
    makeHandler: queryGenerate.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'ranked chunks that are not a list', changes: { 'ranked.chunks': 'best' }, issues: ['ranked.chunks'] },
      { what: 'a ranked chunk without its text', changes: { 'ranked.chunks.0.chunk.text': undefined }, issues: ['ranked.chunks.0.chunk.text'] },
      { what: 'a score that is a string', changes: { 'ranked.chunks.0.score': '0.82' }, issues: ['ranked.chunks.0.score'] },
      { what: 'ranked chunks above the state payload bound', changes: { 'ranked.chunks.0.chunk.text': 'x'.repeat(100 * 1024) }, issues: ['ranked.chunks'] },
      { what: 'no RetrieveAndRank result in own-retrieval mode', changes: { ranked: undefined }, issues: ['ranked'] },
      { what: 'a blocked question (InputAllowed sends it to ResolveCitations)', changes: { 'inputGuard.blocked': true }, issues: ['inputGuard.blocked'] },
    ],
    alsoValid: [{ what: 'knowledge-base mode (no ranking)', changes: { 'query.mode': 'knowledge-base', ranked: undefined } }],
  },
  {
    name: 'query-citations',
    schema: citationsSchema,
    makeHandler: queryCitations.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'a citation without chunk id', changes: { 'generation.citations.0.chunkId': undefined }, issues: ['generation.citations.0.chunkId'] },
      { what: 'negative token usage', changes: { 'generation.usage.inputTokens': -1 }, issues: ['generation.usage.inputTokens'] },
      { what: 'no Generate result for an allowed question', changes: { generation: undefined }, issues: ['generation'] },
      { what: 'an own-retrieval answer without RetrieveAndRank result', changes: { ranked: undefined }, issues: ['ranked'] },
    ],
    alsoValid: [
      {
        what: 'a blocked question, straight from InputAllowed',
        changes: { 'inputGuard.blocked': true, 'inputGuard.question': '', ranked: undefined, generation: undefined },
      },
      { what: 'a knowledge-base answer', changes: { 'query.mode': 'knowledge-base', ranked: undefined } },
    ],
  },
  {
    name: 'reindex-plan',
    schema: planSchema,
    makeHandler: reindexPlan.makeHandler,
    extraFields: 'pass',
    malformed: [
      { what: 'a cursor in an unknown phase', changes: { 'cursor.phase': 'everything' }, issues: ['cursor.phase'] },
      { what: 'no trigger (NextPage reads $.trigger)', changes: { trigger: undefined }, issues: ['trigger'] },
    ],
    alsoValid: [{ what: 'the first page: the execution input alone', changes: { cursor: undefined } }],
  },
  {
    name: 'reindex-start-ingestion',
    schema: startIngestionSchema,
    makeHandler: reindexStartIngestion.makeHandler,
    extraFields: 'reject',
    malformed: [
      { what: 'no reason', changes: { reason: undefined }, issues: ['reason'] },
      { what: 'an unknown action', changes: { action: 'purge' }, issues: ['action'] },
      { what: 'a key that is too long', changes: { key: `acme/${'k'.repeat(1024)}` }, issues: ['key'] },
    ],
  },
];

async function invoke(taskCase: TaskCase, event: unknown): Promise<{ error: unknown; reached: string[] }> {
  const { services, reached } = recordingServices();
  const handler = taskCase.makeHandler(services);
  try {
    await handler(event, lambdaContext(taskCase.name));
  } catch (error) {
    return { error, reached };
  }
  return { error: undefined, reached };
}

function expectReachedUseCase(outcome: { error: unknown; reached: string[] }): void {
  expect(outcome.error).toBeInstanceOf(PortReachedError);
  expect(outcome.reached.length).toBeGreaterThan(0);
}

describe('task input schemas', () => {
  it('covers every Task and trigger function of the catalog', () => {
    // Prepare
    const functions = functionCatalog.filter((f) => f.kind !== 'http').map((f) => f.name);

    // Assess
    expect(cases.map((c) => c.name).sort()).toEqual([...functions].sort());
  });

  describe.each(cases)('$name', (taskCase) => {
    const sample = sampleEvent(`${taskCase.name}.json`);

    it.each(sampleFiles(taskCase.name))('parses the sample event %s and hands it to the use-case', async (file) => {
      // Prepare
      const event = sampleEvent(file);

      // Act
      const parsed = taskCase.schema.safeParse(event);
      const outcome = await invoke(taskCase, event);

      // Assess
      expect(parsed.error?.issues).toBeUndefined();
      expectReachedUseCase(outcome);
    });

    const alsoValid = taskCase.alsoValid ?? [];
    // jest refuses an empty table.
    if (alsoValid.length > 0) {
      it.each(alsoValid)('parses $what and hands it to the use-case', async ({ changes }) => {
        // Prepare
        const event = edited(sample, changes);

        // Act
        const parsed = taskCase.schema.safeParse(event);
        const outcome = await invoke(taskCase, event);

        // Assess
        expect(parsed.error?.issues).toBeUndefined();
        expectReachedUseCase(outcome);
      });
    }

    it.each(taskCase.malformed)('rejects $what with a ValidationError, before the use-case', async ({ changes, input, issues }) => {
      // Prepare
      const event = input ?? edited(sample, changes ?? {});

      // Act
      const outcome = await invoke(taskCase, event);

      // Assess
      expect(outcome.error).toMatchObject({ name: 'ValidationError', message: 'Invalid task input' });
      const named = (outcome.error as { issues: FieldIssue[] }).issues.map((issue) => issue.path);
      expect(named).toEqual(expect.arrayContaining(issues));
      expect(outcome.reached).toEqual([]);
    });

    it.each([null, 'text', [], 7])('rejects the non-object %p', async (event) => {
      // Act
      const outcome = await invoke(taskCase, event);

      // Assess
      expect(outcome.error).toMatchObject({ name: 'ValidationError', issues: [{ path: '(input)' }] });
      expect(outcome.reached).toEqual([]);
    });

    it(taskCase.extraFields === 'pass' ? 'lets extra top-level fields of the execution state through' : 'rejects a field its input never carries', async () => {
      // Act
      const outcome = await invoke(taskCase, edited(sample, { operatorNote: 'started by hand' }));

      // Assess
      if (taskCase.extraFields === 'pass') expectReachedUseCase(outcome);
      else expect(outcome.error).toMatchObject({ name: 'ValidationError', issues: [{ path: '(input)', message: 'Unrecognized key: "operatorNote"' }] });
    });
  });
});
