import { z } from 'zod';
import { CliError } from './errors';
import { failureFor, type ServiceClient, type ServiceResponse } from './service-client';

/**
 * The documents routes as the commands use them (functions/api/documents.ts): each answer is checked
 * against the shape the API promises, so a wrong service or proxy is a clear error, not a crash.
 */
export const documentViewSchema = z.object({
  documentId: z.string(),
  key: z.string(),
  status: z.enum(['PENDING', 'INDEXED', 'FAILED', 'DELETED']),
  chunkCount: z.number().int().nonnegative(),
  failure: z.object({ error: z.string(), reason: z.string(), at: z.string().optional() }).optional(),
  version: z.string().optional(),
  contentType: z.string().optional(),
  title: z.string().optional(),
  bytes: z.number().optional(),
  attempts: z.number().optional(),
  updatedAt: z.string().optional(),
  indexedAt: z.string().optional(),
});

export type DocumentView = z.infer<typeof documentViewSchema>;

const listPageSchema = z.object({ documents: z.array(documentViewSchema), nextCursor: z.string().optional() });

/** The 202 of `PUT /documents/content/{path}`, `DELETE` and `redrive`. */
export const acceptedSchema = z.object({ documentId: z.string(), key: z.string().optional(), status: z.string(), bytes: z.number().optional() });

export type ListStatus = 'PENDING' | 'INDEXED' | 'FAILED';

export function parseAnswer<T extends z.ZodType>(schema: T, response: ServiceResponse, what: string): z.infer<T> {
  const parsed = schema.safeParse(response.body);
  if (!parsed.success) throw new CliError(`${what}: the answer does not follow the API (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/** `GET /documents`, following `nextCursor` page by page (a status filter may leave a page empty and still go on). */
export async function* listDocuments(client: ServiceClient, status?: ListStatus): AsyncGenerator<DocumentView> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  do {
    const query = new URLSearchParams({ ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) }).toString();
    const path = `/documents${query ? `?${query}` : ''}`;
    const response = await client.request('GET', path);
    if (response.status !== 200) throw failureFor(response, `GET ${path}`);
    const page = parseAnswer(listPageSchema, response, `GET ${path}`);
    yield* page.documents;
    cursor = page.nextCursor;
    // A cursor the service hands back twice would loop forever.
    if (cursor !== undefined && seen.has(cursor)) throw new CliError(`GET /documents: the service returned the cursor ${cursor} twice`);
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
}

/** `PUT /documents/content/{path}`: each segment percent-encoded, the slashes kept. */
export function uploadPath(relative: string): string {
  return `/documents/content/${relative.split('/').map(encodeURIComponent).join('/')}`;
}
