import * as path from 'node:path';
import * as z from 'zod';
import { tenantPattern } from '../contracts/tenant';
import { ConfigurationError } from '../errors';
import {
  awsRegionSchema,
  bedrockFoundationModelArnSchema,
  bedrockModelIdSchema,
  dynamoDbTableNameSchema,
  knowledgeBaseDataSourceIdSchema,
  knowledgeBaseIdSchema,
  s3BucketNameSchema,
  stateMachineArnSchema,
} from './aws-identifiers';

/**
 * The one typed configuration. Nothing else reads `process.env`.
 * One schema: each variable's format (AWS identifiers from ./aws-identifiers), then the rules across
 * variables, then the nested `AppConfig`, whose type is the schema's output. Every knob has a safe
 * default for the embedded runtime; AWS adapters require their settings (bucket, region, model ids)
 * and fail at start with the variable's name when they are missing.
 */

const bool = z.enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'on' || v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/** The development token: stands for the default tenant when no RAG_API_KEYS are set on a loopback address. */
export const DEV_API_TOKEN = 'dev';
const MIN_PUBLIC_TOKEN_CHARS = 16;

/** A bearer token and what it stands for: a tenant's data, the operator's admin scope (`*`), or both (`dev`). */
export interface ApiKey {
  token: string;
  tenant?: string;
  admin: boolean;
}

/**
 * One `token=tenant` entry of RAG_API_KEYS, or `token=*` for an operator token with the admin scope and no tenant;
 * split at the last `=`, since tokens (base64) may end in `=` and tenants never hold one.
 */
const apiKeySchema = z.string().transform((entry, ctx): ApiKey => {
  const at = entry.lastIndexOf('=');
  const token = at > 0 ? entry.slice(0, at).trim() : '';
  const tenant = at > 0 ? entry.slice(at + 1).trim() : '';
  if (token && tenant === '*') return { token, admin: true };
  if (!token || !tenantPattern.test(tenant)) {
    ctx.addIssue({ code: 'custom', message: 'each entry must be token=tenant (1-63 lower-case letters, digits, "-" or "_") or token=* (admin)' });
    return z.NEVER;
  }
  return { token, tenant, admin: false };
});

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * Uploads go through API Gateway HTTP API to a synchronously invoked Lambda, whose request payload is
 * limited to 6 MB ("For synchronous invocations, the maximum payload size is 6 MB":
 * https://docs.aws.amazon.com/cli/latest/reference/lambda/invoke.html, read 2026-11-30). HTTP API passes a
 * binary body base64-encoded inside the event (4 bytes for every 3), and the event's headers and request
 * context take room too (64 KiB kept for them): so at most (6 MiB - 64 KiB) x 3/4 bytes of file, about
 * 4.45 MiB. The default stays a little below.
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const EVENT_ENVELOPE_BYTES = 64 * 1024;
export const MAX_UPLOAD_BYTES_LIMIT = Math.floor(((LAMBDA_SYNC_PAYLOAD_BYTES - EVENT_ENVELOPE_BYTES) * 3) / 4);
export const DEFAULT_MAX_UPLOAD_BYTES = Math.floor(4.4 * 1024 * 1024);

export const DEFAULT_QUERY_ADMISSION = { maxInFlight: 64, retryAfterSeconds: 1 } as const;

/** A tenant's daily limits: either or both of USD and tokens (input + output, every feature). */
export interface DailyBudget {
  usd?: number;
  tokens?: number;
}

/**
 * One `tenant=limit[/limit]` entry of RAG_TENANT_BUDGETS, a limit being `usd:<amount>` or `tokens:<count>`:
 * `acme=usd:5/tokens:2000000,beta=usd:0.5`.
 */
const tenantBudgetSchema = z.string().transform((entry, ctx): [string, DailyBudget] => {
  const at = entry.indexOf('=');
  const tenant = at > 0 ? entry.slice(0, at).trim() : '';
  const budget: DailyBudget = {};
  const limits = at > 0 ? entry.slice(at + 1).split('/') : [];
  for (const limit of limits) {
    const match = /^\s*(usd|tokens):(\d+(?:\.\d+)?)\s*$/.exec(limit);
    if (!match?.[1] || match[2] === undefined) {
      budget.usd = Number.NaN;
      break;
    }
    budget[match[1] === 'usd' ? 'usd' : 'tokens'] = Number(match[2]);
  }
  const valid = tenantPattern.test(tenant) && limits.length > 0 && !Number.isNaN(budget.usd ?? 0) && Number.isInteger(budget.tokens ?? 0);
  if (!valid) {
    ctx.addIssue({ code: 'custom', message: 'each entry must be tenant=usd:<amount> and/or tokens:<integer>, joined by "/" (e.g. acme=usd:5/tokens:2000000)' });
    return z.NEVER;
  }
  return [tenant, budget];
});

const envSchema = z.object({
  // --- local runtime ---
  HOST: z.string().default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  /**
   * Local bearer tokens and the tenant each stands for: `token=tenant,token=tenant`, or `token=*` for an operator
   * token with the admin scope (e.g. GET /rejected-files). Unset on a loopback HOST, the development token `dev`
   * stands for RAG_DEFAULT_TENANT and the admin scope; on any other address they must be set, without `dev`, each
   * at least 16 characters (local/auth.ts). On AWS the HTTP API's JWT authorizer plays this part.
   */
  RAG_API_KEYS: list.pipe(z.array(apiKeySchema).min(1)).optional(),
  RAG_DATA_DIR: z.string().default('.rag'),
  RAG_DOCUMENTS_DIR: z.string().optional(),
  /** LanceDB location: a folder (default `<data dir>/vectors`) or an object-store URI such as s3://bucket/prefix. */
  RAG_LANCEDB_URI: z
    .string()
    .regex(/^(s3|gs|az):\/\/[^/]+/, 'must be an s3://, gs:// or az:// URI (leave unset for the local folder)')
    .optional(),
  /**
   * LanceDB's index cache in MiB (its metadata cache gets a quarter): memory for speed. 256 held a 10,000-file burst
   * at 69 documents/s with RSS under 1 GB; 64 was slower (shared/vectors/lancedb-store.ts `cacheBytes`).
   */
  RAG_LANCEDB_CACHE_MB: int(16, 65_536).default(256),
  RAG_SAMPLES: bool.default(true),
  RAG_REINDEX_INTERVAL_SECONDS: int(0, 86400).default(300),
  RAG_WATCH: bool.default(true),
  /**
   * Queries (POST /query, /query/stream) the local server runs at once; one more is refused with 429 and
   * Retry-After instead of queueing without bound. 64 admits the bench's 50 clients; on AWS the query
   * function's reserved concurrency plays this part (serverless.yml).
   */
  RAG_MAX_INFLIGHT_QUERIES: int(1, 10000).default(DEFAULT_QUERY_ADMISSION.maxInFlight),
  RAG_QUERY_RETRY_AFTER_SECONDS: int(1, 3600).default(DEFAULT_QUERY_ADMISSION.retryAfterSeconds),
  /**
   * How long one query may run before it is cancelled and answered 503 (also bounded by the Lambda's remaining
   * time). Under the HTTP API's integration timeout, 30 seconds and not adjustable ("Maximum integration timeout |
   * 30 seconds | No": https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html, read
   * 2026-12-01), so the caller gets our 503 body rather than API Gateway's.
   */
  RAG_QUERY_TIMEOUT_SECONDS: int(1, 900).default(25),
  /**
   * Ingest executions the local runtime runs at once (on AWS each has its own Lambdas). They mostly wait on the
   * disk and the index, whose store commits concurrent writes together: a 2,000-file burst settled at 28, 45 and
   * 61 documents/s with 8, 32 and 64 (npm run bench -- ingest --burst 2000, 2026-12-01, quiet 2-core machine).
   */
  RAG_LOCAL_INGESTIONS: int(1, 256).default(64),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'debug', 'info', 'warn', 'error', 'silent']).default('INFO'),
  // --- adapter switches, one per port ---
  RAG_BLOB_STORE: z.enum(['filesystem', 's3']).default('filesystem'),
  RAG_EMBEDDER: z.enum(['local', 'bedrock-titan', 'bedrock-cohere']).default('local'),
  /** `knowledge-base`: documents go to a Bedrock Knowledge Base through a CUSTOM data source, which embeds them itself. */
  RAG_VECTOR_STORE: z.enum(['lancedb', 's3vectors', 'knowledge-base']).default('lancedb'),
  /** Embedded default `none`: after RM3 the lexical reranker adds nothing on either dataset and costs ~6 ms CPU a query (docs/adr/0007). */
  RAG_RERANKER: z.enum(['local', 'bedrock', 'none']).default('none'),
  RAG_GENERATOR: z.enum(['extractive', 'bedrock-converse', 'bedrock-knowledge-base']).default('extractive'),
  RAG_GUARDRAIL: z.enum(['local', 'bedrock']).default('local'),
  RAG_WORKFLOWS: z.enum(['local', 'stepfunctions']).default('local'),
  /** Sessions, the answer cache and the tenants' index generations: SQLite in the data folder, or DynamoDB. */
  RAG_CONVERSATION_STORE: z.enum(['sqlite', 'dynamodb']).default('sqlite'),
  // --- conversations and the answer cache ---
  RAG_SESSION_TTL_HOURS: int(1, 8784).default(24),
  RAG_SESSION_MAX_TURNS: int(1, 50).default(10),
  /** 0 switches the answer cache off. */
  RAG_ANSWER_CACHE_TTL_SECONDS: int(0, 31_622_400).default(3600),
  // --- usage, budgets and metrics ---
  /** Where usage is summed: SQLite in the data folder, or DynamoDB (RAG_USAGE_TABLE). Default: DynamoDB when the conversation store is. */
  RAG_USAGE_STORE: z.enum(['sqlite', 'dynamodb']).optional(),
  RAG_USAGE_TABLE: z.string().optional(),
  /** Days usage is kept (DynamoDB TTL, SQLite purge); GET /usage refuses a longer range. */
  RAG_USAGE_RETENTION_DAYS: int(1, 3660).default(90),
  /** Daily limits of every tenant (UTC days), in USD and/or tokens; unset: no limit. */
  RAG_BUDGET_DAILY_USD: num(0, 1_000_000).optional(),
  RAG_BUDGET_DAILY_TOKENS: int(0, 1_000_000_000_000).optional(),
  /** Per-tenant daily limits, replacing the two above for the tenants named: `acme=usd:5/tokens:2000000,beta=usd:0.5`. */
  RAG_TENANT_BUDGETS: list.pipe(z.array(tenantBudgetSchema)).optional(),
  /** Adds a `tenant` dimension to every metric: one metric stream per tenant, so only with a bounded number of tenants. */
  RAG_METRICS_TENANT_DIMENSION: bool.default(false),
  // --- tenancy ---
  RAG_DEFAULT_TENANT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
    .default('default'),
  RAG_TENANT_CLAIM: z.string().default('custom:tenant'),
  /** The JWT issuer and audiences the streaming function URL checks itself (the HTTP API's authorizer checks the same). */
  RAG_JWT_ISSUER: z.url({ protocol: /^https$/ }).optional(),
  RAG_JWT_AUDIENCE: list.optional(),
  // --- ingestion ---
  RAG_CHUNK_SIZE: int(100, 20000).default(1000),
  RAG_CHUNK_OVERLAP: int(0, 10000).default(150),
  RAG_EMBED_BATCH_SIZE: int(1, 1000).default(32),
  RAG_EMBED_CONCURRENCY: int(1, 40).default(4),
  RAG_EMBED_RPS: num(0.1, 10000).default(5),
  RAG_MAX_FILE_BYTES: int(1, 2_000_000_000).default(50 * 1024 * 1024),
  RAG_MAX_PAGES: int(1, 100000).default(2000),
  /**
   * Archive formats (DOCX is a ZIP): the sum of the entries' uncompressed sizes, and that sum over the file's
   * size. A 204 KB DOCX whose XML inflates to hundreds of MB is refused before any entry is inflated.
   */
  RAG_MAX_ARCHIVE_BYTES: int(1024, 4_000_000_000).default(256 * 1024 * 1024),
  RAG_MAX_COMPRESSION_RATIO: int(2, 100_000).default(100),
  /** Characters of extracted text one document may have; beyond it the document is FAILED with the reason. */
  RAG_MAX_EXTRACTED_CHARS: int(1000, 1_000_000_000).default(10_000_000),
  RAG_MAX_CHUNKS_PER_DOCUMENT: int(1, 1_000_000).default(20_000),
  /** The longest run of non-space characters a document may contain (a base64 blob, one 50 MB line). */
  RAG_MAX_TOKEN_CHARS: int(16, 10_000_000).default(4096),
  /** Documents one tenant may have indexed or in progress; an upload beyond it is refused, a dropped file FAILED. */
  RAG_MAX_DOCUMENTS_PER_TENANT: int(1, 100_000_000).default(100_000),
  /**
   * Object keys ("tenant/path/name"), in UTF-8 bytes. S3's own limit is 1,024 bytes ("The object key name is a
   * sequence of Unicode characters with UTF-8 encoding of up to 1,024 bytes long":
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html, read 2026-12-01).
   */
  RAG_MAX_KEY_BYTES: int(16, 1024).default(1024),
  /** Ingestions waiting for a local slot (folder events and uploads alike); a full queue answers uploads 429. */
  RAG_INGEST_QUEUE_MAX: int(1, 10_000_000).default(20_000),
  /** Uploads through the API (larger files go straight to the bucket); see MAX_UPLOAD_BYTES_LIMIT. */
  RAG_MAX_UPLOAD_BYTES: int(1, MAX_UPLOAD_BYTES_LIMIT).default(DEFAULT_MAX_UPLOAD_BYTES),
  // --- query ---
  RAG_MAX_QUESTION_CHARS: int(10, 100000).default(2000),
  RAG_TOP_K: int(1, 100).default(5),
  RAG_MAX_TOP_K: int(1, 100).default(20),
  RAG_CANDIDATES: int(1, 1000).default(100),
  RAG_MIN_RELEVANCE: num(0, 1).default(0),
  /** Share of the question's (IDF-weighted) content terms the best chunks must cover, else the answer is "not found" (shared/pipeline/relevance-floor.ts). */
  RAG_MIN_COVERAGE: num(0, 1).default(0.25),
  /** v2 fences retrieved text as untrusted data (issue 15, prompt injection); v1 stays for answers cached under it. */
  RAG_PROMPT_VERSION: z
    .string()
    .regex(/^[\w.-]+$/)
    .default('v2'),
  /** Set by the Lambda runtime (reserved variable): tells a handler it runs on Lambda. */
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
  // --- AWS ---
  AWS_REGION: awsRegionSchema.optional(),
  RAG_DOCUMENTS_BUCKET: s3BucketNameSchema.optional(),
  RAG_STATE_BUCKET: s3BucketNameSchema.optional(),
  RAG_S3_ENDPOINT: z.url().optional(),
  RAG_S3_FORCE_PATH_STYLE: bool.default(false),
  RAG_BEDROCK_ENDPOINT: z.url().optional(),
  RAG_BEDROCK_AGENT_ENDPOINT: z.url().optional(),
  /** Agents for Amazon Bedrock build-time endpoint (bedrock-agent: knowledge base documents), distinct from the runtime one above. */
  RAG_BEDROCK_AGENT_BUILD_ENDPOINT: z.url().optional(),
  RAG_S3VECTORS_ENDPOINT: z.url().optional(),
  RAG_SFN_ENDPOINT: z.url().optional(),
  RAG_DYNAMODB_ENDPOINT: z.url().optional(),
  RAG_CONVERSATIONS_TABLE: dynamoDbTableNameSchema.optional(),
  RAG_S3VECTORS_BUCKET: z.string().optional(),
  RAG_S3VECTORS_INDEX: z.string().optional(),
  RAG_EMBEDDING_MODEL_ID: bedrockModelIdSchema.optional(),
  RAG_EMBEDDING_DIMENSIONS: z.enum(['256', '384', '512', '1024', '1536']).transform(Number).optional(),
  RAG_RERANK_MODEL_ARN: bedrockFoundationModelArnSchema.optional(),
  RAG_GENERATION_MODEL_IDS: list.pipe(z.array(bedrockModelIdSchema)).optional(),
  RAG_KNOWLEDGE_BASE_ID: knowledgeBaseIdSchema.optional(),
  RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID: knowledgeBaseDataSourceIdSchema.optional(),
  /** How long one ingest step waits for the Knowledge Base to finish indexing (or deleting) what it sent. */
  RAG_KNOWLEDGE_BASE_INDEXING_TIMEOUT_SECONDS: int(1, 840).default(120),
  RAG_KNOWLEDGE_BASE_POLL_INTERVAL_MS: int(1, 60000).default(1000),
  RAG_GUARDRAIL_ID: z.string().optional(),
  RAG_GUARDRAIL_VERSION: z.string().default('DRAFT'),
  RAG_AWS_CONNECT_TIMEOUT_MS: int(10, 60000).default(1000),
  RAG_AWS_REQUEST_TIMEOUT_MS: int(100, 900000).default(30000),
  RAG_AWS_MAX_ATTEMPTS: int(1, 10).default(3),
  RAG_INGEST_STATE_MACHINE_ARN: stateMachineArnSchema.optional(),
  RAG_QUERY_STATE_MACHINE_ARN: stateMachineArnSchema.optional(),
  RAG_REINDEX_STATE_MACHINE_ARN: stateMachineArnSchema.optional(),
});

type EnvValues = z.output<typeof envSchema>;
type Variable = keyof EnvValues;
type AdapterSwitch =
  | 'RAG_BLOB_STORE'
  | 'RAG_EMBEDDER'
  | 'RAG_VECTOR_STORE'
  | 'RAG_RERANKER'
  | 'RAG_GENERATOR'
  | 'RAG_GUARDRAIL'
  | 'RAG_WORKFLOWS'
  | 'RAG_CONVERSATION_STORE';

/**
 * The AWS adapters, by the switch value that selects them, and the settings each cannot start without.
 * Every adapter listed here also needs AWS_REGION.
 */
const AWS_ADAPTER_SETTINGS: { [S in AdapterSwitch]: Partial<Record<EnvValues[S], readonly Variable[]>> } = {
  RAG_BLOB_STORE: { s3: ['RAG_DOCUMENTS_BUCKET', 'RAG_STATE_BUCKET'] },
  RAG_EMBEDDER: { 'bedrock-titan': ['RAG_EMBEDDING_MODEL_ID'], 'bedrock-cohere': ['RAG_EMBEDDING_MODEL_ID'] },
  RAG_VECTOR_STORE: {
    s3vectors: ['RAG_S3VECTORS_BUCKET', 'RAG_S3VECTORS_INDEX'],
    'knowledge-base': ['RAG_KNOWLEDGE_BASE_ID', 'RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID'],
  },
  RAG_RERANKER: { bedrock: ['RAG_RERANK_MODEL_ARN'] },
  RAG_GENERATOR: { 'bedrock-converse': ['RAG_GENERATION_MODEL_IDS'], 'bedrock-knowledge-base': ['RAG_GENERATION_MODEL_IDS', 'RAG_KNOWLEDGE_BASE_ID'] },
  RAG_GUARDRAIL: { bedrock: ['RAG_GUARDRAIL_ID'] },
  RAG_WORKFLOWS: { stepfunctions: ['RAG_INGEST_STATE_MACHINE_ARN', 'RAG_QUERY_STATE_MACHINE_ARN'] },
  RAG_CONVERSATION_STORE: { dynamodb: ['RAG_CONVERSATIONS_TABLE'] },
};

function isMissing(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0);
}

/** Each missing setting once, naming every selected adapter that needs it. */
function requireAwsSettings(e: EnvValues, ctx: z.RefinementCtx<EnvValues>): void {
  const requiredBy = new Map<Variable, string[]>();
  for (const name of Object.keys(AWS_ADAPTER_SETTINGS) as AdapterSwitch[]) {
    const selected = e[name];
    const settings = (AWS_ADAPTER_SETTINGS[name] as Partial<Record<string, readonly Variable[]>>)[selected];
    if (!settings) continue;
    for (const variable of ['AWS_REGION', ...settings] as const) {
      requiredBy.set(variable, [...(requiredBy.get(variable) ?? []), `${name}=${selected}`]);
    }
  }
  for (const [variable, adapters] of requiredBy) {
    if (isMissing(e[variable])) ctx.addIssue({ code: 'custom', path: [variable], message: `is required by ${adapters.join(', ')}` });
  }
}

/** A service another machine can reach takes no development token and no short one. */
function checkApiKeys(e: EnvValues, ctx: z.RefinementCtx<EnvValues>): void {
  const tokens = (e.RAG_API_KEYS ?? []).map((k) => k.token);
  if (new Set(tokens).size !== tokens.length) {
    ctx.addIssue({ code: 'custom', path: ['RAG_API_KEYS'], message: 'names a token twice' });
  }
  if (isLoopbackHost(e.HOST)) return;
  if (!e.RAG_API_KEYS) {
    ctx.addIssue({
      code: 'custom',
      path: ['RAG_API_KEYS'],
      message: `must be set when HOST (${e.HOST}) is not a loopback address: the development token '${DEV_API_TOKEN}' only serves 127.0.0.1`,
    });
  } else if (tokens.some((t) => t === DEV_API_TOKEN || t.length < MIN_PUBLIC_TOKEN_CHARS)) {
    ctx.addIssue({
      code: 'custom',
      path: ['RAG_API_KEYS'],
      message: `holds the development token or one shorter than ${MIN_PUBLIC_TOKEN_CHARS} characters, and HOST (${e.HOST}) is not a loopback address`,
    });
  }
}

function checkCrossFieldRules(e: EnvValues, ctx: z.RefinementCtx<EnvValues>): void {
  checkApiKeys(e, ctx);
  if (e.RAG_CHUNK_OVERLAP >= e.RAG_CHUNK_SIZE) {
    ctx.addIssue({ code: 'custom', path: ['RAG_CHUNK_OVERLAP'], message: `must be smaller than RAG_CHUNK_SIZE (${e.RAG_CHUNK_SIZE})` });
  }
  if (e.RAG_TOP_K > e.RAG_MAX_TOP_K) {
    ctx.addIssue({ code: 'custom', path: ['RAG_TOP_K'], message: `must not exceed RAG_MAX_TOP_K (${e.RAG_MAX_TOP_K})` });
  }
  requireAwsSettings(e, ctx);
}

/** The nested configuration the rest of the code reads. */
function toAppConfig(e: EnvValues) {
  const dataDir = path.resolve(e.RAG_DATA_DIR);
  return {
    server: {
      host: e.HOST,
      port: e.PORT,
      /** Bearer token → tenant; `devToken` says the development token is in use (printed at start). */
      // The development token is the one person at this machine: the default tenant and the operator.
      apiKeys: e.RAG_API_KEYS ?? [{ token: DEV_API_TOKEN, tenant: e.RAG_DEFAULT_TENANT, admin: true }],
      devToken: e.RAG_API_KEYS === undefined,
      queryAdmission: { maxInFlight: e.RAG_MAX_INFLIGHT_QUERIES, retryAfterSeconds: e.RAG_QUERY_RETRY_AFTER_SECONDS },
    },
    local: {
      ingestConcurrency: e.RAG_LOCAL_INGESTIONS,
      ingestQueueMax: e.RAG_INGEST_QUEUE_MAX,
      dataDir,
      documentsDir: path.resolve(e.RAG_DOCUMENTS_DIR ?? path.join(dataDir, 'documents')),
      stateDir: path.join(dataDir, 'state'),
      /** LanceDB folder or object-store URI. */
      vectorsUri: e.RAG_LANCEDB_URI ?? path.join(dataDir, 'vectors'),
      lanceDbCacheBytes: { index: e.RAG_LANCEDB_CACHE_MB * 1024 * 1024, metadata: (e.RAG_LANCEDB_CACHE_MB * 1024 * 1024) / 4 },
      samples: e.RAG_SAMPLES,
      reindexIntervalSeconds: e.RAG_REINDEX_INTERVAL_SECONDS,
      watch: e.RAG_WATCH,
    },
    logLevel: e.LOG_LEVEL.toUpperCase(),
    adapters: {
      blobStore: e.RAG_BLOB_STORE,
      embedder: e.RAG_EMBEDDER,
      vectorStore: e.RAG_VECTOR_STORE,
      reranker: e.RAG_RERANKER,
      generator: e.RAG_GENERATOR,
      guardrail: e.RAG_GUARDRAIL,
      workflows: e.RAG_WORKFLOWS,
      conversationStore: e.RAG_CONVERSATION_STORE,
    },
    conversations: {
      sessionTtlSeconds: e.RAG_SESSION_TTL_HOURS * 3600,
      maxTurns: e.RAG_SESSION_MAX_TURNS,
      answerCacheTtlSeconds: e.RAG_ANSWER_CACHE_TTL_SECONDS,
    },
    usage: {
      store: e.RAG_USAGE_STORE ?? (e.RAG_CONVERSATION_STORE === 'dynamodb' ? 'dynamodb' : 'sqlite'),
      table: e.RAG_USAGE_TABLE,
      retentionDays: e.RAG_USAGE_RETENTION_DAYS,
      budgets: {
        default: {
          ...(e.RAG_BUDGET_DAILY_USD !== undefined ? { usd: e.RAG_BUDGET_DAILY_USD } : {}),
          ...(e.RAG_BUDGET_DAILY_TOKENS !== undefined ? { tokens: e.RAG_BUDGET_DAILY_TOKENS } : {}),
        } as DailyBudget,
        perTenant: Object.fromEntries(e.RAG_TENANT_BUDGETS ?? []) as Record<string, DailyBudget>,
      },
      metricsTenantDimension: e.RAG_METRICS_TENANT_DIMENSION,
    },
    tenancy: { defaultTenant: e.RAG_DEFAULT_TENANT, tenantClaim: e.RAG_TENANT_CLAIM },
    jwt: e.RAG_JWT_ISSUER ? { issuer: e.RAG_JWT_ISSUER, audience: e.RAG_JWT_AUDIENCE ?? [] } : undefined,
    lambdaFunctionName: e.AWS_LAMBDA_FUNCTION_NAME,
    ingestion: {
      chunkSize: e.RAG_CHUNK_SIZE,
      chunkOverlap: e.RAG_CHUNK_OVERLAP,
      embedBatchSize: e.RAG_EMBED_BATCH_SIZE,
      embedConcurrency: e.RAG_EMBED_CONCURRENCY,
      embedRequestsPerSecond: e.RAG_EMBED_RPS,
      maxFileBytes: e.RAG_MAX_FILE_BYTES,
      maxPages: e.RAG_MAX_PAGES,
      maxUploadBytes: e.RAG_MAX_UPLOAD_BYTES,
      maxArchiveBytes: e.RAG_MAX_ARCHIVE_BYTES,
      maxCompressionRatio: e.RAG_MAX_COMPRESSION_RATIO,
      maxExtractedChars: e.RAG_MAX_EXTRACTED_CHARS,
      maxChunksPerDocument: e.RAG_MAX_CHUNKS_PER_DOCUMENT,
      maxTokenChars: e.RAG_MAX_TOKEN_CHARS,
      maxDocumentsPerTenant: e.RAG_MAX_DOCUMENTS_PER_TENANT,
      maxKeyBytes: e.RAG_MAX_KEY_BYTES,
    },
    query: {
      maxQuestionChars: e.RAG_MAX_QUESTION_CHARS,
      defaultTopK: e.RAG_TOP_K,
      maxTopK: e.RAG_MAX_TOP_K,
      candidates: e.RAG_CANDIDATES,
      minRelevance: e.RAG_MIN_RELEVANCE,
      minCoverage: e.RAG_MIN_COVERAGE,
      promptVersion: e.RAG_PROMPT_VERSION,
      timeoutMs: e.RAG_QUERY_TIMEOUT_SECONDS * 1000,
    },
    aws: {
      region: e.AWS_REGION,
      documentsBucket: e.RAG_DOCUMENTS_BUCKET,
      stateBucket: e.RAG_STATE_BUCKET,
      s3Endpoint: e.RAG_S3_ENDPOINT,
      s3ForcePathStyle: e.RAG_S3_FORCE_PATH_STYLE,
      bedrockEndpoint: e.RAG_BEDROCK_ENDPOINT,
      bedrockAgentEndpoint: e.RAG_BEDROCK_AGENT_ENDPOINT,
      bedrockAgentBuildEndpoint: e.RAG_BEDROCK_AGENT_BUILD_ENDPOINT,
      s3VectorsEndpoint: e.RAG_S3VECTORS_ENDPOINT,
      sfnEndpoint: e.RAG_SFN_ENDPOINT,
      dynamoDbEndpoint: e.RAG_DYNAMODB_ENDPOINT,
      conversationsTable: e.RAG_CONVERSATIONS_TABLE,
      s3VectorsBucket: e.RAG_S3VECTORS_BUCKET,
      s3VectorsIndex: e.RAG_S3VECTORS_INDEX,
      embeddingModelId: e.RAG_EMBEDDING_MODEL_ID,
      embeddingDimensions: e.RAG_EMBEDDING_DIMENSIONS,
      rerankModelArn: e.RAG_RERANK_MODEL_ARN,
      generationModelIds: e.RAG_GENERATION_MODEL_IDS ?? [],
      knowledgeBaseId: e.RAG_KNOWLEDGE_BASE_ID,
      knowledgeBaseDataSourceId: e.RAG_KNOWLEDGE_BASE_DATA_SOURCE_ID,
      /** Bounded wait for the Knowledge Base's asynchronous indexing and deletion of documents. */
      knowledgeBaseIndexing: {
        timeoutMs: e.RAG_KNOWLEDGE_BASE_INDEXING_TIMEOUT_SECONDS * 1000,
        pollIntervalMs: e.RAG_KNOWLEDGE_BASE_POLL_INTERVAL_MS,
      },
      guardrailId: e.RAG_GUARDRAIL_ID,
      guardrailVersion: e.RAG_GUARDRAIL_VERSION,
      connectTimeoutMs: e.RAG_AWS_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: e.RAG_AWS_REQUEST_TIMEOUT_MS,
      maxAttempts: e.RAG_AWS_MAX_ATTEMPTS,
      ingestStateMachineArn: e.RAG_INGEST_STATE_MACHINE_ARN,
      queryStateMachineArn: e.RAG_QUERY_STATE_MACHINE_ARN,
      reindexStateMachineArn: e.RAG_REINDEX_STATE_MACHINE_ARN,
    },
  };
}

/** The environment in, the nested configuration out: per-variable formats, then the rules across variables. */
export const configSchema = envSchema.superRefine(checkCrossFieldRules).transform(toAppConfig);

export type Env = z.input<typeof configSchema>;
export type AppConfig = z.output<typeof configSchema>;

function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** Validates the environment once; throws ConfigurationError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigurationError(`Invalid configuration: ${formatIssues(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * The models whose answers this configuration serves: the configured Bedrock generation models in
 * fallback order, or the embedded generator's adapter name. Part of the answer cache key, so a change
 * of model never serves an answer another model wrote.
 */
export function answeringModels(config: AppConfig): readonly string[] {
  return config.aws.generationModelIds.length > 0 ? config.aws.generationModelIds : [config.adapters.generator];
}
