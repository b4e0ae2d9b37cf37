import * as z from 'zod';
import { documentIdFor } from '../../shared/documents/identity';
import { tenantPattern } from '../../shared/contracts/tenant';
import type { ChunkOutput, EmbedBatchInput, ExtractOutput } from '../../shared/pipeline/ingest';
import type { IngestionRequest } from '../../shared/workflows/workflows';
import type { Assert, SchemaMatches } from '../task';

/**
 * The input of each ingest Task, in full (statemachines/ingest.asl.json). Every Task but EmbedBatch
 * takes the whole execution state (no InputPath or Parameters): the IngestionRequest that started
 * the execution plus the ResultPath of each step so far. Those schemas let other top-level fields
 * through (`.loose()`), because whoever starts an execution owns its input; the step results
 * nested in the state are checked field by field. EmbedBatch takes exactly the four fields its
 * Map's ItemSelector builds.
 */
const tenant = z.string().regex(tenantPattern);
const key = z.string().min(1).max(1024);

/** The execution input: what startIngestion passes (object events, uploads, re-drives, the re-index sweep). */
export const ingestionRequestSchema = z.object({
  tenant,
  key,
  action: z.enum(['upsert', 'delete']),
  etag: z.string().optional(),
  reason: z.enum(['event', 'reindex', 'redrive', 'upload', 'samples']),
});
type _IngestionRequest = Assert<SchemaMatches<typeof ingestionRequestSchema, IngestionRequest>>;

/** Extract's result, at `$.document`. */
export const extractOutputSchema = z.object({
  documentId: z.string().min(1),
  version: z.string().min(1),
  fingerprint: z.string().min(1),
  contentType: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  unchanged: z.boolean(),
  textKey: z.string().min(1).optional(),
});
type _ExtractOutput = Assert<SchemaMatches<typeof extractOutputSchema, ExtractOutput>>;

/** Chunk's result, at `$.chunks`. */
export const chunkOutputSchema = z.object({
  chunkCount: z.number().int().nonnegative(),
  batches: z.array(z.object({ batchKey: z.string().min(1) })),
  maxConcurrency: z.number().int().nonnegative(),
});
type _ChunkOutput = Assert<SchemaMatches<typeof chunkOutputSchema, ChunkOutput>>;

/** Chunk and Finalize run only for a changed version (SkipIfUnchanged), whose text Extract stored. */
const extractedDocumentSchema = extractOutputSchema.extend({ unchanged: z.literal(false), textKey: z.string().min(1) });

/** Task "DeleteDocument" (RouteAction sends it action "delete"). */
export const deleteDocumentSchema = ingestionRequestSchema.extend({ action: z.literal('delete') }).loose();

/** Task "Extract" (RouteAction sends it every other action). */
export const extractSchema = ingestionRequestSchema.extend({ action: z.literal('upsert') }).loose();

/** Task "Chunk": the request and Extract's result. */
export const chunkSchema = extractSchema.extend({ document: extractedDocumentSchema });

/** Map Task "EmbedBatch": the ItemSelector's fields, nothing else. */
export const embedBatchSchema = z.strictObject({
  tenant,
  reason: ingestionRequestSchema.shape.reason.optional(),
  documentId: z.string().min(1),
  fingerprint: z.string().min(1),
  batchKey: z.string().min(1),
});
type _EmbedBatchInput = Assert<SchemaMatches<typeof embedBatchSchema, EmbedBatchInput>>;

/** Task "Finalize": the request, Extract's and Chunk's results (EmbedBatches adds nothing: ResultPath null). */
export const finalizeSchema = chunkSchema.extend({ chunks: chunkOutputSchema });

/**
 * Task "RecordFailure", every Catch's target: the request, the error at `$.error`, and the results
 * of the steps that ran before the failure (none after DeleteDocument or Extract).
 */
export const recordFailureSchema = ingestionRequestSchema
  .extend({
    // Step Functions' error output; Cause is a string when present (Lambda's error JSON on AWS, the message locally).
    error: z.object({ Error: z.string().min(1), Cause: z.string().optional() }),
    document: extractOutputSchema.optional(),
    chunks: chunkOutputSchema.optional(),
  })
  .loose();

export const labels = {
  // The document id, not the key: object keys are file names chosen by users.
  correlationId: (input: { tenant: string; key: string }) => documentIdFor(input.tenant, input.key),
  tenant: (input: { tenant: string }) => input.tenant,
};
