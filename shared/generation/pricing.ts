import { readFileSync } from 'node:fs';
import * as z from 'zod';
import bundledTable from '../config/model-prices.json';
import { ConfigurationError } from '../errors';

/**
 * Prices of the Bedrock models this service calls, for per-request cost in responses, logs, metrics and budgets.
 *
 * The figures live in configuration (`shared/config/model-prices.json`), per model, Region and routing, each with
 * the page it was read from and the day; an operator can replace the whole table with `RAG_MODEL_PRICES_FILE`.
 * A model or Region the table does not price is unknown: `estimateCostUsd` answers `undefined`, never 0, so a
 * dashboard can show unpriced traffic instead of silently under-reporting it.
 */

/**
 * Token estimate for models that report no usage (local models, embedding calls without counts):
 * about 4 characters per token, rounded up, at least one per word. An estimate, not a tokenizer.
 * Re-exported so the whole code base counts tokens one way.
 */
export { estimateTokens } from '../embeddings/tokenizer';

/** Environment variable naming an operator's own price table (same schema as the bundled one). */
export const MODEL_PRICES_FILE_VARIABLE = 'RAG_MODEL_PRICES_FILE';

// Cross-region inference profiles: geographic ones ("us.anthropic...") bill at the source Region's regional
// price; "global." ones have their own, lower price (see crossRegionInference in model-prices.json).
const INFERENCE_PROFILE_PREFIX = /^(?:us-gov|us|eu|apac|jp|au|ca|global)\./;

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
// A foundation model id without its ":N" version suffix and without an inference-profile prefix.
const ROW_MODEL_ID = /^[a-z0-9-]+\.[a-z0-9.-]+$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const priceSourceSchema = z
  .object({
    url: z.url({ protocol: /^https$/ }),
    read: z.string().regex(ISO_DAY, 'read must be an ISO day (YYYY-MM-DD)'),
    secondary: z.boolean(),
    note: z.string().min(1).optional(),
  })
  .strict();

const priceRowSchema = z
  .object({
    modelId: z.string().regex(ROW_MODEL_ID, 'modelId must be a foundation model id without its ":N" suffix or a profile prefix'),
    regions: z.array(z.string().regex(REGION, 'regions must be AWS Region codes such as us-east-1')).min(1),
    /** 'regional': In-Region calls and geographic profiles (us., eu., ...); 'global': global. profiles. */
    routing: z.enum(['regional', 'global']),
    inputPer1kUsd: z.number().finite().nonnegative(),
    outputPer1kUsd: z.number().finite().nonnegative(),
    unit: z.enum(['token', 'query']),
    source: priceSourceSchema,
  })
  .strict()
  .refine((row) => !INFERENCE_PROFILE_PREFIX.test(row.modelId), {
    message: 'modelId must not carry an inference-profile prefix (price the foundation model and set routing)',
  })
  .refine((row) => row.unit === 'token' || row.outputPer1kUsd === 0, { message: 'a per-query (rerank) price has no output rate' });

const noteWithSourceSchema = z.object({ text: z.string().min(1), source: priceSourceSchema }).strict();

const tableHeaderSchema = z
  .object({
    description: z.string().min(1).optional(),
    readOn: z.string().regex(ISO_DAY, 'readOn must be an ISO day (YYYY-MM-DD)'),
    notModelled: z.array(z.string().min(1)).optional(),
    crossRegionInference: z.object({ geographic: noteWithSourceSchema, global: noteWithSourceSchema }).strict().optional(),
    rows: z.array(z.unknown()).min(1),
  })
  .strict();

type PriceRow = z.infer<typeof priceRowSchema>;

export interface PriceTable {
  readOn: string;
  rows: readonly PriceRow[];
}

export interface ModelPriceEntry {
  /** The row's foundation model id prefix. */
  modelId: string;
  region: string;
  /** Which price applied: In-Region / geographic profile, or global profile. */
  routing: 'regional' | 'global';
  /** For `unit: 'query'` (rerank) USD per 1,000 query units (see `rerankQueryUnits`). */
  inputPer1kUsd: number;
  outputPer1kUsd: number;
  unit: 'token' | 'query';
  source: { url: string; read: string; secondary: boolean; note?: string };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
}

/**
 * Validates a price table read from `origin` (a file name, for the message). Every problem is a
 * ConfigurationError naming the row (index and model id), so a bad edit fails at start, not at billing time.
 */
export function parsePriceTable(raw: unknown, origin: string): PriceTable {
  const header = tableHeaderSchema.safeParse(raw);
  if (!header.success) throw new ConfigurationError(`Model price table ${origin} is malformed: ${describeIssues(header.error)}`);
  const seen = new Set<string>();
  const rows = header.data.rows.map((candidate, index) => {
    const label = `row ${index}${isRecord(candidate) && typeof candidate.modelId === 'string' ? ` (${candidate.modelId})` : ''}`;
    const row = priceRowSchema.safeParse(candidate);
    if (!row.success) throw new ConfigurationError(`Model price table ${origin}, ${label}: ${describeIssues(row.error)}`);
    for (const region of row.data.regions) {
      const key = `${row.data.modelId} ${region} ${row.data.routing}`;
      if (seen.has(key)) {
        throw new ConfigurationError(`Model price table ${origin}, ${label}: ${region} (${row.data.routing}) is priced by an earlier row too`);
      }
      seen.add(key);
    }
    return row.data;
  });
  return { readOn: header.data.readOn, rows };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const BUNDLED_ORIGIN = 'shared/config/model-prices.json';
const BUNDLED_TABLE = parsePriceTable(bundledTable, BUNDLED_ORIGIN);

/** Day the bundled table's sources were read. */
export const PRICE_TABLE_READ_ON: string = BUNDLED_TABLE.readOn;

function readOperatorTable(file: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigurationError(`${MODEL_PRICES_FILE_VARIABLE}=${file} cannot be read`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(`${MODEL_PRICES_FILE_VARIABLE}=${file} is not valid JSON`, { cause });
  }
  return parsePriceTable(raw, file);
}

let activeTable: PriceTable | undefined;

/** The table in use: the operator's file when RAG_MODEL_PRICES_FILE is set, read once on first use; else the bundled one. */
function priceTable(): PriceTable {
  if (!activeTable) {
    const file = process.env[MODEL_PRICES_FILE_VARIABLE]?.trim();
    activeTable = file ? readOperatorTable(file) : BUNDLED_TABLE;
  }
  return activeTable;
}

/** Reduces an ARN, an inference profile id or a plain model id to the foundation model id. */
export function baseModelId(modelId: string): string {
  return normalizedId(modelId).replace(INFERENCE_PROFILE_PREFIX, '');
}

function normalizedId(modelId: string): string {
  const afterSlash = modelId.includes('/') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return afterSlash.trim().toLowerCase();
}

function isLocalModel(id: string): boolean {
  return id.startsWith('local-') || id === 'local';
}

// A row prefix matches the whole id or stops at a version (":0") or variant ("-...") boundary.
function matchesPrefix(id: string, prefix: string): boolean {
  if (!id.startsWith(prefix)) return false;
  const next = id.charAt(prefix.length);
  return next === '' || next === ':' || next === '-';
}

/**
 * Local models (id `local` or starting `local-`): priced 0 with source 'local'. Undefined = unknown: no row for
 * this model in this region (and, for a `global.` profile, no global row). Longest matching prefix wins.
 */
export function modelPrice(modelId: string, region: string): ModelPriceEntry | { local: true } | undefined {
  const id = normalizedId(modelId);
  const base = id.replace(INFERENCE_PROFILE_PREFIX, '');
  if (isLocalModel(base)) return { local: true };
  // The embedded runtime's Region "local" prices local models only: no row can name it (rows hold Region codes).
  const wantedRegion = region.trim().toLowerCase();
  const routing = id.startsWith('global.') ? 'global' : 'regional';
  let best: PriceRow | undefined;
  for (const row of priceTable().rows) {
    if (row.routing !== routing || !row.regions.includes(wantedRegion) || !matchesPrefix(base, row.modelId)) continue;
    if (!best || row.modelId.length > best.modelId.length) best = row;
  }
  if (!best) return undefined;
  return {
    modelId: best.modelId,
    region: wantedRegion,
    routing: best.routing,
    inputPer1kUsd: best.inputPer1kUsd,
    outputPer1kUsd: best.outputPer1kUsd,
    unit: best.unit,
    source: best.source,
  };
}

function countOf(value: number): number {
  return Number.isFinite(value) ? Math.max(0, value) : 0;
}

/**
 * USD for one call, or undefined when the model/region is not priced (never 0 for unknown). Local models: 0.
 * For rerank models pass the query units (`rerankQueryUnits`) as `inputTokens`. Negative/NaN counts count as 0.
 */
export function estimateCostUsd(modelId: string, region: string, usage: { inputTokens: number; outputTokens: number }): number | undefined {
  const price = modelPrice(modelId, region);
  if (!price) return undefined;
  if ('local' in price) return 0;
  return (countOf(usage.inputTokens) / 1000) * price.inputPer1kUsd + (countOf(usage.outputTokens) / 1000) * price.outputPer1kUsd;
}

/** Bedrock Rerank bills one query unit per call of up to 100 documents. */
export const RERANK_DOCUMENTS_PER_QUERY_UNIT = 100;

/** Query units a rerank call of `documentCount` documents is billed for. */
export function rerankQueryUnits(documentCount: number): number {
  if (documentCount <= 0) return 0;
  return Math.ceil(documentCount / RERANK_DOCUMENTS_PER_QUERY_UNIT);
}
