import { z } from 'zod';
import { documentIdFor } from '../../shared/documents/identity';
import { tenantPattern } from '../../shared/pipeline/document-keys';

/** The ingest state machine's state, as each Task receives it (schemas validate the fields a Task needs). */
const tenant = z.string().regex(tenantPattern);
const key = z.string().min(1).max(1024);

export const documentRefSchema = z.object({ tenant, key }).loose();

export const extractOutputSchema = z.object({
  documentId: z.string(),
  version: z.string(),
  fingerprint: z.string(),
  contentType: z.string(),
  bytes: z.number(),
  unchanged: z.boolean(),
  textKey: z.string().optional(),
});

export const chunkOutputSchema = z.object({
  chunkCount: z.number().int(),
  batches: z.array(z.object({ batchKey: z.string() })),
  maxConcurrency: z.number().int(),
});

export const withDocumentSchema = documentRefSchema.extend({ document: extractOutputSchema });
export const withChunksSchema = withDocumentSchema.extend({ chunks: chunkOutputSchema });

export const failureSchema = documentRefSchema.extend({
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  document: z.object({ fingerprint: z.string().optional() }).loose().optional(),
  chunks: z.object({ chunkCount: z.number().int().optional() }).loose().optional(),
});

export const embedBatchSchema = z.object({ tenant, documentId: z.string(), fingerprint: z.string(), batchKey: z.string() });

export const labels = {
  // The document id, not the key: object keys are file names chosen by users.
  correlationId: (input: { tenant: string; key: string }) => documentIdFor(input.tenant, input.key),
  tenant: (input: { tenant: string }) => input.tenant,
};
