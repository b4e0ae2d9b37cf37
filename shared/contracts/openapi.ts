import * as z from 'zod';
import {
  documentDeleteAcceptedSchema,
  documentIdSchema,
  documentListSchema,
  documentPathSchema,
  documentRedriveAcceptedSchema,
  rejectedFileListSchema,
  rejectedFilesQuerySchema,
  documentStatusSchema,
  documentsListQuerySchema,
  documentUploadAcceptedSchema,
  documentViewSchema,
} from './documents';
import { queryFiltersSchema, queryRequestSchema } from './query';
import { guardrailSummarySchema, queryResponseSchema } from './query-response';
import { sessionIdSchema, sessionViewSchema } from './sessions';
import { formatStreamEvent, STREAM_EVENT_SCHEMAS, type StreamEvent, type StreamEventType, streamCitationSchema } from './stream';
import { usageQuerySchema, usageResponseSchema } from './usage';

/**
 * The API description (`GET /openapi.json`), generated from the zod schemas that validate requests
 * and describe responses, for the routes of the route table passed in. A route without a description
 * here throws, so a new route cannot ship undescribed (tests/unit/shared/contracts/openapi.test.ts).
 */

export const OPENAPI_VERSION = '3.1.1';
/** The version of the API: the package's (the test keeps them equal). */
export const API_VERSION = '0.1.0';
const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** A route of functions/api/routes.ts, as much of it as the description needs. */
export interface DescribedRoute {
  method: string;
  path: string;
  public?: boolean;
  /** Answered as Server-Sent Events; on AWS served by the function's own URL, not the HTTP API. */
  stream?: boolean;
}

export interface OpenApiOptions {
  /** `config.query`: the question length and topK the request schema allows. */
  limits: { maxQuestionChars: number; maxTopK: number };
  /** `config.ingestion.maxUploadBytes`. */
  maxUploadBytes: number;
  /** `config.tenancy.tenantClaim`: the JWT claim that names the tenant. */
  tenantClaim: string;
}

type JsonObject = { [key: string]: unknown };

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: JsonObject[];
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  security: JsonObject[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonObject>;
    parameters: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
    headers: Record<string, JsonObject>;
    securitySchemes: Record<string, JsonObject>;
  };
}

/** The body of every error response (functions/api/http.ts, `errorResponse`). */
export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string().describe('The error name; stable, e.g. ValidationError, NotFoundError, ThrottlingError, InternalError.'),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('Field-level reasons (400 only).'),
  }),
  requestId: z.string(),
});

/** `GET /health` (functions/api/health.ts). */
export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  adapters: z.record(z.string(), z.string()).describe('The adapter each port runs on, by port.'),
  embeddingModel: z.string(),
  generationModel: z.string(),
  promptVersion: z.string(),
});

/** What `GET /openapi.json` answers: checked this far; the rest is the OpenAPI 3.1 specification's. */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.looseObject({})),
});

// --- examples (typed by their schemas; the test validates each one) ---

const requestId = '7f1d2c3b-4a5e-4f60-8a9b-0c1d2e3f4a5b';
const documentId = '3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c1e';
const sessionId = '6b1f0d52-3c4e-4a8b-9f7e-1d2c3b4a5e6f';
const model = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const citation: z.input<typeof streamCitationSchema> = {
  marker: 1,
  documentId,
  chunkId: '9c4e1a7b3d5f2e8a0b6c4d2e1f3a5b7c9d0e2f4a',
  uri: 's3://rag-documents-example/acme/policies/returns.md',
  key: 'acme/policies/returns.md',
  title: 'Returns policy',
  excerpt: 'Items may be returned within 30 days of delivery.',
  location: { start: 812, end: 861, section: 'Returns', chunkIndex: 3 },
};
const usage = { inputTokens: 1432, outputTokens: 58, costUsd: 0.00051 };

const queryRequestExample: z.input<ReturnType<typeof queryRequestSchema>> = {
  question: 'How long do customers have to return an item?',
  topK: 5,
  filters: { keyPrefix: 'acme/policies/' },
  sessionId,
};

const queryResponseExample: z.input<typeof queryResponseSchema> = {
  answer: 'Customers can return an item within 30 days of delivery [1].',
  citations: [citation],
  guardrail: { action: 'NONE', blocked: false, findings: [], groundingScore: 0.92, guardrailId: 'local' },
  usage,
  model,
  fallbackUsed: false,
  promptVersion: 'v2',
  requestId,
  sessionId,
  newSession: false,
  cached: false,
};

/** One example per event type (a new type without one does not compile). */
const streamEventExamples: { [K in StreamEventType]: z.input<(typeof STREAM_EVENT_SCHEMAS)[K]> } = {
  meta: { requestId, model, promptVersion: 'v2', sessionId, cached: false },
  delta: { text: 'Customers can return an item ' },
  replace: { text: 'Sorry, I cannot help with that request.', reason: 'guardrail' },
  citations: { citations: [citation] },
  done: {
    requestId,
    usage,
    guardrail: { action: 'NONE', blocked: false, groundingScore: 0.92 },
    model,
    fallbackUsed: false,
    cached: false,
    sessionId,
    firstDeltaMs: 640,
  },
  error: { error: { code: 'DependencyUnavailableError', message: 'The model stopped answering' }, requestId },
};

/** A whole answer on the wire: meta, two deltas, citations, done. */
const streamExample = (
  [
    { event: 'meta', data: streamEventExamples.meta },
    { event: 'delta', data: streamEventExamples.delta },
    { event: 'delta', data: { text: 'within 30 days of delivery [1].' } },
    { event: 'citations', data: streamEventExamples.citations },
    { event: 'done', data: streamEventExamples.done },
  ] as StreamEvent[]
)
  .map(formatStreamEvent)
  .join('');

const timestamp = '2026-11-30T09:12:44.512Z';
const documentViewExample: z.input<typeof documentViewSchema> = {
  documentId,
  key: 'acme/policies/returns.md',
  status: 'INDEXED',
  chunkCount: 12,
  version: 'b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78',
  contentType: 'text/markdown',
  title: 'Returns policy',
  bytes: 18234,
  attempts: 1,
  updatedAt: timestamp,
  indexedAt: timestamp,
};
const execution = 'upsert-5d41402abc4b2a76b9719d911017c592e4b1c7a3';

// --- components ---

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** The component that describes the `data` of one SSE event type. */
export const streamEventComponent = (type: StreamEventType): string => `Stream${capitalized(type)}Event`;

/** One SSE message as a client reads it: the event type and its parsed `data`. */
function streamEventSchema() {
  const [first, ...rest] = (Object.keys(STREAM_EVENT_SCHEMAS) as StreamEventType[]).map((type) =>
    z.object({ event: z.literal(type), data: STREAM_EVENT_SCHEMAS[type] }),
  );
  if (!first) throw new Error('STREAM_EVENT_SCHEMAS is empty');
  return z.discriminatedUnion('event', [first, ...rest]);
}

interface Component {
  schema: z.ZodType;
  description?: string;
  /** JSON Schema `examples` of the component (the SSE events: their examples are nowhere else). */
  examples?: unknown[];
}

function components(limits: OpenApiOptions['limits']): Record<string, Component> {
  const streamEvents = Object.fromEntries(
    (Object.keys(STREAM_EVENT_SCHEMAS) as StreamEventType[]).map((type) => [
      streamEventComponent(type),
      { schema: STREAM_EVENT_SCHEMAS[type], description: `The \`data\` of an SSE \`${type}\` event.`, examples: [streamEventExamples[type]] },
    ]),
  );
  return {
    QueryRequest: { schema: queryRequestSchema(limits), description: 'The body of POST /query and POST /query/stream.' },
    QueryFilters: { schema: queryFiltersSchema, description: 'Restricts retrieval; all given filters apply.' },
    QueryResponse: { schema: queryResponseSchema, description: 'The answer of POST /query.' },
    Citation: { schema: streamCitationSchema, description: 'A passage the answer cites: document, key and character offsets in its text.' },
    GuardrailSummary: { schema: guardrailSummarySchema, description: 'What the guardrail checks of question and answer found.' },
    StreamEvent: { schema: streamEventSchema(), description: 'One SSE message of POST /query/stream: its `event:` type and its parsed `data:` JSON.' },
    ...streamEvents,
    DocumentId: { schema: documentIdSchema, description: "A document's id: 32 hex digits, derived from tenant and key." },
    DocumentPath: {
      schema: documentPathSchema,
      description: 'Where an upload goes under the tenant\'s prefix: "/"-separated segments, none empty, "." or "..".',
    },
    DocumentStatus: { schema: documentStatusSchema },
    DocumentView: { schema: documentViewSchema, description: "A document's ingestion record." },
    DocumentList: { schema: documentListSchema, description: 'One page of documents.' },
    DocumentUploadAccepted: { schema: documentUploadAcceptedSchema, description: 'The upload is stored and its ingestion started.' },
    DocumentDeleteAccepted: {
      schema: documentDeleteAcceptedSchema,
      description: 'The document is removed from the store; its deletion from the index started.',
    },
    DocumentRedriveAccepted: { schema: documentRedriveAcceptedSchema, description: 'A new ingestion of the document started.' },
    RejectedFileList: { schema: rejectedFileListSchema, description: 'Files of the documents store that are never indexed, and why.' },
    UsageReport: { schema: usageResponseSchema, description: 'Tokens, calls and cost of model calls over UTC days, grouped, with the budget state.' },
    SessionId: { schema: sessionIdSchema },
    SessionView: { schema: sessionViewSchema, description: "A conversation's turns." },
    Health: { schema: healthResponseSchema },
    ErrorResponse: { schema: errorResponseSchema, description: 'The body of every error response.' },
    OpenApiDocument: { schema: openApiDocumentSchema, description: 'This document.' },
  };
}

/** The zod schema behind each `components.schemas` entry: the test validates examples with these. */
export function openApiComponentSchemas(limits: OpenApiOptions['limits']): Record<string, z.ZodType> {
  return Object.fromEntries(Object.entries(components(limits)).map(([name, component]) => [name, component.schema]));
}

/** JSON Schema 2020-12 of each component; a schema used inside another one becomes a `$ref` to it. */
function componentJsonSchemas(limits: OpenApiOptions['limits']): Record<string, JsonObject> {
  const described = components(limits);
  const registry = z.registry<{ id: string }>();
  for (const [id, component] of Object.entries(described)) registry.add(component.schema, { id });
  // Input view: what a client sends or reads, before zod's coercions. Objects that are not strict
  // stay open, so responses may gain fields without breaking clients that validate them.
  const { schemas } = z.toJSONSchema(registry, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // A schema used twice but not registered would land in "__shared", which OpenAPI cannot reference.
    if (!described[id]) throw new Error(`Unregistered schema "${id}" in the API description: register it as a component`);
    // The dialect is the document's (jsonSchemaDialect); a fragment-only $id is not valid 2020-12.
    const { $schema: _dialect, $id: _id, ...body } = schema as JsonObject;
    const { description, examples } = described[id];
    out[id] = { ...(description && body.description === undefined ? { description } : {}), ...body, ...(examples ? { examples } : {}) };
  }
  return out;
}

const ref = (component: string) => ({ $ref: `#/components/schemas/${component}` });
const jsonContent = (component: string, example: unknown) => ({ 'application/json': { schema: ref(component), example } });

// --- errors: one response per status, the shape of functions/api/http.ts ---

const ERROR_RESPONSES = {
  400: {
    name: 'BadRequest',
    description: 'The request breaks the contract; `issues` names the fields.',
    example: { error: { code: 'ValidationError', message: 'Invalid request', issues: [{ path: 'question', message: 'is required' }] }, requestId },
  },
  401: {
    name: 'Unauthorized',
    description:
      'No valid bearer token. On AWS, for routes behind the HTTP API, its JWT authorizer answers this itself, with `{"message":"Unauthorized"}` instead of the error shape.',
    example: { error: { code: 'UnauthorizedError', message: 'Authentication required' }, requestId },
  },
  403: {
    name: 'Forbidden',
    description: 'The token carries no valid tenant claim.',
    example: { error: { code: 'ForbiddenError', message: 'The identity carries no valid tenant' }, requestId },
  },
  404: {
    name: 'NotFound',
    description: "The tenant has no such resource (another tenant's is unknown too).",
    example: { error: { code: 'NotFoundError', message: 'No such document' }, requestId },
  },
  413: {
    name: 'PayloadTooLarge',
    description: 'The body is above the limit the message gives.',
    example: { error: { code: 'PayloadTooLargeError', message: 'Request body is larger than 262144 bytes' }, requestId },
  },
  422: {
    name: 'UnsupportedDocument',
    description: 'The file is in no format we index (refused before it is stored); the message lists the accepted ones.',
    example: { error: { code: 'UnsupportedDocumentError', message: 'Unsupported format (application/zip); accepted: .txt, .md, .pdf, .docx, ...' }, requestId },
  },
  429: {
    name: 'TooManyRequests',
    description: 'A dependency is throttling and retries are exhausted: try again after `Retry-After` seconds.',
    example: { error: { code: 'ThrottlingError', message: 'The model is throttling requests' }, requestId },
  },
  500: {
    name: 'InternalError',
    description: 'An unexpected error; the message never says more.',
    example: { error: { code: 'InternalError', message: 'Internal error' }, requestId },
  },
  503: {
    name: 'ServiceUnavailable',
    description:
      'A dependency is down or failing after retries, or the query passed its deadline (RAG_QUERY_TIMEOUT_SECONDS) and was cancelled (`QueryTimeoutError`); the request may be retried.',
    example: { error: { code: 'DependencyUnavailableError', message: 'Query workflow timed out' }, requestId },
  },
} as const satisfies Record<number, { name: string; description: string; example: z.input<typeof errorResponseSchema> }>;

type ErrorStatus = keyof typeof ERROR_RESPONSES;

/** Every authenticated route can be refused (401/403) and can meet a throttled or failing dependency (429/503). */
const AUTHENTICATED_ERRORS: readonly ErrorStatus[] = [401, 403, 429, 503];

function errorComponents(): { responses: Record<string, JsonObject>; headers: Record<string, JsonObject> } {
  const responses: Record<string, JsonObject> = {};
  for (const [status, error] of Object.entries(ERROR_RESPONSES)) {
    responses[error.name] = {
      description: error.description,
      ...(status === '429' ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
      content: jsonContent('ErrorResponse', error.example),
    };
  }
  const headers = {
    RetryAfter: { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'integer', minimum: 0 }, example: 2 },
  };
  return { responses, headers };
}

// --- parameters ---

/** Path parameters by name, as API Gateway names them (`{path+}` is `path`). */
const PATH_PARAMETERS: Record<string, JsonObject> = {
  documentId: { name: 'documentId', in: 'path', required: true, schema: ref('DocumentId'), example: documentId },
  sessionId: { name: 'sessionId', in: 'path', required: true, schema: ref('SessionId'), example: sessionId },
  path: {
    name: 'path',
    in: 'path',
    required: true,
    description: 'The rest of the URL path, "/" included (an API Gateway greedy path variable): the document is stored as `<tenant>/<path>`.',
    schema: ref('DocumentPath'),
    example: 'policies/returns.md',
  },
};

/** Query parameters from the fields of a strict zod object, each described by its own field schema. */
function queryParameters(schema: z.ZodObject, examples: Record<string, unknown>): JsonObject[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const { $schema: _dialect, ...fieldSchema } = z.toJSONSchema(field as z.ZodType, { io: 'input' }) as JsonObject;
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof fieldSchema.description === 'string' ? { description: fieldSchema.description } : {}),
      schema: fieldSchema,
      ...(examples[name] !== undefined ? { example: examples[name] } : {}),
    };
  });
}

/** `{documentId}` and `{path+}` in a route path, by name. */
const pathParameterNames = (path: string): string[] => [...path.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1] as string);

/** OpenAPI has no greedy variables: `{path+}` is written `{path}` and its parameter says it spans segments. */
const openApiPath = (path: string): string => path.replace(/\{(\w+)\+\}/g, '{$1}');

// --- operations, by route key ---

interface OperationDescription extends Omit<OpenApiOperation, 'responses' | 'security'> {
  /** The success responses; errors come from `errors` plus what every (authenticated) route can answer. */
  responses: Record<string, JsonObject>;
  errors: ErrorStatus[];
}

const STREAM_ORDER = [
  'meta → delta* → (replace)? → citations → done   a whole answer',
  'meta → delta* → error                           a stream that broke: there is no `done`, so a truncated answer never passes for a whole one',
].join('\n');

function operations(options: OpenApiOptions): Record<string, OperationDescription> {
  const eventList = (Object.keys(STREAM_EVENT_SCHEMAS) as StreamEventType[])
    .map((type) => `- \`${type}\`: components.schemas.${streamEventComponent(type)}`)
    .join('\n');
  const queryBody = { required: true, content: jsonContent('QueryRequest', queryRequestExample) };
  return {
    'POST /query': {
      operationId: 'query',
      summary: 'Answer a question from the documents, with citations',
      description: 'A `sessionId` from an earlier answer continues that conversation: a follow-up is rewritten into a standalone question first.',
      tags: ['query'],
      requestBody: queryBody,
      responses: { 200: { description: 'The answer.', content: jsonContent('QueryResponse', queryResponseExample) } },
      errors: [400, 413],
    },
    'POST /query/stream': {
      operationId: 'queryStream',
      summary: 'Answer a question, streaming the answer as Server-Sent Events',
      description: 'Takes the same body as POST /query. Errors found before the stream starts are ordinary JSON error responses.',
      tags: ['query'],
      requestBody: queryBody,
      responses: {
        200: {
          description: [
            'Server-Sent Events. Each message is `event: <type>` and one `data: <JSON>` line; the JSON validates against the schema of its type:',
            eventList,
            '',
            `The order is fixed:\n\n${STREAM_ORDER}\n`,
            '`replace` appears when a guardrail intervenes mid-stream: the client replaces the text shown so far with its text. A cached answer streams as one `delta`.',
          ].join('\n'),
          content: {
            'text/event-stream': {
              schema: { type: 'string', description: 'SSE messages; each one a StreamEvent.' },
              'x-event-schema': ref('StreamEvent'),
              example: streamExample,
            },
          },
        },
      },
      errors: [400, 413],
    },
    'GET /sessions/{sessionId}': {
      operationId: 'getSession',
      summary: "A conversation's turns",
      tags: ['sessions'],
      responses: {
        200: {
          description: 'The session.',
          content: jsonContent('SessionView', {
            sessionId,
            createdAt: timestamp,
            updatedAt: timestamp,
            expiresAt: '2026-12-01T09:12:44.512Z',
            turns: [
              {
                requestId,
                question: 'How long do customers have to return an item?',
                answer: queryResponseExample.answer,
                citedDocumentIds: [documentId],
                at: timestamp,
              },
            ],
          } satisfies z.input<typeof sessionViewSchema>),
        },
      },
      errors: [400, 404],
    },
    'DELETE /sessions/{sessionId}': {
      operationId: 'deleteSession',
      summary: 'Forget a conversation',
      tags: ['sessions'],
      responses: { 204: { description: 'The session is removed.' } },
      errors: [400, 404],
    },
    'GET /documents': {
      operationId: 'listDocuments',
      summary: "One page of the tenant's documents",
      tags: ['documents'],
      parameters: queryParameters(documentsListQuerySchema, { limit: 50, status: 'INDEXED' }),
      responses: {
        200: {
          description: 'A page; follow `nextCursor` for the next.',
          content: jsonContent('DocumentList', { documents: [documentViewExample], nextCursor: 'bWFuaWZlc3RzL2FjbWUvM2YyYTljMWU1YjdkLmpzb24' }),
        },
      },
      errors: [400],
    },
    'GET /documents/{documentId}': {
      operationId: 'getDocument',
      summary: "A document's ingestion status",
      tags: ['documents'],
      responses: { 200: { description: 'The document.', content: jsonContent('DocumentView', documentViewExample) } },
      errors: [400, 404],
    },
    'DELETE /documents/{documentId}': {
      operationId: 'deleteDocument',
      summary: 'Delete a document and its chunks',
      tags: ['documents'],
      responses: {
        202: {
          description: 'Deleted from the store; the index follows.',
          content: jsonContent('DocumentDeleteAccepted', {
            documentId,
            status: 'DELETING',
            execution: 'delete-8e2b1c4d6f0a3b5c7d9e1f2a4b6c8d0e1f3a5b7c',
          } satisfies z.input<typeof documentDeleteAcceptedSchema>),
        },
      },
      errors: [400, 404],
    },
    'POST /documents/{documentId}/redrive': {
      operationId: 'redriveDocument',
      summary: 'Ingest a PENDING or FAILED document again',
      tags: ['documents'],
      responses: {
        202: {
          description: 'A new ingestion started.',
          content: jsonContent('DocumentRedriveAccepted', { documentId, status: 'PENDING', execution } satisfies z.input<typeof documentRedriveAcceptedSchema>),
        },
      },
      errors: [400, 404],
    },
    'PUT /documents/content/{path+}': {
      operationId: 'uploadDocument',
      summary: 'Upload a document (created or replaced) and start its ingestion',
      tags: ['documents'],
      requestBody: {
        required: true,
        description: `The document's bytes: Markdown, HTML, PDF, DOCX, plain text, JSON, NDJSON, CSV or TSV (by file extension, then content, then Content-Type, which is stored with it; anything else is a 422); not empty and at most ${options.maxUploadBytes} bytes (413 above: put larger files into the documents bucket directly).`,
        content: {
          '*/*': {
            schema: { type: 'string', contentMediaType: 'application/octet-stream' },
            example: '# Returns\n\nItems may be returned within 30 days of delivery.\n',
          },
        },
      },
      responses: {
        202: {
          description: 'Stored; its ingestion started. Follow GET /documents/{documentId} until INDEXED or FAILED.',
          content: jsonContent('DocumentUploadAccepted', {
            documentId,
            key: 'acme/policies/returns.md',
            status: 'PENDING',
            bytes: 18234,
            execution,
          } satisfies z.input<typeof documentUploadAcceptedSchema>),
        },
      },
      errors: [400, 413, 422],
    },
    'GET /rejected-files': {
      operationId: 'listRejectedFiles',
      summary: 'The files of the documents store that are never indexed, and why (admin scope `rag/admin`)',
      tags: ['documents'],
      parameters: queryParameters(rejectedFilesQuerySchema, { limit: 50 }),
      responses: {
        200: {
          description: 'A page; follow `nextCursor` for the next. A file leaves the list once it is moved into a tenant folder.',
          content: jsonContent('RejectedFileList', {
            files: [
              {
                key: 'ACME/handbook.pdf',
                reason: 'the first folder is not a tenant name (1-63 lower-case letters, digits, "-" or "_")',
                bytes: 18234,
                lastModified: '2026-12-01T09:30:00.000Z',
              },
            ],
          } satisfies z.input<typeof rejectedFileListSchema>),
        },
      },
      errors: [400],
    },
    'GET /usage': {
      operationId: 'getUsage',
      summary: "The caller's tenant's tokens, calls and cost by day, feature or model; all tenants with the admin scope (`rag/admin`)",
      description:
        'Days are UTC; `from`/`to` are inclusive and default to today. A range longer than the retention (`retentionDays`), one that starts before it, or an inverted one is 400, as is an unknown `groupBy`. `costUsd` sums priced calls only: `unpricedCalls` counts calls whose model has no price for its Region (unknown, not zero).',
      tags: ['usage'],
      parameters: queryParameters(usageQuerySchema, { from: '2026-11-24', to: '2026-11-30', groupBy: 'day' }),
      responses: {
        200: {
          description: "The figures of the range, and today's budget when the tenant has one.",
          content: jsonContent('UsageReport', {
            tenant: 'acme',
            from: '2026-11-30',
            to: '2026-11-30',
            groupBy: 'model',
            rows: [
              {
                key: 'amazon.titan-embed-text-v2:0',
                calls: 41,
                inputTokens: 5210,
                outputTokens: 0,
                costUsd: 0.0001042,
                unpricedCalls: 0,
                estimatedCalls: 0,
                throttles: 0,
                cacheHits: 0,
              },
              {
                key: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
                calls: 40,
                inputTokens: 61_200,
                outputTokens: 9_800,
                costUsd: 0.12122,
                unpricedCalls: 0,
                estimatedCalls: 0,
                throttles: 2,
                cacheHits: 6,
              },
            ],
            totals: {
              calls: 81,
              inputTokens: 66_410,
              outputTokens: 9_800,
              costUsd: 0.1213242,
              unpricedCalls: 0,
              estimatedCalls: 0,
              throttles: 2,
              cacheHits: 6,
            },
            budget: { limitUsd: 5, usedUsd: 0.1213242, usedTokens: 76_210, state: 'ok', resetsAt: '2026-12-01T00:00:00.000Z' },
            retentionDays: 90,
            partial: false,
          } satisfies z.input<typeof usageResponseSchema>),
        },
      },
      errors: [400],
    },
    'GET /health': {
      operationId: 'getHealth',
      summary: 'Liveness: configuration valid and adapters built (calls no dependency)',
      tags: ['service'],
      responses: {
        200: {
          description: 'The service is up.',
          content: jsonContent('Health', {
            status: 'ok',
            adapters: { blobStore: 'filesystem', embedder: 'local', vectorStore: 'lancedb', generator: 'extractive' },
            embeddingModel: 'local-hash-v1',
            generationModel: 'local-extractive-v1',
            promptVersion: 'v2',
          } satisfies z.input<typeof healthResponseSchema>),
        },
      },
      errors: [],
    },
    'GET /openapi.json': {
      operationId: 'getOpenApiDocument',
      summary: 'This description (OpenAPI 3.1)',
      tags: ['service'],
      responses: {
        200: {
          description: 'The OpenAPI document.',
          content: jsonContent('OpenApiDocument', { openapi: OPENAPI_VERSION, info: { title: 'Serverless RAG API', version: API_VERSION }, paths: {} }),
        },
      },
      errors: [],
    },
  };
}

function operationFor(route: DescribedRoute, described: OperationDescription): OpenApiOperation {
  const { errors, responses, parameters = [], description, ...rest } = described;
  const where = route.stream
    ? "On AWS this route is served by its function's URL (response streaming), not the HTTP API's address; it checks the bearer token itself."
    : undefined;
  const text = [description, where].filter(Boolean).join('\n\n');
  const pathParameters = pathParameterNames(route.path).map((name) => {
    const parameter = PATH_PARAMETERS[name];
    if (!parameter) throw new Error(`No OpenAPI description for path parameter {${name}} of ${route.method} ${route.path}`);
    return { $ref: `#/components/parameters/${name}` };
  });
  const statuses = [...new Set<ErrorStatus>([...errors, ...(route.public ? [] : AUTHENTICATED_ERRORS), 500])].sort((a, b) => a - b);
  return {
    ...rest,
    ...(text ? { description: text } : {}),
    ...(route.public ? { security: [] } : {}),
    ...(pathParameters.length + parameters.length > 0 ? { parameters: [...pathParameters, ...parameters] } : {}),
    responses: {
      ...responses,
      ...Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` }])),
    },
  };
}

/** `METHOD path` of every operation described here (a test holds them to the route table: no stale descriptions). */
export function describedRouteKeys(options: OpenApiOptions): string[] {
  return Object.keys(operations(options));
}

/** The OpenAPI 3.1 document of `routes`; throws when a route has no description here. */
export function buildOpenApiDocument(routes: readonly DescribedRoute[], options: OpenApiOptions): OpenApiDocument {
  const described = operations(options);
  const undescribed = routes.filter((route) => !described[`${route.method} ${route.path}`]);
  if (undescribed.length > 0) {
    throw new Error(`No OpenAPI description for ${undescribed.map((route) => `${route.method} ${route.path}`).join(', ')} (shared/contracts/openapi.ts)`);
  }
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operationFor(route, described[`${route.method} ${route.path}`] as OperationDescription) };
  }
  const errors = errorComponents();
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Serverless RAG API',
      version: API_VERSION,
      description: 'Questions answered from your documents with citations, and the documents behind them. Every route but the public ones takes a bearer JWT.',
    },
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'query', description: 'Questions and answers' },
      { name: 'sessions', description: 'Conversations: the turns follow-ups are rewritten from' },
      { name: 'documents', description: 'Uploads and ingestion status' },
      { name: 'service', description: 'Health and this description' },
    ],
    paths,
    components: {
      schemas: componentJsonSchemas(options.limits),
      parameters: PATH_PARAMETERS,
      responses: errors.responses,
      headers: errors.headers,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `A JWT the API's authorizer accepts; its \`${options.tenantClaim}\` claim names the tenant.`,
        },
      },
    },
  };
}
