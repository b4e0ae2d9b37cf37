import * as z from 'zod';
import { tenantSchema } from './tenant';

/**
 * Usage and spend.
 *
 *   GET /usage?from=YYYY-MM-DD&to=YYYY-MM-DD&groupBy=day|feature|model[&tenant=<t>|*]
 *
 * A tenant sees its own usage only. A caller with the admin scope (`rag/admin`) sees every tenant
 * (`tenant=*`, the default for an operator token without a tenant) or one (`tenant=<t>`). Days are UTC.
 * `from`/`to` are inclusive and default to today; a range longer than the retention, inverted, or
 * with an unknown `groupBy` is 400 with the reason.
 *
 *   GET /metrics   (local runtime only) latency percentiles per stage and counters since the process started.
 */

export const USAGE_GROUP_BY = ['day', 'feature', 'model'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BY)[number];

/** What a model call was made for. */
export const USAGE_FEATURES = ['query', 'stream', 'ingest', 'reindex'] as const;
export type UsageFeature = (typeof USAGE_FEATURES)[number];

export const isoDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD')
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), 'is not a calendar day');

/** The query string of GET /usage (range checks against the retention happen in the use-case). */
export const usageQuerySchema = z.strictObject({
  from: isoDaySchema.optional(),
  to: isoDaySchema.optional(),
  groupBy: z.enum(USAGE_GROUP_BY, { message: `must be one of ${USAGE_GROUP_BY.join(', ')}` }).optional(),
  tenant: z.union([tenantSchema, z.literal('*')]).optional(),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;

const count = z.number().int().min(0);

/** Sums over a set of model calls. `costUsd` sums the priced calls only; `unpricedCalls` says how many were not. */
export const usageFiguresSchema = z.object({
  calls: count.describe('Model calls (answers served from the cache are `cacheHits`, not calls).'),
  inputTokens: count,
  outputTokens: count,
  costUsd: z.number().min(0).describe('USD of the priced calls (see `unpricedCalls`).'),
  unpricedCalls: count.describe('Calls whose model has no price for its Region: their cost is unknown, not zero.'),
  estimatedCalls: count.describe('Calls whose token counts are estimates (the model reported none).'),
  throttles: count,
  cacheHits: count,
});
export type UsageFigures = z.infer<typeof usageFiguresSchema>;

export const usageRowSchema = usageFiguresSchema.extend({
  key: z.string().describe('The group: a day (YYYY-MM-DD), a feature, or a model id.'),
  tenant: z.string().optional().describe('Present in all-tenant views.'),
});
export type UsageRow = z.infer<typeof usageRowSchema>;

export const budgetStatusSchema = z.object({
  limitUsd: z.number().min(0).optional().describe("The tenant's daily limit in USD."),
  limitTokens: count.optional().describe("The tenant's daily limit in tokens (input + output)."),
  usedUsd: z.number().min(0).describe('Used today (UTC).'),
  usedTokens: count,
  state: z.enum(['ok', 'warning', 'exhausted']).describe('`warning` from 80%, `exhausted` from 100% of either limit.'),
  resetsAt: z.string().describe("When today's budget resets (next UTC midnight), ISO 8601."),
});
export type BudgetStatus = z.infer<typeof budgetStatusSchema>;

export const usageResponseSchema = z.object({
  tenant: z.string().describe('The tenant the figures are for, or `*` for all tenants (admin).'),
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(USAGE_GROUP_BY),
  rows: z.array(usageRowSchema),
  totals: usageFiguresSchema,
  budget: budgetStatusSchema.optional().describe("The tenant's budget (single-tenant views, when one is configured)."),
  retentionDays: count,
  partial: z.boolean().describe('True when any figure in the range is an estimate or a call was unpriced.'),
});
export type UsageResponse = z.infer<typeof usageResponseSchema>;

export interface StageLatency {
  /** A pipeline stage (GuardInput, Retrieve, Rerank, Generate), `Query` (whole request), `FirstDelta` (stream) or `Model` (one model call). */
  stage: string;
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface MetricsResponse {
  /** When the process started recording, ISO 8601. */
  since: string;
  stages: StageLatency[];
  /** Counters by metric name (sums since `since`). */
  counters: Record<string, number>;
  /** Values now: `queriesInFlight` (admitted and running) and `queriesRefused` (answered 429 for the bound since the start). */
  gauges: Record<string, number>;
}
