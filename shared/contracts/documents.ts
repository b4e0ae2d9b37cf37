import * as z from 'zod';

/**
 * The documents API (functions/api/documents.ts): its path and query parameters, and what each route
 * answers. These schemas feed the API description; the handler's own parameter checks should use them too.
 *
 *   GET    /documents                          DocumentList (query: status, limit, cursor)
 *   GET    /documents/{documentId}             DocumentView
 *   DELETE /documents/{documentId}             202 DocumentDeleteAccepted
 *   POST   /documents/{documentId}/redrive     202 DocumentRedriveAccepted
 *   PUT    /documents/content/{path+}          202 DocumentUploadAccepted (the body is the document's bytes)
 */
export const documentIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be a document id');

/**
 * The upload path under the tenant's prefix: one or more "/"-separated segments, none empty, "." or "..".
 * (The handler also refuses keys that are never indexed: hidden, temporary and .metadata.json files.)
 */
export const documentPathSchema = z
  .string()
  .regex(/^(?!\.\.?(?:\/|$))[^/]+(?:\/(?!\.\.?(?:\/|$))[^/]+)*$/, 'must be a relative path without empty, "." or ".." segments');

export const documentStatusSchema = z.enum(['PENDING', 'INDEXED', 'FAILED', 'DELETED']);

/** Query string of `GET /documents`: values arrive as strings, hence the coercion. */
export const documentsListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).optional().describe('Page size (200 when absent).'),
    cursor: z.string().max(2048).optional().describe('`nextCursor` of the previous page.'),
    status: documentStatusSchema.exclude(['DELETED']).optional().describe('Only documents in this status (filtered within the page).'),
  })
  .strict();

/** What a caller sees of a document's manifest (`documentView`): no internal chunk ids. */
export const documentViewSchema = z.object({
  documentId: documentIdSchema,
  key: z.string().describe('The object key in the documents store: `<tenant>/<path>`.'),
  status: documentStatusSchema,
  chunkCount: z.number().int().min(0),
  failure: z
    .object({ error: z.string().describe('The error name, e.g. UnsupportedDocumentError.'), reason: z.string(), at: z.iso.datetime() })
    .optional()
    .describe('Why the last ingestion failed.'),
  version: z.string().optional().describe('SHA-256 of the bytes of the indexed (or attempted) version.'),
  contentType: z.string().optional(),
  title: z.string().optional(),
  bytes: z.number().int().min(0).optional(),
  attempts: z.number().int().min(0),
  updatedAt: z.iso.datetime(),
  indexedAt: z.iso.datetime().optional(),
});

export const documentListSchema = z.object({
  documents: z.array(documentViewSchema),
  nextCursor: z.string().optional().describe('Pass as `cursor` for the next page; absent on the last page.'),
});

const execution = z.string().describe('Name of the ingestion execution (the same change always maps to the same name).');

export const documentUploadAcceptedSchema = z.object({
  documentId: documentIdSchema,
  key: z.string(),
  status: z.literal('PENDING'),
  bytes: z.number().int().min(1),
  execution,
});

export const documentDeleteAcceptedSchema = z.object({ documentId: documentIdSchema, status: z.literal('DELETING'), execution });

export const documentRedriveAcceptedSchema = z.object({ documentId: documentIdSchema, status: z.literal('PENDING'), execution });

/** Query string of `GET /rejected-files` (admin scope). */
export const rejectedFilesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).optional().describe('Page size (200 when absent).'),
    cursor: z.string().max(2048).optional().describe('`nextCursor` of the previous page.'),
  })
  .strict();

/** Files of the documents store that are never indexed, and why (the operator's report). */
export const rejectedFileListSchema = z.object({
  files: z.array(
    z.object({
      key: z.string().describe('The object key in the documents store.'),
      reason: z.string().describe('Why it is never indexed: no tenant folder, or a key over RAG_MAX_KEY_BYTES.'),
      bytes: z.number().int().min(0),
      lastModified: z.iso.datetime(),
    }),
  ),
  nextCursor: z.string().optional().describe('Pass as `cursor` for the next page; absent when the store was read to its end.'),
});

export type DocumentView = z.infer<typeof documentViewSchema>;
export type DocumentList = z.infer<typeof documentListSchema>;
export type DocumentsListQuery = z.infer<typeof documentsListQuerySchema>;
